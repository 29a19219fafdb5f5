"""Risk guards: pure rules that protect a follower's account.

A follower's :class:`RiskLimits` are checked at two moments, both pure functions of values the
engine already holds (no IO here):

1. **On every account report** (:func:`evaluate_account`), against the account's
   :class:`Baseline` (starting balance, equity peak, the day's opening figure), in this order:

   - ``equity_floor``: equity below the floor (money) trips.
   - ``max_drawdown_pct``: equity below ``base * (1 - pct/100)`` trips, where ``base`` is the
     starting balance or the highest equity seen (``drawdown_from``).
   - ``daily_loss`` / ``daily_loss_pct``: the day's loss is ``day_open - equity`` (realised
     and floating together: the balance moved by closed trades plus the open trades' floating
     P/L), where ``day_open`` is the higher of balance and equity at the day's first report
     (as prop firms count it); the percent limit is of ``day_open``. A loss of exactly the
     limit trips ("reached").
   - ``daily_profit_target``: ``equity - day_open`` at or above the target trips.
   - ``margin_level_floor``: a margin level (percent) above 0 and below the floor trips
     (0 means no open positions and never trips).

   Each limit carries the :class:`GuardAction` taken when it trips. A :class:`Trip` records
   the figures (value, limit, time) and how long it holds: daily guards until the next day
   boundary in the guard's time zone, the others until the trader resets them.

2. **On every new copy** (:func:`check_new_copy`), in this order, stopping at the first:
   the follower's own switch (:class:`Control` PAUSED or CLOSE_ONLY), any trip still holding
   whose action stops new copies, trading hours, then the exposure caps (open copies, total
   lots, lots per symbol) counted *with* the new copy. Closes and modifies are never checked:
   a guard may stop a copy from opening, never from being closed.

Actions:

- ``SKIP_NEW``: does not latch. While the figure is beyond its limit (checked at each account
  report), new copies are skipped; they resume by themselves when it is back inside.
- ``CLOSE_ONLY``: latches. New copies are skipped until the trip ends (reset or period end);
  open copies still follow the master's closes and modifies.
- ``CLOSE_ALL_AND_PAUSE``: latches. Every open copy is closed at once and the follower is
  paused (nothing is sent) until the trip ends.

Day boundaries: ``day_timezone`` names an IANA zone; ``None`` means the broker's server time
when the EA reports its offset, else UTC (the caller passes the zone it resolved).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from copytrade.domain.errors import RuleError

HUNDRED = Decimal(100)


class GuardAction(enum.Enum):
    """What happens when a guard trips (module docstring)."""

    SKIP_NEW = "SKIP_NEW"
    CLOSE_ONLY = "CLOSE_ONLY"
    CLOSE_ALL_AND_PAUSE = "CLOSE_ALL_AND_PAUSE"

    @property
    def latches(self) -> bool:
        """Whether a trip with this action holds until reset or period end."""
        return self is not GuardAction.SKIP_NEW


class GuardKind(enum.StrEnum):
    """Stable code of each guard; reason codes and stored trips use it."""

    EQUITY_FLOOR = "EQUITY_FLOOR"
    DRAWDOWN = "DRAWDOWN"
    DAILY_LOSS = "DAILY_LOSS"
    DAILY_LOSS_PCT = "DAILY_LOSS_PCT"
    DAILY_PROFIT_TARGET = "DAILY_PROFIT_TARGET"
    MARGIN_LEVEL = "MARGIN_LEVEL"

    @property
    def daily(self) -> bool:
        """Whether a trip of this guard ends by itself at the next day boundary."""
        return self in _DAILY


_DAILY = frozenset({GuardKind.DAILY_LOSS, GuardKind.DAILY_LOSS_PCT, GuardKind.DAILY_PROFIT_TARGET})


class CopyBlock(enum.StrEnum):
    """Stable code for a new copy stopped by a guard or by the follower's switch."""

    PAUSED = "PAUSED"
    CLOSE_ONLY = "CLOSE_ONLY"
    RISK_TRIPPED = "RISK_TRIPPED"
    OUTSIDE_TRADING_HOURS = "OUTSIDE_TRADING_HOURS"
    MAX_OPEN_COPIES = "MAX_OPEN_COPIES"
    MAX_TOTAL_LOTS = "MAX_TOTAL_LOTS"
    MAX_SYMBOL_LOTS = "MAX_SYMBOL_LOTS"


