""""Copy existing is due" survives a server restart (sql/033, engine/copyexisting.py).

A follower with ``copy_existing`` on starts following a master while its EA is offline; the
server restarts before the EA logs in; the EA's first login on the new server still copies the
master's young open trade, the mark is then cleared (in memory and in the table), and a later
reconnect copies nothing more. The whole server runs in-process twice on the same database.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import trio
from test_risk_restart import connect, start, until

from copytrade.db.accounts import AccountRepository
from copytrade.db.models import FollowerRules
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role, Side
from copytrade.protocol import CopyOpen, ErrorCode
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

from helpers import HASH

D = Decimal


async def stored_marks(server: Any) -> set[int]:
    await server.engine.ledger.flush()
    return {r["account_id"] for r in await server.db.fetch(
        "SELECT account_id FROM copy_existing_due")}


async def test_copy_existing_due_is_kept_across_a_restart(aio_loop, server_settings) -> None:
    with trio.fail_after(90):
        async with trio.open_nursery() as run1:
            server = await start(run1, server_settings)
            users, accounts = UserRepository(server.db), AccountRepository(server.db)
            user = await users.create(email="due@example.com", name="D", hashed_password=HASH)
            master = await accounts.create(user.id, name="Master", role=Role.MASTER)
            follower = await accounts.create(user.id, name="Follower", role=Role.FOLLOWER)
            plain = await accounts.create(user.id, name="Plain", role=Role.FOLLOWER)
            fid, pid = follower.account.id, plain.account.id
            await accounts.update_rules(fid, user.id, FollowerRules(
                copy_existing=True, copy_existing_max_age_minutes=30,
                copy_existing_max_points=50))
            async with trio.open_nursery() as sims:
                msim = await connect(sims, server, MasterSim("127.0.0.1", 0, master.api_key))
                await msim.wait_for(lambda: msim.logins > 0)
                ticket = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"),
                                         open_time_ms=int((time.time() - 120) * 1000))
                await msim.wait_stored()
                msim.stop()
            for account in (fid, pid):  # both follow now; only one has copy_existing on
                await accounts.follow(account, user.id, master.account.master_token)
                await server.engine.account_changed(account)
                server.engine.copy_existing_on_next_resync(account, "now following a new master")
            assert fid in server.engine.copy_existing_due
            assert pid not in server.engine.copy_existing_due
            assert await stored_marks(server) == {fid}
            server.shutdown.set()

        async with trio.open_nursery() as run2:
            server = await start(run2, server_settings)
            assert fid in server.engine.copy_existing_due  # read back at start-up
            async with trio.open_nursery() as sims:
                fsim = await connect(sims, server, FollowerSim("127.0.0.1", 0, follower.api_key))
                psim = await connect(sims, server, FollowerSim("127.0.0.1", 0, plain.api_key))
                await fsim.wait_for(lambda: ticket in fsim.positions)
                await psim.wait_for(lambda: psim.logins > 0)
                assert fid not in server.engine.copy_existing_due

                async def cleared() -> bool:
                    return await stored_marks(server) == set()
                await until(cleared)
                await trio.sleep(0.2)
                assert psim.positions == {}  # 2 minutes old, past the signal expiry: not copied

                # Done: a reconnect is an ordinary resync and copies nothing again.
                logins = fsim.logins
                await server.engine.disconnect(fid, ErrorCode.RESYNC)
                await fsim.wait_for(lambda: fsim.logins > logins)
                await trio.sleep(0.3)
                assert len([m for m in fsim.received if isinstance(m, CopyOpen)]) == 1
                fsim.stop()
                psim.stop()
            server.shutdown.set()
