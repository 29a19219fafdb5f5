"""Restart safety: stop the server (SIGTERM, then kill -9) in the middle of a burst of opens
and closes, start it again on the same database, and check that every follower holds exactly
the positions it should — none lost, none doubled — and that the ledger agrees.

The server runs as a subprocess (``copytrade serve``) on the test's own database in the
session's embedded PostgreSQL (a server with its own embedded PostgreSQL would leave that
postgres running after kill -9), on a fixed EA port so the simulators reconnect by themselves;
the master simulator resends every event not yet STORED, as the real master EA does.
"""

from __future__ import annotations

import os
import random
import signal
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
from serverproc import ServerProcess

pytestmark = pytest.mark.slow

D = Decimal
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")


async def setup_accounts(db):
    users, accounts = UserRepository(db), AccountRepository(db)
    user = await users.create(email="restart@example.com", name="Restart", hashed_password=HASH)
    master = await accounts.create(user.id, name="Master", role=Role.MASTER)
    plain = await accounts.create(user.id, name="Plain x2", role=Role.FOLLOWER)
    odd = await accounts.create(user.id, name="Reversed suffix", role=Role.FOLLOWER)
    for created in (plain, odd):
        await accounts.follow(created.account.id, user.id, master.account.master_token)
    await accounts.update_rules(plain.account.id, user.id, FollowerRules(lot_value=D("2")))
    await accounts.update_rules(odd.account.id, user.id, FollowerRules(reverse=True))
    return master, plain, odd


def expected(msim: MasterSim, *, factor: Decimal, reverse: bool, suffix: str):
    return {t: (p.symbol + suffix, p.side.opposite if reverse else p.side, p.volume * factor)
            for t, p in msim.positions.items()}


def held(fsim: FollowerSim):
    return {t: (p.symbol, p.side, p.volume) for t, p in fsim.positions.items()}


async def burst(msim: MasterSim, rng: random.Random, actions: int) -> None:
    """Opens, partial closes and closes as fast as the master sim can emit them."""
    for _ in range(actions):
        roll = rng.random()
        open_tickets = sorted(msim.positions)
        if roll < 0.5 or len(open_tickets) < 3:
            await msim.open(rng.choice(SYMBOLS), rng.choice((Side.BUY, Side.SELL)), D("0.40"))
        elif roll < 0.7:
            ticket = rng.choice(open_tickets)
            if msim.positions[ticket].volume == D("0.40"):
                await msim.close(ticket, D("0.20"))
            else:
                await msim.close(ticket)
        elif roll < 0.8:
            ticket = rng.choice(open_tickets)
            await msim.modify(ticket, D("1.05") + D(rng.randrange(100)) / 1000, D(0))
        else:
            await msim.close(rng.choice(open_tickets))
        await trio.sleep(0.003)  # pacing, not synchronisation: keeps the burst in flight


async def settled(db, msim, followers, log: Path, timeout: float = 30) -> None:
    """Until the master's events are all STORED and every follower holds what it should."""
    with trio.move_on_after(timeout):
        await msim.wait_stored(timeout)
        while not all(held(f) == expected(msim, **opts) for f, opts in followers):
            await trio.sleep(0.05)
        return
    report = [f"master outbox: {list(msim.outbox)}"]
    for f, opts in followers:
        have, want = held(f), expected(msim, **opts)
        differ = {t: (have[t], want[t]) for t in set(have) & set(want) if have[t] != want[t]}
        report.append(f"follower {f.api_key[:12]}: missing {set(want) - set(have)}, extra "
                      f"{set(have) - set(want)}, differ {differ}")
    bad = set()
    for f, opts in followers:
        have, want = held(f), expected(msim, **opts)
        bad |= {t for t in set(have) | set(want) if have.get(t) != want.get(t)}
    for row in await db.fetch(
            "SELECT t.ticket, t.status AS m_status, t.volume, t.open_volume, p.account_id, "
            "p.status, p.requested_volume, p.slave_volume, p.sent_at, p.acked_at, p.reason_code "
            "FROM master_trades t LEFT JOIN trade_pairs p ON p.master_trade_id = t.id "
            "WHERE t.ticket = ANY($1::bigint[])", list(bad)):
        report.append(str(dict(row)))
    for row in await db.fetch(
            "SELECT c.* FROM master_trade_closes c JOIN master_trades t ON t.id = "
            "c.master_trade_id WHERE t.ticket = ANY($1::bigint[])", list(bad)):
        report.append(str(dict(row)))
    for f, _opts in followers:
        report.append(str([m for m in f.received if getattr(m, "master_ticket", None) in bad]))
    report += [line for line in log.read_text().splitlines()  # noqa: ASYNC240
               if "logged in" in line or "=====" in line or any(str(t) in line for t in bad)]
    raise AssertionError("not settled:\n" + "\n".join(report))


