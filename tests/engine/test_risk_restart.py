"""Risk trips survive a server restart: a trip stored before the restart still holds after it
(no new copy opens, a pausing trip keeps the follower paused, a report back inside the limit
does not lift a latched trip, the same episode is not stored twice) until the trader resets
it or, for a daily guard, the day in its zone ends.

The whole server runs in-process twice on the same database (graceful shutdown in between);
the engine's clock is injected so the daily boundary is crossed without waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import trio

from copytrade.app import run_server
from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role, Side
from copytrade.domain.risk import GuardAction, GuardKind, Limit, RiskLimits
from copytrade.protocol import CopyOpen
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

from helpers import HASH
from polling import eventually

D = Decimal
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
LIMITS = RiskLimits(equity_floor=Limit(D(9000), GuardAction.CLOSE_ALL_AND_PAUSE),
                    daily_loss=Limit(D(500), GuardAction.CLOSE_ONLY))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def start(nursery: trio.Nursery, settings: Any) -> Any:
    return await nursery.start(lambda task_status: run_server(settings,
                                                              task_status=task_status))


async def until(predicate: Any, timeout: float = 10) -> None:
    await eventually(predicate, timeout=timeout)


async def connect(nursery: trio.Nursery, server: Any, sim: Any) -> Any:
    sim.port = server.ea_port
    await nursery.start(sim.run)
    return sim


async def test_trips_stored_before_a_restart_hold_after_it(aio_loop, server_settings) -> None:
    with trio.fail_after(90):
        # ---- first run: the follower's equity falls through both guards
        async with trio.open_nursery() as run1:
            server = await start(run1, server_settings)
            server.engine.guards.clock = Clock(WEDNESDAY)
            users, accounts = UserRepository(server.db), AccountRepository(server.db)
            user = await users.create(email="restart@example.com", name="R",
                                      hashed_password=HASH)
            master = await accounts.create(user.id, name="Master", role=Role.MASTER)
            follower = await accounts.create(user.id, name="Follower", role=Role.FOLLOWER)
            fid = follower.account.id
            await server.engine.control.follow(fid, user.id, master.account.master_token)
            await server.engine.guards.set_limits(fid, LIMITS)
            async with trio.open_nursery() as sims:
                fsim = await connect(sims, server, FollowerSim("127.0.0.1", 0, follower.api_key))
                await fsim.wait_for(lambda: fsim.logins > 0)
                await fsim.report_account(D("8400.00"))  # balance 10000: loss 1600
                repo = server.engine.guards.repo

                async def both_stored() -> bool:
                    await server.engine.ledger.flush()
                    return len(await repo.active_trips(fid)) == 2
                await until(both_stored)
                assert server.engine.guards.paused(fid)
                fsim.stop()
            before = {t.trip.kind: t for t in await repo.active_trips(fid)}
            server.shutdown.set()
        daily = before[GuardKind.DAILY_LOSS].trip
        assert daily.holds_until == datetime(2026, 12, 3, tzinfo=UTC)
        assert before[GuardKind.EQUITY_FLOOR].trip.holds_until is None

        # ---- second run, same database: the trips hold
        async with trio.open_nursery() as run2:
            server = await start(run2, server_settings)
            guards = server.engine.guards
            clock = guards.clock = Clock(WEDNESDAY + timedelta(hours=2))
            assert set(guards.book[fid].trips) == {GuardKind.EQUITY_FLOOR, GuardKind.DAILY_LOSS}
            assert guards.paused(fid)
            async with trio.open_nursery() as sims:
                fsim = await connect(sims, server, FollowerSim("127.0.0.1", 0, follower.api_key))
                msim = await connect(sims, server, MasterSim("127.0.0.1", 0, master.api_key))
                await fsim.wait_for(lambda: fsim.logins > 0)
                # Its login reported equity 10000 (back inside both limits): latched trips stay.
                await fsim.report_account(D("10000.00"))
                await fsim.report_account(D("8300.00"))  # beyond again: the same episode
                ticket = await msim.open("EURUSD", Side.BUY, D("0.10"))
                await msim.wait_stored()
                await trio.sleep(0.3)
                assert not [m for m in fsim.received if isinstance(m, CopyOpen)]
                await server.engine.ledger.flush()
                trips = await guards.repo.trips(fid)
                assert sorted(t.id for t in trips) == sorted(t.id for t in before.values())
                assert all(t.active for t in trips)

                # The day ends in the guard's zone: the daily trip lifts, the floor holds.
                clock.now = datetime(2026, 12, 3, 0, 0, 1, tzinfo=UTC)
                guards.sweep()
                assert set(guards.book[fid].trips) == {GuardKind.EQUITY_FLOOR}
                assert guards.paused(fid)

                async def daily_ended() -> bool:
                    await server.engine.ledger.flush()
                    t = await guards.repo.trip(fid, before[GuardKind.DAILY_LOSS].id)
                    return t is not None and not t.active and t.reset_by == "PERIOD_END"
                await until(daily_ended)

                # The trader resets the floor: copying resumes and the missed open is caught up.
                await fsim.report_account(D("10000.00"))
                assert await guards.reset(fid, before[GuardKind.EQUITY_FLOOR].id) is not None
                assert not guards.paused(fid)
                await fsim.wait_for(lambda: ticket in fsim.positions)
                fsim.stop()
                msim.stop()
            server.shutdown.set()
