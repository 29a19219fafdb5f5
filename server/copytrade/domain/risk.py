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

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from copytrade.domain.risk_limits import (
    HUNDRED,
    PRESETS,
    Control,
    CopyBlock,
    DrawdownBase,
    GuardAction,
    GuardKind,
    Limit,
    RiskLimits,
    TradingHours,
    Window,
    aware,
    zone,
)

__all__ = [
    "PRESETS", "AccountFigures", "Baseline", "Blocked", "Control", "CopyBlock", "DrawdownBase",
    "Exposure", "GuardAction", "GuardKind", "Limit", "RiskLimits", "TradingHours", "Trip",
    "Window", "advance", "check_new_copy", "evaluate_account", "local_day", "next_day_start",
    "rebase", "start_baseline", "zone",
]


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


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day of ``moment`` in ``timezone``."""
    return aware(moment).astimezone(zone(timezone)).date()


def next_day_start(moment: datetime, timezone: str) -> datetime:
    """The next local midnight after ``moment`` in ``timezone``, as an aware UTC time
    (DST-safe: midnight is built in local time, then converted)."""
    tz = zone(timezone)
    tomorrow = aware(moment).astimezone(tz).date() + timedelta(days=1)
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
        return self.holds_until is None or aware(now) < self.holds_until


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
    now = aware(figures.at)
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
    aware(now)
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


def rebase(baseline: Baseline, kind: GuardKind, figures: AccountFigures) -> Baseline:
    """The baseline after the trader resets a ``kind`` trip, measured again from ``figures``
    (the latest report): a drawdown restarts from the current balance and equity, a daily
    guard reopens the day at them. Floors (equity, margin level) are absolute: nothing moves,
    so a reset floor trips again at the next report if the figure is still beyond it."""
    if kind is GuardKind.DRAWDOWN:
        return attrs.evolve(baseline, start_balance=figures.balance, equity_peak=figures.equity)
    if kind.daily:
        return attrs.evolve(baseline, day_open=max(figures.balance, figures.equity))
    return baseline
