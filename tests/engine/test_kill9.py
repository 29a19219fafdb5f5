"""Exactly once across kill -9 at any instant (issue 11, findings 2 and 3).

``copytrade serve`` runs as a subprocess on this test's own database (in the session's
embedded PostgreSQL, so that kill -9 of the server leaves no orphaned postgres), with one
master and 20 followers as simulated EAs that resend what was not acknowledged, as real EAs
do. A seeded burst mixes opens, partial closes, SL/TP changes and closes; the server is killed
with SIGKILL at random points — right after a CMD_OPEN and its CMD_CLOSE of one ticket, and
again while the followers are in their login resync — and started again on the same database.

After it converges:

- every follower holds exactly the master's book after its rules (lot factor, reverse, suffix);
- no follower ever opened a second copy of one master ticket (counted by the simulators: a
  second position, or an OPEN for a ticket whose copy had already closed);
- every copy a follower holds has an OPEN pair row with its ticket, and every (master trade,
  follower) has a row: the copies that were never opened say why.
"""

from __future__ import annotations

import os
import random
import signal
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.models import FollowerRules
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role, Side
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

from helpers import HASH
from polling import eventually
from serverproc import ServerProcess

pytestmark = pytest.mark.slow

D = Decimal
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")
FOLLOWERS = 20
ENDED_WITH_REASON = {"FAILED", "SKIPPED", "EXPIRED"}


class Follower:
    def __init__(self, account_id: int, sim: FollowerSim, factor: Decimal, reverse: bool,
                 suffix: str) -> None:
        self.account_id = account_id
        self.sim = sim
        self.factor = factor
        self.reverse = reverse
        self.suffix = suffix

    def expected(self, msim: MasterSim) -> dict[int, tuple[str, Side, Decimal]]:
        return {t: (p.symbol + self.suffix, p.side.opposite if self.reverse else p.side,
                    p.volume * self.factor) for t, p in msim.positions.items()}

    def held(self) -> dict[int, tuple[str, Side, Decimal]]:
        return {t: (p.symbol, p.side, p.volume) for t, p in self.sim.positions.items()}


async def make_world(db, port: int) -> tuple[MasterSim, list[Follower]]:
    users, accounts = UserRepository(db), AccountRepository(db)
    user = await users.create(email="kill9@example.com", name="Kill", hashed_password=HASH)
    master = await accounts.create(user.id, name="Master", role=Role.MASTER)
    followers = []
    for i in range(FOLLOWERS):
        created = await accounts.create(user.id, name=f"F{i}", role=Role.FOLLOWER)
        await accounts.follow(created.account.id, user.id, master.account.master_token)
        factor, reverse, suffix = D(1 + i % 2), i % 3 == 1, ".m" if i % 4 == 3 else ""
        await accounts.update_rules(created.account.id, user.id, FollowerRules(
            lot_value=factor, reverse=reverse, signal_expiry_seconds=600))
        sim = FollowerSim("127.0.0.1", port, created.api_key, suffix=suffix)
        followers.append(Follower(created.account.id, sim, factor, reverse, suffix))
    return MasterSim("127.0.0.1", port, master.api_key), followers


async def step(msim: MasterSim, rng: random.Random) -> None:
    """One master action: open, partial close, SL/TP change or close."""
    roll = rng.random()
    tickets = sorted(msim.positions)
    if roll < 0.45 or len(tickets) < 3:
        await msim.open(rng.choice(SYMBOLS), rng.choice((Side.BUY, Side.SELL)), D("0.40"))
    elif roll < 0.65:
        ticket = rng.choice(tickets)
        await msim.close(ticket, D("0.20") if msim.positions[ticket].volume == D("0.40")
                         else None)
    elif roll < 0.8:
        await msim.modify(rng.choice(tickets), D("1.05") + D(rng.randrange(100)) / 1000, D(0))
    else:
        await msim.close(rng.choice(tickets))


async def burst(msim: MasterSim, rng: random.Random, actions: int) -> None:
    for _ in range(actions):
        await step(msim, rng)
        await trio.sleep(rng.uniform(0, 0.006))  # pacing only: keeps the burst in flight


async def open_close_kill(server: ServerProcess, msim: MasterSim, rng: random.Random) -> None:
    """kill -9 right after one ticket's CMD_OPEN and CMD_CLOSE went out."""
    ticket = await msim.open(rng.choice(SYMBOLS), Side.BUY, D("0.40"))
    await trio.sleep(rng.uniform(0, 0.01))
    await msim.close(ticket)
    await trio.sleep(rng.uniform(0, 0.02))
    await server.stop(signal.SIGKILL)


