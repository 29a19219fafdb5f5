"""A follower's risk guards: limits (from a preset or by hand), the control switch, trips.

Every route but the preset list works on one of the caller's follower accounts: another user's
account is 404, a master account 409. Changes take effect at once in the engine
(:mod:`copytrade.engine.guards`).
"""

from __future__ import annotations

from typing import Any

from ..db.errors import Conflict
from ..db.risk import RiskSettings, StoredTrip
from ..domain.errors import DomainError
from ..domain.models import Role
from ..domain.risk import PRESETS, Control, RiskLimits
from ..domain.risk_limits import PRESET_DESCRIPTIONS, limits_from_data, limits_to_data
from .accounts import ACCOUNT
from .audit_trail import audit, changes
from .errors import ApiConflict, ApiNotFound, ValidationFailed
from .risk_schemas import (
    BaselineOut,
    ControlIn,
    LimitIn,
    LimitOut,
    PresetList,
    PresetOut,
    RiskEnvelope,
    RiskLimitsIn,
    RiskLimitsOut,
    RiskOut,
    TradingHoursIn,
    TradingHoursOut,
    TripEnvelope,
    TripList,
    TripOut,
    TripQuery,
    WindowOut,
)
from .routing import Call, route
from .validation import UNSET

TAG = "risk"
RISK = f"{ACCOUNT}/risk"


def limits_out(limits: RiskLimits) -> RiskLimitsOut:
    data = limits_to_data(limits)

    def limit(name: str) -> LimitOut | None:
        value = getattr(limits, name)
        return None if value is None else LimitOut(value.value, value.action.value)

    hours = data["trading_hours"]
    assert hours is None or isinstance(hours, dict)
    return RiskLimitsOut(
        equity_floor=limit("equity_floor"), max_drawdown_pct=limit("max_drawdown_pct"),
        drawdown_from=limits.drawdown_from.value,
        daily_loss=limit("daily_loss"), daily_loss_pct=limit("daily_loss_pct"),
        daily_profit_target=limit("daily_profit_target"),
        margin_level_floor=limit("margin_level_floor"), day_timezone=limits.day_timezone,
        max_open_copies=limits.max_open_copies, max_total_lots=limits.max_total_lots,
        max_symbol_lots=limits.max_symbol_lots,
        trading_hours=None if hours is None else TradingHoursOut(
            days=hours["days"], windows=[WindowOut(w["start"], w["end"])
                                         for w in hours["windows"]],
            timezone=hours["timezone"]))


def trip_out(t: StoredTrip) -> TripOut:
    trip = t.trip
    return TripOut(id=t.id, kind=trip.kind.value, action=trip.action.value,
                   value=trip.value, limit=trip.limit, reason=trip.reason, tripped_at=trip.at,
                   holds_until=trip.holds_until, active=t.active, reset_at=t.reset_at,
                   reset_by=t.reset_by)  # type: ignore[arg-type]


async def risk_out(call: Call[Any, Any], fid: int, settings: RiskSettings | None) -> RiskOut:
    guards = call.ctx.engine.guards
    trips = await guards.repo.active_trips(fid)
    b = settings.baseline if settings else None
    return RiskOut(
        account_id=fid, limits=limits_out(settings.limits if settings else RiskLimits()),
        control=(settings.control if settings else Control.ACTIVE).value,
        control_at=settings.control_at if settings else None, paused=guards.paused(fid),
        baseline=None if b is None else BaselineOut(b.start_balance, b.equity_peak,
                                                    b.day.isoformat(), b.day_open),
        active_trips=[trip_out(t) for t in trips])


async def follower_of(call: Call[Any, Any], account_id: int) -> int:
    account = await call.ctx.accounts.get(account_id, call.user_id)  # another user's: 404
    if account.role is not Role.FOLLOWER:
        raise Conflict("only follower accounts have risk guards", field="risk")
    return account.id


def _limit_data(value: LimitIn | None) -> dict[str, str] | None:
    return None if value is None else {"value": f"{value.value:f}", "action": value.action}


def _hours_data(value: TradingHoursIn | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"days": value.days, "windows": [{"start": w.start, "end": w.end}
                                            for w in value.windows],
            "timezone": value.timezone}