class Control(enum.Enum):
    """The follower's own switch, set from the dashboard."""

    ACTIVE = "ACTIVE"
    CLOSE_ONLY = "CLOSE_ONLY"
    """No new copies; closes and modifies still follow."""
    PAUSED = "PAUSED"
    """Nothing is sent; on resume, the resync policy decides what to catch up."""


class DrawdownBase(enum.Enum):
    """What ``max_drawdown_pct`` is measured from."""

    START_BALANCE = "START_BALANCE"
    EQUITY_PEAK = "EQUITY_PEAK"


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; :class:`RuleError` on ``day_timezone`` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError("timezone", f"{name!r} is not an IANA time zone") from None


def _money(field: str, value: Decimal, *, positive: bool) -> None:
    if not value.is_finite():
        raise RuleError(field, "must be a number")
    if positive and value <= 0:
        raise RuleError(field, "must be above 0")
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise RuleError(field, "at most 2 decimals")
    if abs(value) >= Decimal("1e12"):
        raise RuleError(field, "must be below 1 000 000 000 000")


def _percent(field: str, value: Decimal, *, top: Decimal = HUNDRED) -> None:
    if not value.is_finite() or value <= 0 or value > top:
        raise RuleError(field, f"must be above 0 and at most {top}")
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise RuleError(field, "at most 2 decimals")


@attrs.frozen
class Limit:
    """One guard's threshold and the action taken when it trips."""

    value: Decimal
    """The threshold: money, or percent for the ``_pct`` guards and the margin level."""
    action: GuardAction = GuardAction.CLOSE_ONLY
    """What happens on a trip."""