async def converged(msim: MasterSim, followers: list[Follower], timeout: float = 40) -> None:
    with trio.move_on_after(timeout):
        await msim.wait_stored(timeout)
        while not all(f.held() == f.expected(msim) for f in followers):
            await trio.sleep(0.05)
        return
    report = [f"master outbox: {list(msim.outbox)}"]
    for f in followers:
        have, want = f.held(), f.expected(msim)
        if have != want:
            differ = {t: (have[t], want[t]) for t in set(have) & set(want) if have[t] != want[t]}
            report.append(f"follower {f.account_id}: missing {set(want) - set(have)}, extra "
                          f"{set(have) - set(want)}, differ {differ}")
    raise AssertionError("not converged:\n" + "\n".join(report))


def doubled(f: Follower) -> dict[int, int]:
    """Master tickets this follower was made to copy twice (seen by the simulator)."""
    opens = Counter(f.sim.open_log)
    twice = {t: n for t, n in opens.items() if n > 1}
    for t in f.sim.refused_copies:
        twice[t] = twice.get(t, 1) + 1
    return twice


async def check_ledger(db, master_id: int, followers: list[Follower]) -> None:
    for f in followers:
        twice = doubled(f)
        assert not twice, f"follower {f.account_id} copied twice: {twice}\n" + "\n".join(
            str(m) for m in f.sim.received
            if getattr(m, "master_ticket", None) in twice)
    trades = await db.fetch("SELECT id, ticket, status FROM master_trades WHERE account_id = $1",
                            master_id)
    problems: list[str] = []
    with trio.move_on_after(15):
        while True:  # the last ACKs may still be on their way to the ledger
            rows = await db.fetch(
                "SELECT t.ticket, p.account_id, p.status, p.slave_ticket, p.slave_volume, "
                "p.reason_code, p.reason FROM trade_pairs p JOIN master_trades t "
                "ON t.id = p.master_trade_id WHERE t.account_id = $1", master_id)
            problems = ledger_problems(trades, {(r["ticket"], r["account_id"]): r for r in rows},
                                       followers)
            if not problems:
                return
            await trio.sleep(0.1)
    raise AssertionError("ledger disagrees:\n" + "\n".join(problems[:40]))


def ledger_problems(trades, pairs, followers: list[Follower]) -> list[str]:
    problems = []
    for f in followers:
        for t, pos in f.sim.positions.items():
            row = pairs.get((t, f.account_id))
            if row is None or row["status"] != "OPEN" or row["slave_ticket"] != pos.ticket \
                    or row["slave_volume"] != pos.volume:
                problems.append(f"copy {t} on follower {f.account_id} ({pos.ticket} "
                                f"{pos.volume}) has pair {row and dict(row)}")
        for trade in trades:
            row = pairs.get((trade["ticket"], f.account_id))
            if row is None:
                problems.append(f"no pair row for trade {trade['ticket']} "
                                f"({trade['status']}) and follower {f.account_id}")
            elif trade["ticket"] not in f.sim.positions:
                if row["status"] in ("PENDING", "OPEN", "UNKNOWN"):
                    problems.append(f"pair {dict(row)} not held by the follower")
                elif row["status"] in ENDED_WITH_REASON and not row["reason"]:
                    problems.append(f"pair {dict(row)} ended without a reason")
    return problems


async def run_scenario(seed: int, db, db_url: str, tmp_path: Path, nursery) -> None:
    rng = random.Random(seed)
    server = ServerProcess(db_url, tmp_path / "server.log")
    msim, followers = await make_world(db, server.ea_port)
    try:
        await server.start()
        for sim in (msim, *(f.sim for f in followers)):
            await nursery.start(sim.run)
        await burst(msim, rng, rng.randrange(20, 40))
        await open_close_kill(server, msim, rng)       # kill 1: between CMD_OPEN and CMD_CLOSE
        await burst(msim, rng, 8)                      # the master trades on while it is down
        before = sum(f.sim.logins for f in followers)
        await server.start()
        await burst(msim, rng, rng.randrange(3, 10))   # everyone reconnects and resyncs
        # some followers are in, others still logging in
        await eventually(lambda: sum(f.sim.logins for f in followers) >= before + FOLLOWERS // 4,
                         timeout=15, interval=0.005)
        await trio.sleep(rng.uniform(0, 0.05))
        await server.stop(signal.SIGKILL)              # kill 2: during the login resyncs
        await burst(msim, rng, 5)
        await server.start()
        await burst(msim, rng, rng.randrange(20, 40))
        await open_close_kill(server, msim, rng)       # kill 3
        await server.start()
        await burst(msim, rng, 10)
        await converged(msim, followers)
        master_id = msim.link.ok.account_id if msim.link and msim.link.ok else None
        assert master_id is not None
        await check_ledger(db, master_id, followers)
        assert all(f.sim.logins >= 2 for f in followers)
        for sim in (msim, *(f.sim for f in followers)):
            sim.stop()
    finally:
        await server.aclose()


