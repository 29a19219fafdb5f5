"""Risk guards end to end: real server, real TCP (simulated EAs), real PostgreSQL.

A follower's account report trips a guard → the chosen action happens once; new copies are
skipped with the guard's code while closes still follow; daily trips lift at the next day
boundary (the engine's clock is injected, nobody sleeps until midnight); trading hours and
exposure caps skip; the trader's pause sends nothing and resume catches up.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import trio

from copytrade.domain.models import Side
from copytrade.domain.risk import (
    Control,
    GuardAction,
    Limit,
    RiskLimits,
    TradingHours,
    Window,
)
from copytrade.protocol import CopyClose, CopyOpen, Error, ErrorCode

from helpers import World
from polling import eventually

D = Decimal
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def setup(server, nursery, limits: RiskLimits, clock: Clock | None = None):
    if clock is not None:
        server.engine.guards.clock = clock
    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    follower, fsim = await w.follower(master)
    await server.engine.guards.set_limits(follower.id, limits)
    return w, master, msim, follower, fsim


async def trips(server, follower_id):
    await server.engine.ledger.flush()
    return await server.engine.guards.repo.trips(follower_id)


async def wait_trips(server, follower_id, predicate, timeout=10):
    return await eventually(lambda: trips(server, follower_id), predicate, timeout=timeout)


def opens(fsim):
    return [m for m in fsim.received if isinstance(m, CopyOpen)]


def closes(fsim):
    return [m for m in fsim.received if isinstance(m, CopyClose)]


async def test_equity_floor_close_all_and_pause_happens_once_then_reset_resumes(server, nursery):
    limits = RiskLimits(equity_floor=Limit(D(9000), GuardAction.CLOSE_ALL_AND_PAUSE))
    w, _master, msim, follower, fsim = await setup(server, nursery, limits)
    tickets = [await msim.open(sym, Side.BUY, D("0.10")) for sym in ("EURUSD", "GBPUSD")]
    await fsim.wait_for(lambda: set(fsim.positions) == set(tickets))
    async with server.engine.events.subscribe(w.user_id) as events:
        await fsim.report_account(D("8500.00"))
        await fsim.wait_for(lambda: not fsim.positions)
        await fsim.report_account(D("8400.00"))  # still beyond: the same episode
        await fsim.report_account(D("8300.00"))
        rows = await w.wait_pairs(lambda r: all(p["status"] == "CLOSED" for p in r))
        stored = await wait_trips(server, follower.id, lambda t: len(t) == 1)
        seen = []
        with trio.move_on_after(0.5):
            async for event in events:
                if event.type.startswith("risk."):
                    seen.append(event)
    assert {p["reason_code"] for p in rows} == {"RISK_EQUITY_FLOOR"}
    assert all("risk guard" in p["reason"] for p in rows)
    assert {(c.master_ticket, c.target_volume) for c in closes(fsim)} == {(t, D(0))
                                                                         for t in tickets}
    assert len(closes(fsim)) == 2  # once, not again at the later reports
    (trip,) = stored
    assert (trip.trip.value, trip.trip.limit, trip.active) == (D("8500"), D(9000), True)
    assert [e.type for e in seen] == ["risk.tripped"]
    assert seen[0].data["trip_id"] == trip.id and seen[0].data["value"] == "8500.00"
    assert server.engine.guards.paused(follower.id)

    # Paused: a new master open is not sent (left PENDING for the resync on resume).
    sent_before = len(fsim.received)
    paused_ticket = await msim.open("USDJPY", Side.SELL, D("0.20"))
    await msim.wait_stored()
    rows = await w.wait_pairs(lambda r: any(p["master_ticket"] == paused_ticket for p in r))
    assert [p["status"] for p in rows if p["master_ticket"] == paused_ticket] == ["PENDING"]
    assert not [m for m in fsim.received[sent_before:] if isinstance(m, CopyOpen)]

    # The trader resets the trip: the EA is told to resync, and the missed open is caught up.
    logins = fsim.logins
    assert await server.engine.guards.reset(follower.id, trip.id) is not None
    await fsim.wait_for(lambda: fsim.logins > logins and paused_ticket in fsim.positions)
    assert any(isinstance(m, Error) and m.code is ErrorCode.RESYNC for m in fsim.received)
    ended = await server.engine.guards.repo.trip(follower.id, trip.id)
    assert ended is not None and ended.reset_by == "USER"
    assert not server.engine.guards.paused(follower.id)


async def test_close_only_trip_skips_new_copies_but_closes_follow(server, nursery):
    limits = RiskLimits(equity_floor=Limit(D(9000), GuardAction.CLOSE_ONLY))
    w, _master, msim, follower, fsim = await setup(server, nursery, limits)
    held = await msim.open("EURUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: held in fsim.positions)
    await fsim.report_account(D("8999.99"))
    await wait_trips(server, follower.id, lambda t: len(t) == 1)
    skipped = await msim.open("GBPUSD", Side.BUY, D("0.10"))
    await msim.close(held)
    await fsim.wait_for(lambda: held not in fsim.positions)
    rows = await w.wait_pairs(lambda r: len(r) == 2 and r[0]["status"] == "CLOSED")
    by_ticket = {p["master_ticket"]: p for p in rows}
    assert by_ticket[skipped]["status"] == "SKIPPED"
    assert by_ticket[skipped]["reason_code"] == "RISK_TRIPPED"
    assert "8999.99" in by_ticket[skipped]["reason"]
    assert skipped not in fsim.positions and [o.master_ticket for o in opens(fsim)] == [held]
    assert by_ticket[held]["reason_code"] is None  # a close the master made, not a guard's


async def test_daily_loss_trips_and_lifts_at_the_next_local_midnight(server, nursery):
    clock = Clock(WEDNESDAY)
    limits = RiskLimits(daily_loss=Limit(D(500), GuardAction.CLOSE_ONLY),
                        day_timezone="Asia/Bangkok")
    w, _master, msim, follower, fsim = await setup(server, nursery, limits, clock)
    await fsim.report_account(D("10000"))
    await fsim.report_account(D("9500.00"), balance=D("9500.00"))  # lost exactly the limit
    (trip,) = await wait_trips(server, follower.id, lambda t: len(t) == 1)
    # 10:00 UTC is 17:00 in Bangkok: the trip holds until Bangkok's midnight, 17:00 UTC.
    assert trip.trip.holds_until == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    assert (trip.trip.value, trip.trip.limit) == (D("500.00"), D(500))
    first = await msim.open("EURUSD", Side.BUY, D("0.10"))
    await w.wait_pairs(lambda r: len(r) == 1 and r[0]["status"] == "SKIPPED")

    clock.now = datetime(2026, 12, 2, 16, 59, tzinfo=UTC)
    server.engine.guards.sweep()
    assert (await trips(server, follower.id))[0].active
    async with server.engine.events.subscribe(w.user_id) as events:
        clock.now = datetime(2026, 12, 2, 17, 0, 1, tzinfo=UTC)
        with trio.fail_after(5):  # the sweeper lifts it by itself
            async for event in events:
                if event.type == "risk.lifted":
                    assert event.data == {"account_id": follower.id, "kind": "DAILY_LOSS",
                                          "ended_by": "PERIOD_END"}
                    break
    (ended,) = await wait_trips(server, follower.id, lambda t: not t[0].active)
    assert (ended.reset_by, ended.reset_at) == ("PERIOD_END", trip.trip.holds_until)
    await fsim.report_account(D("9500.00"), balance=D("9500.00"))  # the new day opens here
    second = await msim.open("EURUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: second in fsim.positions)
    assert first not in fsim.positions
    assert len(await trips(server, follower.id)) == 1


async def test_trading_hours_skip_new_copies_and_closes_still_follow(server, nursery):
    clock = Clock(WEDNESDAY)  # 10:00 UTC, a Wednesday
    hours = TradingHours(days=frozenset({0, 1, 2, 3, 4}), windows=(Window(time(12), time(20)),))
    w, _master, msim, follower, fsim = await setup(server, nursery, RiskLimits(), clock)
    held = await msim.open("EURUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: held in fsim.positions)
    await server.engine.guards.set_limits(follower.id, RiskLimits(trading_hours=hours))
    early = await msim.open("GBPUSD", Side.BUY, D("0.10"))
    await msim.close(held)
    await fsim.wait_for(lambda: held not in fsim.positions)
    clock.now = WEDNESDAY.replace(hour=12)
    inside = await msim.open("XAUUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: inside in fsim.positions)
    rows = {p["master_ticket"]: p for p in await w.pairs(follower.id)}
    assert (rows[early]["status"], rows[early]["reason_code"]) == (
        "SKIPPED", "OUTSIDE_TRADING_HOURS")
    assert rows[held]["status"] == "CLOSED"


async def test_exposure_caps_count_open_copies_from_memory(server, nursery):
    limits = RiskLimits(max_open_copies=2, max_symbol_lots=D("0.30"))
    w, _master, msim, _follower, fsim = await setup(server, nursery, limits)
    a = await msim.open("EURUSD", Side.BUY, D("0.20"))
    b = await msim.open("EURUSD", Side.BUY, D("0.20"))  # 0.40 lots of EURUSD > 0.30
    c = await msim.open("GBPUSD", Side.BUY, D("0.10"))
    d = await msim.open("XAUUSD", Side.BUY, D("0.10"))  # a third copy
    await fsim.wait_for(lambda: {a, c} <= set(fsim.positions))
    rows = {p["master_ticket"]: p for p in await w.wait_pairs(
        lambda r: len(r) == 4 and all(p["status"] != "PENDING" for p in r))}
    assert rows[b]["reason_code"] == "MAX_SYMBOL_LOTS"
    assert rows[d]["reason_code"] == "MAX_OPEN_COPIES"
    assert set(fsim.positions) == {a, c}
    await msim.close(a)  # the ACK_CLOSE frees a slot
    await fsim.wait_for(lambda: a not in fsim.positions)
    await w.wait_pairs(lambda r: any(p["master_ticket"] == a and p["status"] == "CLOSED"
                                     for p in r))
    e = await msim.open("EURUSD", Side.SELL, D("0.30"))
    await fsim.wait_for(lambda: e in fsim.positions)


async def test_pause_sends_nothing_and_resume_catches_up(server, nursery):
    w, _master, msim, follower, fsim = await setup(server, nursery, RiskLimits())
    held = await msim.open("EURUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: held in fsim.positions)
    await server.engine.guards.set_control(follower.id, Control.PAUSED)
    count = len(fsim.received)
    missed = await msim.open("GBPUSD", Side.BUY, D("0.10"))
    await msim.close(held)
    await msim.wait_stored()
    await server.engine.ledger.flush()
    await trio.sleep(0.2)
    assert [m for m in fsim.received[count:] if isinstance(m, CopyOpen | CopyClose)] == []
    assert held in fsim.positions
    await server.engine.guards.set_control(follower.id, Control.CLOSE_ONLY)  # resume, close-only
    await fsim.wait_for(lambda: held not in fsim.positions)  # the resync closes it
    rows = {p["master_ticket"]: p for p in await w.wait_pairs(
        lambda r: len(r) == 2 and all(p["status"] in ("CLOSED", "SKIPPED") for p in r))}
    assert (rows[missed]["status"], rows[missed]["reason_code"]) == ("SKIPPED", "CLOSE_ONLY")
    await server.engine.guards.set_control(follower.id, Control.ACTIVE)
    fresh = await msim.open("XAUUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: fresh in fsim.positions)
