"""A follower's risk limits: the guard settings, their actions and their validation.

:class:`RiskLimits` holds every guard a follower may turn on (``None`` = off); constructing one
validates it and raises :class:`~copytrade.domain.errors.RuleError` naming the field. How the
guards are evaluated is :mod:`copytrade.domain.risk`; :data:`PRESETS` are common prop-firm
rule sets the trader starts from and edits.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, time
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
        local = aware(now).astimezone(zone(self.timezone))
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


def aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleError("now", "must be timezone-aware")
    return moment



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

PRESET_DESCRIPTIONS: Mapping[str, str] = {
    "prop_firm_standard": "Prop firm: daily loss 5 %, max loss 10 % of the starting balance; "
                          "either closes every copy and pauses.",
    "prop_firm_trailing": "Prop firm, trailing: daily loss 4 %, 6 % below the equity peak; "
                          "either closes every copy and pauses.",
    "weekday_sessions": "Monday-Friday 07:00-21:00 UTC only; no new copies below a 300 % "
                        "margin level.",
}
"""One English sentence per preset (the SPA translates by the preset's name)."""


# ---- plain-data form: what the database stores and the API speaks -----------------------------

_LIMIT_FIELDS = ("equity_floor", "max_drawdown_pct", "daily_loss", "daily_loss_pct",
                 "daily_profit_target", "margin_level_floor")
_LOT_FIELDS = ("max_total_lots", "max_symbol_lots")


def limits_to_data(limits: RiskLimits) -> dict[str, object]:
    """``limits`` as JSON-ready data: decimals as strings, times as ``HH:MM``, ``None`` = off."""
    out: dict[str, object] = {}
    for name in _LIMIT_FIELDS:
        limit: Limit | None = getattr(limits, name)
        out[name] = None if limit is None else {"value": f"{limit.value:f}",
                                                "action": limit.action.value}
    out["drawdown_from"] = limits.drawdown_from.value
    out["day_timezone"] = limits.day_timezone
    out["max_open_copies"] = limits.max_open_copies
    for name in _LOT_FIELDS:
        lots: Decimal | None = getattr(limits, name)
        out[name] = None if lots is None else f"{lots:f}"
    hours = limits.trading_hours
    out["trading_hours"] = None if hours is None else {
        "days": sorted(hours.days),
        "windows": [{"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
                    for w in hours.windows],
        "timezone": hours.timezone,
    }
    return out


def _decimal(field: str, raw: object) -> Decimal:
    if not isinstance(raw, str):
        raise RuleError(field, 'must be a decimal number written as a string, like "5.00"')
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise RuleError(field, 'must be a decimal number written as a string, like "5.00"'
                        ) from None
    if not value.is_finite():
        raise RuleError(field, "must be a number")
    return value


def _enum(cls: type[enum.Enum], field: str, raw: object) -> enum.Enum:
    try:
        return cls(raw)
    except ValueError:
        names = ", ".join(m.value for m in cls)
        raise RuleError(field, f"must be one of {names}") from None


def _clock(field: str, raw: object) -> time:
    if not isinstance(raw, str) or len(raw) != 5 or raw[2] != ":":
        raise RuleError(field, "must be a time HH:MM (00:00 ... 23:59)")
    try:
        return time(int(raw[:2]), int(raw[3:]))
    except ValueError:
        raise RuleError(field, "must be a time HH:MM (00:00 ... 23:59)") from None


def limits_from_data(data: Mapping[str, object]) -> RiskLimits:
    """The inverse of :func:`limits_to_data`; missing keys are off. :class:`RuleError` names
    the first bad field (``trading_hours.windows[1].end`` and the like)."""
    kwargs: dict[str, object] = {}
    for name in _LIMIT_FIELDS:
        raw = data.get(name)
        if raw is None:
            continue
        if not isinstance(raw, Mapping):
            raise RuleError(name, "must be an object {value, action} or null")
        value = _decimal(f"{name}.value", raw.get("value"))
        action = _enum(GuardAction, f"{name}.action", raw.get("action", "CLOSE_ONLY"))
        kwargs[name] = Limit(value, GuardAction(action.value))
    if data.get("drawdown_from") is not None:
        kwargs["drawdown_from"] = _enum(DrawdownBase, "drawdown_from", data["drawdown_from"])
    if data.get("day_timezone") is not None:
        tz = data["day_timezone"]
        if not isinstance(tz, str):
            raise RuleError("day_timezone", "must be an IANA time zone name or null")
        kwargs["day_timezone"] = tz
    copies = data.get("max_open_copies")
    if copies is not None:
        if isinstance(copies, bool) or not isinstance(copies, int):
            raise RuleError("max_open_copies", "must be an integer or null")
        kwargs["max_open_copies"] = copies
    for name in _LOT_FIELDS:
        if data.get(name) is not None:
            kwargs[name] = _decimal(name, data[name])
    hours = data.get("trading_hours")
    if hours is not None:
        kwargs["trading_hours"] = _hours_from_data(hours)
    return RiskLimits(**kwargs)  # type: ignore[arg-type]


def _hours_from_data(raw: object) -> TradingHours:
    if not isinstance(raw, Mapping):
        raise RuleError("trading_hours", "must be an object {days, windows, timezone} or null")
    days = raw.get("days")
    if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in days):
        raise RuleError("trading_hours.days", "must be a list of 0 (Monday) ... 6 (Sunday)")
    windows_raw = raw.get("windows", [])
    if not isinstance(windows_raw, list):
        raise RuleError("trading_hours.windows", "must be a list of {start, end}")
    windows = []
    for i, w in enumerate(windows_raw):
        where = f"trading_hours.windows[{i}]"
        if not isinstance(w, Mapping):
            raise RuleError(where, "must be an object {start, end}")
        try:
            windows.append(Window(_clock(f"{where}.start", w.get("start")),
                                  _clock(f"{where}.end", w.get("end"))))
        except RuleError as exc:
            raise RuleError(exc.field.replace("trading_hours.windows", where, 1)
                            if exc.field == "trading_hours.windows" else exc.field,
                            exc.message) from None
    timezone = raw.get("timezone", "UTC")
    if not isinstance(timezone, str):
        raise RuleError("trading_hours.timezone", "must be an IANA time zone name")
    try:
        return TradingHours(days=frozenset(days), windows=tuple(windows), timezone=timezone)
    except RuleError as exc:
        field = "trading_hours.timezone" if exc.field == "timezone" else exc.field
        raise RuleError(field, exc.message) from None