@pytest.mark.parametrize("seed", [int(s) for s in os.environ.get(
    "KILL9_SEEDS", "11,23,37").split(",")])
async def test_kill9_at_random_points_of_mixed_bursts(seed, db, db_url, tmp_path, nursery):
    await run_scenario(seed, db, db_url, tmp_path, nursery)


async def test_pair_rows_queued_in_memory_at_kill9_are_recovered(db, db_url, tmp_path, nursery):
    """Finding 3: kill -9 while the ledger's pair rows are still queued in memory (the test
    holds a SHARE lock on trade_pairs, so the ledger cannot write — a stalled database).
    After the restart every (trade, follower) has a row: the online follower's copies are
    adopted from its POS report (the one whose master trade closed meanwhile gets its CLOSE),
    and the follower that was offline gets one row per trade, EXPIRED for the closed one."""
    users, accounts = UserRepository(db), AccountRepository(db)
    user = await users.create(email="lost@example.com", name="Lost", hashed_password=HASH)
    master = await accounts.create(user.id, name="Master", role=Role.MASTER)
    made = []
    for name in ("online", "offline"):
        created = await accounts.create(user.id, name=name, role=Role.FOLLOWER)
        await accounts.follow(created.account.id, user.id, master.account.master_token)
        made.append(created)
    server = ServerProcess(db_url, tmp_path / "server.log")
    msim = MasterSim("127.0.0.1", server.ea_port, master.api_key)
    online = FollowerSim("127.0.0.1", server.ea_port, made[0].api_key)
    offline = FollowerSim("127.0.0.1", server.ea_port, made[1].api_key)
    try:
        await server.start()
        await nursery.start(msim.run)
        await nursery.start(online.run)
        await eventually(lambda: db.fetchval("SELECT ea_connected_at IS NOT NULL FROM "
                                             "trading_accounts WHERE id = $1",
                                             made[0].account.id))
        async with db.transaction() as con:
            await con.execute("LOCK TABLE trade_pairs IN SHARE MODE")
            kept = await msim.open("EURUSD", Side.BUY, D("0.10"))
            gone = await msim.open("GBPUSD", Side.SELL, D("0.20"))
            await online.wait_for(lambda: {kept, gone} <= set(online.positions))
            await msim.close(gone)
            await msim.wait_stored()
            await server.stop(signal.SIGKILL)  # the pair rows die queued in memory
            assert await con.fetchval("SELECT count(*) FROM trade_pairs") == 0
        await server.start()
        await nursery.start(offline.run)
        await online.wait_for(lambda: set(online.positions) == {kept}, 15)
        await offline.wait_for(lambda: set(offline.positions) == {kept}, 15)
        want = {(kept, "online"): "OPEN", (gone, "online"): "CLOSED",
                (kept, "offline"): "OPEN", (gone, "offline"): "EXPIRED"}
        names = {made[0].account.id: "online", made[1].account.id: "offline"}
        with trio.move_on_after(10):
            while True:
                rows = await db.fetch(
                    "SELECT t.ticket, p.account_id, p.status, p.reason_code, p.reason, "
                    "p.slave_ticket FROM trade_pairs p JOIN master_trades t "
                    "ON t.id = p.master_trade_id")
                have = {(r["ticket"], names[r["account_id"]]): r["status"] for r in rows}
                if have == want:
                    break
                await trio.sleep(0.05)
        assert have == want, [dict(r) for r in rows]
        by = {(r["ticket"], names[r["account_id"]]): r for r in rows}
        assert by[(kept, "online")]["slave_ticket"] == online.positions[kept].ticket
        assert by[(gone, "offline")]["reason_code"] == "MASTER_CLOSED"
        assert by[(gone, "offline")]["reason"]
        assert online.open_log == [kept, gone] and offline.open_log == [kept]
        assert online.refused_copies == [] and offline.refused_copies == []
        for sim in (msim, online, offline):
            sim.stop()
    finally:
        await server.aclose()