def limits_from_body(body: RiskLimitsIn) -> RiskLimits:
    """The body on top of its preset (or of nothing), validated field by field so that every
    bad field is named at once."""
    data: dict[str, Any] = limits_to_data(PRESETS[body.preset]) if body.preset is not UNSET \
        else {}
    given: dict[str, Any] = {}
    for name in ("equity_floor", "max_drawdown_pct", "daily_loss", "daily_loss_pct",
                 "daily_profit_target", "margin_level_floor"):
        value = getattr(body, name)
        if value is not UNSET:
            given[name] = _limit_data(value)
    for name in ("drawdown_from", "day_timezone", "max_open_copies"):
        value = getattr(body, name)
        if value is not UNSET:
            given[name] = value
    for name in ("max_total_lots", "max_symbol_lots"):
        value = getattr(body, name)
        if value is not UNSET:
            given[name] = None if value is None else f"{value:f}"
    if body.trading_hours is not UNSET:
        given["trading_hours"] = _hours_data(body.trading_hours)
    errors: dict[str, str] = {}
    for name, value in given.items():
        try:
            limits_from_data({name: value})
        except DomainError as exc:
            errors.setdefault(exc.field, exc.message)
    if errors:
        raise ValidationFailed("Some fields are invalid.", errors)
    return limits_from_data({**data, **given})


@route("GET", "/api/v1/risk/presets", summary="Risk presets (prop-firm rules) to start from",
       tag=TAG, response=PresetList, errors=(401,))
async def presets(call: Call[None, None]) -> PresetList:
    return PresetList([PresetOut(name=name, description=PRESET_DESCRIPTIONS[name],  # type: ignore[arg-type]
                                 limits=limits_out(limits)) for name, limits in PRESETS.items()])


@route("GET", RISK, summary="A follower's risk guards, switch, baseline and holding trips",
       tag=TAG, response=RiskEnvelope, errors=(401, 404, 409))
async def get_risk(call: Call[None, None], account_id: int) -> RiskEnvelope:
    fid = await follower_of(call, account_id)
    return RiskEnvelope(await risk_out(call, fid, await call.ctx.engine.guards.repo.get(fid)))


@route("PUT", f"{RISK}/limits", summary="Replace a follower's risk guards (optionally from a "
       "preset)", tag=TAG, body=RiskLimitsIn, response=RiskEnvelope,
       errors=(401, 403, 404, 409, 422))
async def put_limits(call: Call[RiskLimitsIn, None], account_id: int) -> RiskEnvelope:
    fid = await follower_of(call, account_id)
    limits = limits_from_body(call.body)
    before = await call.ctx.engine.guards.repo.get(fid)
    settings = await call.ctx.engine.guards.set_limits(fid, limits)
    await audit(call, fid, "guards.changed",
                changes({} if before is None else limits_to_data(before.limits),
                        limits_to_data(settings.limits)))
    return RiskEnvelope(await risk_out(call, fid, settings))


@route("POST", f"{RISK}/control", summary="Set the follower's switch: ACTIVE (resume), "
       "CLOSE_ONLY or PAUSED", tag=TAG, body=ControlIn, response=RiskEnvelope,
       errors=(401, 403, 404, 409, 422))
async def set_control(call: Call[ControlIn, None], account_id: int) -> RiskEnvelope:
    fid = await follower_of(call, account_id)
    settings = await call.ctx.engine.guards.set_control(fid, Control(call.body.control))
    await audit(call, fid, "guards.control", {"to": call.body.control})
    return RiskEnvelope(await risk_out(call, fid, settings))


@route("GET", f"{RISK}/trips", summary="A follower's trips, newest first (holding and ended)",
       tag=TAG, query=TripQuery, response=TripList, errors=(401, 404, 409, 422))
async def list_trips(call: Call[None, TripQuery], account_id: int) -> TripList:
    fid = await follower_of(call, account_id)
    q = call.query
    active = None if q.status is UNSET else q.status == "active"
    rows = await call.ctx.engine.guards.repo.trips(
        fid, active=active, before_id=None if q.before_id is UNSET else q.before_id,
        limit=100 if q.limit is UNSET else q.limit)
    return TripList([trip_out(t) for t in rows])


@route("POST", f"{RISK}/trips/<int:trip_id>/reset", summary="Reset a holding trip (new copies "
       "may open again; a pause resumes)", tag=TAG, response=TripEnvelope,
       errors=(401, 403, 404, 409))
async def reset_trip(call: Call[None, None], account_id: int, trip_id: int) -> TripEnvelope:
    fid = await follower_of(call, account_id)
    guards = call.ctx.engine.guards
    ended = await guards.reset(fid, trip_id)
    if ended is not None:
        await audit(call, fid, "guards.trip_reset", {"trip_id": trip_id})
        return TripEnvelope(trip_out(ended))
    existing = await guards.repo.trip(fid, trip_id)
    if existing is None:
        raise ApiNotFound("no such trip on this account")
    raise ApiConflict("this trip has already ended", {"trip_id": "already ended"})

