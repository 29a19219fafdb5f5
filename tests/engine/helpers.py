"""Helpers for end-to-end engine tests: users, accounts and simulated EAs on a real server."""

from __future__ import annotations

from typing import Any

import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import CopyMode, Role
from copytrade.domain.rules import CopyRules
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

from polling import eventually

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


class World:
    """One user with a master and followers, and their simulated EAs."""

    def __init__(self, server: Any, nursery: trio.Nursery) -> None:
        self.server = server
        self.nursery = nursery
        self.accounts = AccountRepository(server.db)
        self.control = server.engine.control
        """Accounts are created and changed through the API's write path (engine/control.py)."""
        self.users = UserRepository(server.db)
        self.user_id = 0

    async def setup_user(self, email: str = "trader@example.com") -> int:
        user = await self.users.create(email=email, name="Trader", hashed_password=HASH)
        self.user_id = user.id
        return user.id

    async def master(self, mode: CopyMode = CopyMode.PUBSUB) -> tuple[Any, MasterSim]:
        created = await self.control.create_account(self.user_id, name="Master",
                                                    role=Role.MASTER)
        if mode is not CopyMode.PUBSUB:
            await self.control.set_copy_mode(created.account.id, self.user_id, mode)
        sim = MasterSim("127.0.0.1", self.server.ea_port, created.api_key)
        await self.nursery.start(sim.run)
        return created.account, sim

    async def follower(
        self, master: Any | None = None, *, connect: bool = True, **sim_options: Any
    ) -> tuple[Any, FollowerSim]:
        created = await self.control.create_account(self.user_id, name="Follower",
                                                    role=Role.FOLLOWER)
        account = created.account
        if master is not None:
            change = await self.control.follow(account.id, self.user_id, master.master_token)
            account = change.after
        sim = FollowerSim("127.0.0.1", self.server.ea_port, created.api_key, **sim_options)
        if connect:
            await self.start_follower(sim)
        return account, sim

    async def start_follower(self, sim: FollowerSim) -> None:
        sim._stop = trio.Event()
        await self.nursery.start(sim.run)
        await sim.wait_for(lambda: sim.received != [] or sim.logins > 0)
        await self.synced(sim)

    async def synced(self, sim: FollowerSim, timeout: float = 10) -> None:
        """Until the server has finished this follower's login resync."""
        engine = self.server.engine

        def live() -> Any:
            account_id = sim.link.ok.account_id if sim.link and sim.link.ok else None
            return engine.live.get(account_id) if account_id else None

        await eventually(live, lambda state: state is not None and state.ready,
                         timeout=timeout, interval=0.01, what="the follower's login resync")

    async def pairs(self, follower_id: int | None = None) -> list[Any]:
        await self.server.engine.ledger.flush()
        sql = ("SELECT p.*, t.ticket AS master_ticket FROM trade_pairs p JOIN master_trades t "
               "ON t.id = p.master_trade_id")
        if follower_id is None:
            return await self.server.db.fetch(sql + " ORDER BY p.id")
        return await self.server.db.fetch(sql + " WHERE p.account_id = $1 ORDER BY p.id",
                                          follower_id)

    async def wait_pairs(self, predicate: Any, timeout: float = 10) -> list[Any]:
        rows: list[Any] = await eventually(self.pairs, predicate, timeout=timeout)
        return rows


async def set_rules(server: Any, account: Any, **rules: Any) -> None:
    """Store a follower's copy rules by the API's path (``engine.control.put_rules``)."""
    await server.engine.control.put_rules(account.id, account.user_id, CopyRules(**rules))


def expected_positions(msim: MasterSim) -> dict[int, tuple[str, str, Any]]:
    """The master sim's open positions as (symbol, side, volume) by ticket."""
    return {t: (p.symbol, p.side.value, p.volume) for t, p in msim.positions.items()}


def held_positions(fsim: FollowerSim) -> dict[int, tuple[str, str, Any]]:
    """A follower sim's open copies as (symbol, side, volume) by master ticket."""
    return {t: (p.symbol, p.side.value, p.volume) for t, p in fsim.positions.items()}