@attrs.frozen
class Window:
    """A daily time window ``start``-``end`` (local time); ``end`` before ``start`` spans
    midnight (22:00-02:00). ``start == end`` is refused (empty or all day is ambiguous)."""

    start: time
    end: time

    def __attrs_post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise RuleError("trading_hours.windows", "times are local, without a zone")
        if self.start == self.end:
            raise RuleError("trading_hours.windows", "a window must not start when it ends")

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@attrs.frozen
class TradingHours:
    """When new copies may open: on ``days`` (0 = Monday ... 6 = Sunday), inside any of
    ``windows`` (all day when empty), in the IANA zone ``timezone``. A window spanning
    midnight belongs to the day it starts on."""

    days: frozenset[int]
    windows: tuple[Window, ...] = ()
    timezone: str = "UTC"

    def __attrs_post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise RuleError("trading_hours.days", "one or more of 0 (Monday) ... 6 (Sunday)")
        if len(self.windows) > 8:
            raise RuleError("trading_hours.windows", "at most 8 windows")
        zone(self.timezone)

    def allows(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls inside the trading hours."""
        local = _aware(now).astimezone(zone(self.timezone))
        if not self.windows:
            return local.weekday() in self.days
        moment = local.time().replace(tzinfo=None)
        today, yesterday = local.weekday(), (local.weekday() - 1) % 7
        for window in self.windows:
            if not window.contains(moment):
                continue
            spans_midnight = window.end < window.start
            started_yesterday = spans_midnight and moment < window.end
            if (yesterday if started_yesterday else today) in self.days:
                return True
        return False


@attrs.frozen
class RiskLimits:
    """A follower's risk guards; ``None`` turns a guard off. Validated on construction
    (:class:`RuleError` names the field)."""

    equity_floor: Limit | None = None
    """Equity (money) below which the guard trips."""
    max_drawdown_pct: Limit | None = None
    """Percent below ``drawdown_from`` at which the guard trips."""
    drawdown_from: DrawdownBase = DrawdownBase.START_BALANCE
    daily_loss: Limit | None = None
    """Money lost since the day's opening figure (realised + floating)."""
    daily_loss_pct: Limit | None = None
    """The same, in percent of the day's opening figure."""
    daily_profit_target: Limit | None = None
    """Money gained since the day's opening figure at which to stop for the day."""
    margin_level_floor: Limit | None = None
    """Margin level (percent) below which the guard trips; caps the leverage used."""
    day_timezone: str | None = None
    """IANA zone of the day boundary; ``None`` = broker server time, else UTC."""
    max_open_copies: int | None = None
    """Most copies open at once (the new one included)."""
    max_total_lots: Decimal | None = None
    """Most lots open over all copies (the new one included)."""
    max_symbol_lots: Decimal | None = None
    """Most lots open on one follower symbol (the new one included)."""
    trading_hours: TradingHours | None = None
    """When new copies may open; closes always follow."""

    def __attrs_post_init__(self) -> None:
        for name in ("equity_floor", "daily_loss", "daily_profit_target"):
            limit = getattr(self, name)
            if limit is not None:
                _money(name, limit.value, positive=True)
        if self.max_drawdown_pct is not None:
            _percent("max_drawdown_pct", self.max_drawdown_pct.value)
        if self.daily_loss_pct is not None:
            _percent("daily_loss_pct", self.daily_loss_pct.value)
        if self.margin_level_floor is not None:
            _percent("margin_level_floor", self.margin_level_floor.value, top=Decimal(100_000))
        if self.day_timezone is not None:
            try:
                zone(self.day_timezone)
            except RuleError:
                raise RuleError(
                    "day_timezone", f"{self.day_timezone!r} is not an IANA time zone"
                ) from None
        if self.max_open_copies is not None and not 1 <= self.max_open_copies <= 10_000:
            raise RuleError("max_open_copies", "must be 1 ... 10000")
        for name in ("max_total_lots", "max_symbol_lots"):
            lots = getattr(self, name)
            if lots is not None:
                exponent = lots.as_tuple().exponent
                if (
                    not lots.is_finite()
                    or lots <= 0
                    or lots > 1_000_000
                    or not isinstance(exponent, int)
                    or exponent < -4
                ):
                    raise RuleError(name, "must be above 0, at most 1 000 000, 4 decimals")

    def limits(self) -> Mapping[GuardKind, Limit]:
        """The account guards that are on, in evaluation order."""
        pairs = (
            (GuardKind.EQUITY_FLOOR, self.equity_floor),
            (GuardKind.DRAWDOWN, self.max_drawdown_pct),
            (GuardKind.DAILY_LOSS, self.daily_loss),
            (GuardKind.DAILY_LOSS_PCT, self.daily_loss_pct),
            (GuardKind.DAILY_PROFIT_TARGET, self.daily_profit_target),
            (GuardKind.MARGIN_LEVEL, self.margin_level_floor),
        )
        return {kind: limit for kind, limit in pairs if limit is not None}


@attrs.frozen
class AccountFigures:
    """One account report (the EA's ``ACCOUNT`` line), as the guards read it."""

    balance: Decimal
    equity: Decimal
    margin_level: Decimal
    """Percent; 0 when no positions are open."""
    at: datetime
    """When it was received (aware)."""


@attrs.frozen
class Baseline:
    """What the guards measure against, carried from report to report.

    Build the first one with :func:`start_baseline` and advance it with :func:`advance`.
    """

    start_balance: Decimal
    """Balance when the guards were first set (or last reset)."""
    equity_peak: Decimal
    """Highest equity seen since then."""
    day: date
    """The local day ``day_open`` belongs to."""
    day_open: Decimal
    """The higher of balance and equity at the day's first report."""


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleError("now", "must be timezone-aware")
    return moment


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day of ``moment`` in ``timezone``."""
    return _aware(moment).astimezone(zone(timezone)).date()


def next_day_start(moment: datetime, timezone: str) -> datetime:
    """The next local midnight after ``moment`` in ``timezone``, as an aware UTC time
    (DST-safe: midnight is built in local time, then converted)."""
    tz = zone(timezone)
    tomorrow = _aware(moment).astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def start_baseline(figures: AccountFigures, timezone: str) -> Baseline:
    """The baseline from the first report after the guards were set or reset."""
    return Baseline(
        start_balance=figures.balance,
        equity_peak=figures.equity,
        day=local_day(figures.at, timezone),
        day_open=max(figures.balance, figures.equity),
    )


def advance(baseline: Baseline, figures: AccountFigures, timezone: str) -> Baseline:
    """The baseline after one more report: the peak rises, a new day reopens ``day_open``."""
    day = local_day(figures.at, timezone)
    new_day = day != baseline.day
    return attrs.evolve(
        baseline,
        equity_peak=max(baseline.equity_peak, figures.equity),
        day=day,
        day_open=max(figures.balance, figures.equity) if new_day else baseline.day_open,
    )


@attrs.frozen
class Trip:
    """A guard tripped: stored as an event with the figures that tripped it."""

    kind: GuardKind
    action: GuardAction
    value: Decimal
    """The figure that crossed the limit (equity, loss, gain, percent or margin level)."""
    limit: Decimal
    """The limit it crossed, in the same unit."""
    at: datetime
    holds_until: datetime | None
    """When a latched trip ends by itself (daily guards: the next local midnight); ``None`` =
    until the trader resets it, or, for ``SKIP_NEW``, until the next report replaces it."""
    reason: str
    """One English sentence for the dashboard (the API also gives code + figures)."""

    def holds(self, now: datetime) -> bool:
        """Whether the trip still stops new copies at ``now``. A ``SKIP_NEW`` trip always
        does: the caller keeps only those of the latest report."""
        return self.holds_until is None or _aware(now) < self.holds_until


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def evaluate_account(
    limits: RiskLimits, baseline: Baseline, figures: AccountFigures, timezone: str
) -> list[Trip]:
    """The guards ``figures`` trip (module docstring for each rule), in evaluation order.

    ``baseline`` must already include ``figures`` (see :func:`advance`); ``timezone`` is the
    resolved day zone. Returns every guard beyond its limit; the caller stores a trip only
    once per episode (a latched trip is not tripped again while it holds).
    """
    now = _aware(figures.at)
    equity = figures.equity
    trips: list[Trip] = []

    def trip(kind: GuardKind, limit: Limit, value: Decimal, reason: str) -> None:
        until = next_day_start(now, timezone) if limit.action.latches and kind.daily else None
        trips.append(Trip(kind, limit.action, value, limit.value, now, until, reason))

    for kind, limit in limits.limits().items():
        if kind is GuardKind.EQUITY_FLOOR and equity < limit.value:
            trip(kind, limit, equity, f"Equity {_fmt(equity)} fell below {_fmt(limit.value)}.")
        elif kind is GuardKind.DRAWDOWN:
            base = (
                baseline.equity_peak
                if limits.drawdown_from is DrawdownBase.EQUITY_PEAK
                else baseline.start_balance
            )
            if base > 0:
                drawn = (base - equity) / base * HUNDRED
                if drawn >= limit.value:
                    trip(
                        kind,
                        limit,
                        drawn.quantize(Decimal("0.01")),
                        f"Drawdown {_fmt(drawn)} % from {_fmt(base)} reached the limit of "
                        f"{_fmt(limit.value)} %.",
                    )
        elif kind is GuardKind.DAILY_LOSS:
            loss = baseline.day_open - equity
            if loss >= limit.value:
                trip(
                    kind,
                    limit,
                    loss,
                    f"Today's loss {_fmt(loss)} reached the daily limit of {_fmt(limit.value)}.",
                )
        elif kind is GuardKind.DAILY_LOSS_PCT and baseline.day_open > 0:
            pct = (baseline.day_open - equity) / baseline.day_open * HUNDRED
            if pct >= limit.value:
                trip(
                    kind,
                    limit,
                    pct.quantize(Decimal("0.01")),
                    f"Today's loss {_fmt(pct)} % of {_fmt(baseline.day_open)} reached the "
                    f"daily limit of {_fmt(limit.value)} %.",
                )
        elif kind is GuardKind.DAILY_PROFIT_TARGET:
            gain = equity - baseline.day_open
            if gain >= limit.value:
                trip(
                    kind,
                    limit,
                    gain,
                    f"Today's gain {_fmt(gain)} reached the daily target of {_fmt(limit.value)}.",
                )
        elif kind is GuardKind.MARGIN_LEVEL and 0 < figures.margin_level < limit.value:
            trip(
                kind,
                limit,
                figures.margin_level,
                f"Margin level {_fmt(figures.margin_level)} % fell below {_fmt(limit.value)} %.",
            )
    return trips


@attrs.frozen
class Exposure:
    """The follower's open copies as the ledger holds them."""

    open_copies: int = 0
    total_lots: Decimal = Decimal(0)
    lots_by_symbol: Mapping[str, Decimal] = attrs.field(factory=dict)


@attrs.frozen
class Blocked:
    """A new copy that a guard (or the follower's switch) stops; recorded as SKIPPED."""

    code: CopyBlock
    reason: str
    """One English sentence for the dashboard."""
    guard: GuardKind | None = None
    """The tripped guard, for ``RISK_TRIPPED``."""


def _lots(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_new_copy(
    limits: RiskLimits,
    control: Control,
    trips: list[Trip],
    exposure: Exposure,
    symbol: str,
    volume: Decimal,
    now: datetime,
) -> Blocked | None:
    """Why a new copy of ``volume`` lots on the follower's ``symbol`` may not open, or
    ``None`` (module docstring for the order). ``trips`` are the follower's stored trips;
    those that no longer hold at ``now`` are ignored."""
    _aware(now)
    if control is Control.PAUSED:
        return Blocked(CopyBlock.PAUSED, "Copying is paused for this follower.")
    if control is Control.CLOSE_ONLY:
        return Blocked(
            CopyBlock.CLOSE_ONLY, "This follower is close-only: no new copies are opened."
        )
    for trip in trips:
        if trip.holds(now):
            return Blocked(CopyBlock.RISK_TRIPPED, trip.reason, trip.kind)
    hours = limits.trading_hours
    if hours is not None and not hours.allows(now):
        return Blocked(
            CopyBlock.OUTSIDE_TRADING_HOURS,
            f"Outside this follower's trading hours ({hours.timezone}).",
        )
    if limits.max_open_copies is not None and exposure.open_copies + 1 > limits.max_open_copies:
        return Blocked(
            CopyBlock.MAX_OPEN_COPIES,
            f"{exposure.open_copies} copies are open; the limit is {limits.max_open_copies}.",
        )
    if limits.max_total_lots is not None and exposure.total_lots + volume > limits.max_total_lots:
        return Blocked(
            CopyBlock.MAX_TOTAL_LOTS,
            f"{_lots(exposure.total_lots)} lots are open; {_lots(volume)} more would pass the "
            f"limit of {_lots(limits.max_total_lots)}.",
        )
    if limits.max_symbol_lots is not None:
        held = exposure.lots_by_symbol.get(symbol, Decimal(0))
        if held + volume > limits.max_symbol_lots:
            return Blocked(
                CopyBlock.MAX_SYMBOL_LOTS,
                f"{_lots(held)} lots of {symbol} are open; {_lots(volume)} more would pass the "
                f"limit of {_lots(limits.max_symbol_lots)}.",
            )
    return None


PRESETS: Mapping[str, RiskLimits] = {
    "prop_firm_standard": RiskLimits(
        daily_loss_pct=Limit(Decimal(5), GuardAction.CLOSE_ALL_AND_PAUSE),
        max_drawdown_pct=Limit(Decimal(10), GuardAction.CLOSE_ALL_AND_PAUSE),
        drawdown_from=DrawdownBase.START_BALANCE,
    ),
    "prop_firm_trailing": RiskLimits(
        daily_loss_pct=Limit(Decimal(4), GuardAction.CLOSE_ALL_AND_PAUSE),
        max_drawdown_pct=Limit(Decimal(6), GuardAction.CLOSE_ALL_AND_PAUSE),
        drawdown_from=DrawdownBase.EQUITY_PEAK,
    ),
    "weekday_sessions": RiskLimits(
        trading_hours=TradingHours(
            days=frozenset(range(5)),
            windows=(Window(time(7, 0), time(21, 0)),),
            timezone="UTC",
        ),
        margin_level_floor=Limit(Decimal(300), GuardAction.SKIP_NEW),
    ),
}
"""Starting points the trader edits: ``prop_firm_standard`` (daily loss 5 %, max loss 10 % of
the starting balance, both closing everything), ``prop_firm_trailing`` (4 % daily, 6 % below
the equity peak), ``weekday_sessions`` (Monday-Friday 07:00-21:00 UTC, no new copies below a
300 % margin level)."""
