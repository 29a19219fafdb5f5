"""The risk repository on a real PostgreSQL: limits round trip, control, baselines, trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from copytrade.db import risk as risk_sql
from copytrade.db.accounts import AccountRepository
from copytrade.db.risk import RiskRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role
from copytrade.domain.risk import (
    PRESETS,
    Control,
    GuardAction,
    GuardKind,
    Limit,
    RiskLimits,
    Trip,
)

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
D = Decimal
T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


async def follower(db):
    user = await UserRepository(db).create(email="r@example.com", name="R", hashed_password=HASH)
    created = await AccountRepository(db).create(user.id, name="F", role=Role.FOLLOWER)
    return created.account.id


def trip(kind=GuardKind.EQUITY_FLOOR, at=T0, until=None):
    return Trip(kind, GuardAction.CLOSE_ALL_AND_PAUSE, D("8999.50"), D("9000"), at, until,
                "Equity 8999.50 fell below 9000.00.")


async def test_limits_and_control_round_trip(db):
    fid = await follower(db)
    repo = RiskRepository(db)
    assert await repo.get(fid) is None
    for limits in (*PRESETS.values(), RiskLimits(equity_floor=Limit(D("9000.5")),
                                                   max_open_copies=3, max_total_lots=D("1.25"))):
        saved = await repo.save_limits(fid, limits)
        assert saved.limits == limits
        assert (await repo.get(fid)).limits == limits
    assert saved.control is Control.ACTIVE and saved.baseline is None
    paused = await repo.set_control(fid, Control.PAUSED)
    assert paused.control is Control.PAUSED and paused.limits == saved.limits
    assert paused.control_at is not None


async def test_baseline_batches_keep_the_newest_per_follower(db):
    fid = await follower(db)
    repo = RiskRepository(db)
    await repo.save_limits(fid, RiskLimits())
    rows = [(fid, D("10000"), D("10100"), date(2026, 12, 2), D("10000")),
            (fid, D("10000"), D("10250.55"), date(2026, 12, 3), D("10200"))]
    await db.run(lambda con: risk_sql.save_baselines(con, rows))
    b = (await repo.get(fid)).baseline
    assert (b.equity_peak, b.day, b.day_open) == (D("10250.55"), date(2026, 12, 3), D("10200"))


async def test_a_trip_is_stored_once_per_episode_and_ends(db):
    fid = await follower(db)
    repo = RiskRepository(db)
    first = await repo.insert_trip(fid, trip())
    assert first is not None and first.active and first.trip.value == D("8999.50")
    assert await repo.insert_trip(fid, trip(at=T0 + timedelta(seconds=5))) is None  # holds
    daily = await repo.insert_trip(fid, trip(GuardKind.DAILY_LOSS, until=T0 + timedelta(hours=5)))
    assert daily is not None
    assert [t.id for t in await repo.active_trips(fid)] == [first.id, daily.id]
    ended = await repo.reset_trip(fid, first.id, T0 + timedelta(minutes=1))
    assert ended is not None and ended.reset_by == "USER"
    assert await repo.reset_trip(fid, first.id, T0) is None  # already ended
    await db.run(lambda con: risk_sql.end_trips(
        con, [(fid, "DAILY_LOSS", T0 + timedelta(hours=5), "PERIOD_END")]))
    assert await repo.active_trips(fid) == []
    again = await repo.insert_trip(fid, trip(at=T0 + timedelta(minutes=2)))  # a new episode
    assert again is not None
    history = await repo.trips(fid)
    assert [t.id for t in history] == [again.id, daily.id, first.id]
    assert [t.id for t in await repo.trips(fid, active=False)] == [daily.id, first.id]
    assert (await repo.trip(fid, daily.id)).reset_by == "PERIOD_END"


async def test_schema_refuses_impossible_trips(db):
    fid = await follower(db)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO risk_trips (account_id, kind, action, value, limit_value, reason, "
            "tripped_at) VALUES ($1, 'NOPE', 'SKIP_NEW', 1, 1, 'x', now())", fid)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO risk_trips (account_id, kind, action, value, limit_value, reason, "
            "tripped_at, reset_at) VALUES ($1, 'DRAWDOWN', 'SKIP_NEW', 1, 1, 'x', now(), now())",
            fid)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("INSERT INTO follower_risk (account_id, control) VALUES ($1, 'OFF')",
                         fid)