async def check_ledger(db, master_id, msim, followers, log: Path) -> None:
    trades = await db.fetch(
        "SELECT ticket, status, open_volume FROM master_trades WHERE account_id = $1", master_id)
    open_trades = {t["ticket"]: t["open_volume"] for t in trades if t["status"] == "OPEN"}
    assert open_trades == {t: p.volume for t, p in msim.positions.items()}
    for fsim, opts in followers:
        twice = {t for t in fsim.open_log if fsim.open_log.count(t) > 1}
        assert not twice, "opened twice: " + "\n".join(
            [str([m for m in fsim.received if getattr(m, "master_ticket", None) in twice])]
            + [line for line in log.read_text().splitlines()  # noqa: ASYNC240
               if "logged in" in line or "=====" in line or any(str(t) in line for t in twice)])
        account_id = fsim.link.ok.account_id
        with trio.fail_after(10):
            while True:  # the last ACKs may still be on their way to the ledger
                pairs = await db.fetch(
                    "SELECT t.ticket, p.status, p.slave_volume, p.slave_ticket FROM trade_pairs p "
                    "JOIN master_trades t ON t.id = p.master_trade_id WHERE p.account_id = $1",
                    account_id)
                live = {p["ticket"]: p["slave_volume"] for p in pairs
                        if p["status"] in ("OPEN", "PENDING")}
                want = {t: v for t, (_s, _side, v) in expected(msim, **opts).items()}
                if live == want and all(p["status"] != "PENDING" for p in pairs):
                    break
                await trio.sleep(0.05)
        slave = {p["ticket"]: p["slave_ticket"] for p in pairs if p["status"] == "OPEN"}
        assert slave == {t: p.ticket for t, p in fsim.positions.items()}


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
async def test_restart_in_the_middle_of_a_burst(how, db, db_url, tmp_path, nursery):
    master, plain, odd = await setup_accounts(db)
    server = ServerProcess(db_url, tmp_path / "server.log")
    try:
        await server.start()
        msim = MasterSim("127.0.0.1", server.ea_port, master.api_key)
        fplain = FollowerSim("127.0.0.1", server.ea_port, plain.api_key)
        fodd = FollowerSim("127.0.0.1", server.ea_port, odd.api_key, suffix=".m")
        followers = [(fplain, {"factor": D(2), "reverse": False, "suffix": ""}),
                     (fodd, {"factor": D(1), "reverse": True, "suffix": ".m"})]
        for sim in (msim, fplain, fodd):
            await nursery.start(sim.run)

        rng = random.Random(int(os.environ.get("RESTART_SEED", how)))
        await burst(msim, rng, 30)
        await server.stop(how)          # in the middle of the burst: much is still in flight
        await burst(msim, rng, 10)      # the master keeps trading while the server is down
        await server.start()
        await burst(msim, rng, 30)      # and carries on while everyone reconnects
        await settled(db, msim, followers, server.log)
        await check_ledger(db, master.account.id, msim, followers, server.log)
        assert msim.logins >= 2 and fplain.logins >= 2 and fodd.logins >= 2
        assert msim.positions, "the burst should leave some positions open"
        for sim in (msim, fplain, fodd):
            sim.stop()
    finally:
        await server.aclose()
