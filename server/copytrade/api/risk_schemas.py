"""Request and response bodies of the risk-guard routes (:mod:`copytrade.api.risk`).

Kept apart from :mod:`copytrade.api.schemas` so the guards' many fields stay in one place; the
OpenAPI document picks them up from the route table like any other schema.
"""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds)
from datetime import datetime
from decimal import Decimal
from typing import Literal

import attrs

from .validation import DECIMAL_PATTERN, UNSET, Unset, spec

GuardActionName = Literal["SKIP_NEW", "CLOSE_ONLY", "CLOSE_ALL_AND_PAUSE"]
GuardKindName = Literal["EQUITY_FLOOR", "DRAWDOWN", "DAILY_LOSS", "DAILY_LOSS_PCT",
                        "DAILY_PROFIT_TARGET", "MARGIN_LEVEL"]
ControlName = Literal["ACTIVE", "CLOSE_ONLY", "PAUSED"]
DrawdownFromName = Literal["START_BALANCE", "EQUITY_PEAK"]
PresetName = Literal["prop_firm_standard", "prop_firm_trailing", "weekday_sessions"]
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
ZONE_DOC = "IANA time zone, e.g. Asia/Bangkok"


@attrs.frozen
class LimitIn:
    """A guard's threshold and what happens when it trips."""

    value: Decimal = spec(pattern=DECIMAL_PATTERN,
                          doc="Money (2 decimals) or percent (2 decimals), above 0")
    action: GuardActionName = "CLOSE_ONLY"


@attrs.frozen
class WindowIn:
    start: str = spec(pattern=HHMM, doc="HH:MM local time")
    end: str = spec(pattern=HHMM, doc="HH:MM local time; before start = spans midnight")


@attrs.frozen
class TradingHoursIn:
    days: list[int] = spec(max_items=7, doc="0 = Monday ... 6 = Sunday")
    windows: list[WindowIn] = spec(default=attrs.Factory(list), max_items=8,
                                   doc="empty = all day")
    timezone: str = spec(default="UTC", min_length=1, max_length=64, doc=ZONE_DOC)


@attrs.frozen
class RiskLimitsIn:
    """A follower's guards, replaced as a whole: a field left out is off (or, with ``preset``,
    the preset's value); ``null`` turns a guard off."""

    preset: PresetName | Unset = spec(default=UNSET, doc="start from this preset's values")
    equity_floor: LimitIn | Unset | None = spec(default=UNSET, doc="equity below (money)")
    max_drawdown_pct: LimitIn | Unset | None = spec(
        default=UNSET, doc="percent below drawdown_from")
    drawdown_from: DrawdownFromName | Unset = UNSET
    daily_loss: LimitIn | Unset | None = spec(default=UNSET, doc="today's loss (money)")
    daily_loss_pct: LimitIn | Unset | None = spec(
        default=UNSET, doc="today's loss, percent of the day's opening figure")
    daily_profit_target: LimitIn | Unset | None = spec(default=UNSET, doc="today's gain (money)")
    margin_level_floor: LimitIn | Unset | None = spec(default=UNSET, doc="margin level % below")
    day_timezone: str | Unset | None = spec(default=UNSET, min_length=1, max_length=64,
                                            doc=ZONE_DOC + "; null = UTC")
    max_open_copies: int | Unset | None = spec(default=UNSET, minimum=1, maximum=10000)
    max_total_lots: Decimal | Unset | None = spec(default=UNSET, pattern=DECIMAL_PATTERN)
    max_symbol_lots: Decimal | Unset | None = spec(default=UNSET, pattern=DECIMAL_PATTERN)
    trading_hours: TradingHoursIn | Unset | None = spec(
        default=UNSET, doc="when new copies may open; null = always")


@attrs.frozen
class ControlIn:
    control: ControlName = spec(doc="ACTIVE (also: resume), CLOSE_ONLY or PAUSED")


@attrs.frozen
class TripQuery:
    status: Literal["active", "ended"] | Unset = UNSET
    before_id: int | Unset = spec(default=UNSET, minimum=1, doc="page: trips older than this")
    limit: int | Unset = spec(default=UNSET, minimum=1, maximum=500)


@attrs.frozen
class LimitOut:
    value: Decimal
    action: GuardActionName


@attrs.frozen
class WindowOut:
    start: str
    end: str


@attrs.frozen
class TradingHoursOut:
    days: list[int]
    windows: list[WindowOut]
    timezone: str


@attrs.frozen
class RiskLimitsOut:
    equity_floor: LimitOut | None
    max_drawdown_pct: LimitOut | None
    drawdown_from: DrawdownFromName
    daily_loss: LimitOut | None
    daily_loss_pct: LimitOut | None
    daily_profit_target: LimitOut | None
    margin_level_floor: LimitOut | None
    day_timezone: str | None
    max_open_copies: int | None
    max_total_lots: Decimal | None
    max_symbol_lots: Decimal | None
    trading_hours: TradingHoursOut | None


@attrs.frozen
class BaselineOut:
    start_balance: Decimal
    equity_peak: Decimal
    day: str
    day_open: Decimal


@attrs.frozen
class TripOut:
    id: int
    kind: GuardKindName
    action: GuardActionName
    value: Decimal = spec(doc="the figure that crossed the limit")
    limit: Decimal = spec(doc="the limit, in the same unit")
    reason: str = spec(doc="one English sentence")
    tripped_at: datetime = spec()
    holds_until: datetime | None = spec(doc="null = until reset (or recovery for SKIP_NEW)")
    active: bool = spec()
    reset_at: datetime | None = spec()
    reset_by: Literal["USER", "PERIOD_END", "RECOVERED"] | None = spec()


@attrs.frozen
class RiskOut:
    account_id: int
    limits: RiskLimitsOut
    control: ControlName
    control_at: datetime | None
    paused: bool = spec(doc="nothing is sent: control PAUSED or a CLOSE_ALL_AND_PAUSE trip")
    baseline: BaselineOut | None = spec(doc="null until the first report after setting guards")
    active_trips: list[TripOut] = spec()


@attrs.frozen
class RiskEnvelope:
    risk: RiskOut


@attrs.frozen
class PresetOut:
    name: PresetName
    description: str
    limits: RiskLimitsOut


@attrs.frozen
class PresetList:
    items: list[PresetOut]


@attrs.frozen
class TripList:
    items: list[TripOut]


@attrs.frozen
class TripEnvelope:
    trip: TripOut
