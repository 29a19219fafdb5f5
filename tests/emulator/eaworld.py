"""A user with master and follower accounts on a real server, each run by a real, compiled EA
in its own emulated MT5 terminal (copytrade.ea)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import CopyMode, Role
from copytrade.ea.build import Built
from copytrade.ea.terminal import Terminal

from polling import eventually

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"

FX = {"digits": 5, "vmin": 0.01, "vmax": 100, "vstep": 0.01, "contract": 100000}
SYMBOLS: dict[str, dict[str, Any]] = {
    "EURUSD": {**FX, "bid": 1.08450, "ask": 1.08460},
    "GBPUSD": {**FX, "bid": 1.26500, "ask": 1.26512},
    "XAUUSD": {"digits": 2, "vmin": 0.01, "vmax": 50, "vstep": 0.01, "contract": 100,
               "bid": 2350.10, "ask": 2350.40},
}


def suffixed(suffix: str) -> dict[str, dict[str, Any]]:
    return {name + suffix: spec for name, spec in SYMBOLS.items()}


class EaWorld:
    def __init__(self, server: Any, nursery: trio.Nursery, directory: Path,
                 master_build: Built, follower_build: Built) -> None:
        self.server = server
        self.nursery = nursery
        self.directory = directory
        self.builds = {"master": master_build, "follower": follower_build}
        self.accounts = AccountRepository(server.db)
        self.control = server.engine.control  # the API's write path (engine/control.py)
        self.user_id = 0
        self.terminals: list[Terminal] = []
        self._logins = 5000
        self.env: dict[str, str] | None = None   # extra environment of each terminal process

    async def setup(self) -> None:
        user = await UserRepository(self.server.db).create(
            email="ea@example.com", name="EA Trader", hashed_password=HASH)
        self.user_id = user.id

    async def master_account(self, mode: CopyMode = CopyMode.PUBSUB) -> tuple[Any, str]:
        created = await self.control.create_account(self.user_id, name="Master",
                                                    role=Role.MASTER)
        if mode is not CopyMode.PUBSUB:
            await self.control.set_copy_mode(created.account.id, self.user_id, mode)
        return created.account, created.api_key

    async def follower_account(self, master: Any) -> tuple[Any, str]:
        created = await self.control.create_account(self.user_id, name="Follower",
                                                    role=Role.FOLLOWER)
        change = await self.control.follow(created.account.id, self.user_id,
                                           master.master_token)
        account = change.after
        return account, created.api_key

    async def terminal(self, role: str, api_key: str, *, master_token: str = "",
                       login: int | None = None, mode: str = "hedging",
                       symbols: dict[str, dict[str, Any]] | None = None,
                       inputs: dict[str, Any] | None = None, attach: bool = True,
                       port: int | None = None, name: str | None = None,
                       **terminal: Any) -> Terminal:
        self._logins += 1
        login = login or self._logins
        name = name or f"{role}{login}"
        t = Terminal(self.builds[role], self.directory / name, name)
        await t.start(self.nursery, env=self.env)
        self.terminals.append(t)
        await t.op("account", login=login, mode=mode, balance=10000, currency="USD",
                   leverage=100)
        first = True
        for sym, spec in (symbols or SYMBOLS).items():
            await t.op("symbol", name=sym, **spec)
            if first:
                await t.op("terminal", chart=sym)
                first = False
        if terminal:
            await t.op("terminal", **terminal)
        values = {"InpApiKey": api_key, "InpPort": port or self.server.ea_port,
                  **({"InpMasterToken": master_token} if master_token else {}),
                  **(inputs or {})}
        for key, value in values.items():
            await t.op("input", name=key, value=str(value))
        if attach:
            await t.op("attach")
        return t

    async def stop(self) -> None:
        for t in self.terminals:
            await t.stop()

    async def pairs(self, follower_id: int) -> list[Any]:
        await self.server.engine.ledger.flush()
        return list(await self.server.db.fetch(
            "SELECT p.*, t.ticket AS master_ticket FROM trade_pairs p JOIN master_trades t "
            "ON t.id = p.master_trade_id WHERE p.account_id = $1 ORDER BY p.id", follower_id))

    async def wait_pairs(self, follower_id: int, predicate: Any, timeout: float = 15) -> list[Any]:
        rows: list[Any] = await eventually(lambda: self.pairs(follower_id), predicate,
                                           timeout=timeout, interval=0.05)
        return rows


async def logged_in(t: Terminal, timeout: float = 15) -> None:
    await t.wait_for(lambda e: e["ev"] == "received" and e["line"].startswith("OK|"), timeout)


async def synced(t: Terminal, timeout: float = 15) -> None:
    await t.wait_for(lambda e: e["ev"] == "sent" and e["line"].startswith("SYNC|"), timeout)


async def positions(t: Terminal) -> list[dict[str, Any]]:
    return list((await t.state())["positions"])


async def wait_positions(t: Terminal, predicate: Any, timeout: float = 15) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await eventually(lambda: positions(t), predicate,
                                                   timeout=timeout, interval=0.05)
    return found


async def orders(t: Terminal) -> list[dict[str, Any]]:
    """The terminal's pending orders (its ``state`` dump)."""
    return list((await t.state())["orders"])


async def wait_orders(t: Terminal, predicate: Any, timeout: float = 15) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await eventually(lambda: orders(t), predicate,
                                                   timeout=timeout, interval=0.05)
    return found
