"""PostgreSQL stopped hard mid-burst under ``copytrade serve``, then started again.

A real ``copytrade serve`` process on a PostgreSQL this test owns (tests/pgserver.py); a master
and followers as simulated EAs over TCP; a user calling the API. While the master trades (opens,
partial closes, modifies, closes), PostgreSQL is stopped with ``pg_ctl stop -m immediate`` for
several seconds, while an EA logs in and the API is called; then it is started again.

It proves: the server process never exits; meanwhile EAs get ``ERR|UNAVAILABLE``, the API 503
``unavailable`` and ``/healthz`` 503; nothing answered STORED is missing from the database; and
afterwards, with nobody restarting anything, every master event is stored exactly once and every
follower holds exactly the master's positions (rules: multiplier 1).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import trio

from copytrade.api.errors import ERROR_KEYS
from copytrade.domain.models import Side
from copytrade.protocol import CommandKind
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim
from pgserver import OwnPostgres, own_postgres

from polling import NotYet, eventually

EXE = str(Path(sys.executable).with_name("copytrade"))
PASSWORD = "correct horse battery"
FOLLOWERS = 4
OUTAGE_SECONDS = 4.0

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(predicate: Callable[[], bool], timeout: float, what: str,
                 detail: Callable[[], str] = str) -> None:
    try:
        await eventually(predicate, timeout=timeout, interval=0.05, what=what)
    except NotYet:
        raise AssertionError(f"timed out waiting for {what}: {detail()}") from None


async def _raw_auth(port: int, key: str) -> str:
    """One login over a bare socket; the server's first line."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(f"AUTH|{key}|1||probe\n".encode())
        data = b""
        with trio.fail_after(5):
            while b"\n" not in data:
                chunk = await stream.receive_some(4096)
                if not chunk:
                    break
                data += chunk
    return data.split(b"\n")[0].decode()


class Trader:
    """The master's trading: a seeded mix of opens, modifies, partial and full closes."""

    def __init__(self, msim: MasterSim, seed: int) -> None:
        self.msim = msim
        self.rng = random.Random(seed)
        self.opened: set[int] = set()
        self.deals: set[tuple[int, int]] = set()

    async def step(self) -> None:
        msim, rng = self.msim, self.rng
        open_tickets = sorted(msim.positions)
        roll = rng.random()
        if not open_tickets or (roll < 0.4 and len(open_tickets) < 8):
            symbol = rng.choice(["EURUSD", "GBPUSD", "XAUUSD"])
            ticket = await msim.open(symbol, rng.choice([Side.BUY, Side.SELL]),
                                     Decimal(rng.choice(["0.2", "0.4", "1"])),
                                     Decimal("1.1") + Decimal(rng.randint(0, 999)) / 10000)
            self.opened.add(ticket)
            return
        ticket = rng.choice(open_tickets)
        pos = msim.positions[ticket]
        if roll < 0.6:
            await msim.modify(ticket, Decimal(rng.randint(0, 9)) / 10,
                              Decimal(rng.randint(20, 29)) / 10)
        elif roll < 0.8 and pos.volume >= Decimal("0.4"):
            self.deals.add((ticket, await msim.close(ticket, Decimal("0.2"))))
        else:
            self.deals.add((ticket, await msim.close(ticket)))


def _books_diff(msim: MasterSim, fsims: list[FollowerSim]) -> str:
    want = {t: (p.symbol, p.side, p.volume, p.sl, p.tp) for t, p in msim.positions.items()}
    out = []
    for n, f in enumerate(fsims):
        held = {t: (p.symbol, p.side, p.volume, p.sl, p.tp) for t, p in f.positions.items()}
        for t in sorted(set(want) | set(held)):
            if want.get(t) != held.get(t):
                seen = [m for m in f.received if getattr(m, "master_ticket", None) == t]
                out.append(f"follower {n} (logins {f.logins}) ticket {t}: master "
                           f"{want.get(t)} follower {held.get(t)}; got {seen}")
    return "\n".join(out)


def _books_equal(msim: MasterSim, fsims: list[FollowerSim]) -> bool:
    want = {t: (p.symbol, p.side, p.volume, p.sl, p.tp) for t, p in msim.positions.items()}
    return all({t: (p.symbol, p.side, p.volume, p.sl, p.tp) for t, p in f.positions.items()}
               == want for f in fsims)


async def test_postgres_stopped_mid_burst_then_started(tmp_path: Path) -> None:
    with own_postgres() as pg:
        pg.psql("CREATE DATABASE copytrade;")
        await _run(pg, tmp_path)


async def _run(pg: OwnPostgres, tmp_path: Path) -> None:
    http_port, ea_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=pg.url("copytrade"), COPYTRADE_DATA_DIR=str(tmp_path / "data"))
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        proc = await trio.to_thread.run_sync(lambda: subprocess.Popen(
            [EXE, "serve", "--http-port", str(http_port), "--ea-port", str(ea_port)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT))
    try:
        with trio.fail_after(60):
            await _scenario(pg, proc, http_port, ea_port)
        assert proc.poll() is None, "the server exited"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log_path.read_text(errors="replace")
    assert "ERROR copytrade" not in output, output[-4000:]


async def _scenario(pg: OwnPostgres, proc: subprocess.Popen[bytes], http_port: int,
                    ea_port: int) -> None:
    web = f"http://127.0.0.1:{http_port}"
    async with httpx.AsyncClient(base_url=web, timeout=5, headers={"X-CSRF": "1"}) as api, \
            trio.open_nursery() as nursery:
        await _until(lambda: proc.poll() is not None or _healthy(web), 40, "a healthy server")
        assert proc.poll() is None
        r = await api.post("/api/v1/auth/register",
                           json={"email": "t@example.com", "name": "T", "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = await api.post("/api/v1/auth/login", json={"email": "t@example.com",
                                                        "password": PASSWORD})
        assert r.status_code == 200, r.text
        r = await api.post("/api/v1/accounts", json={"name": "Master", "role": "master"})
        master, master_key = r.json()["account"], r.json()["api_key"]
        follower_keys = []
        for n in range(FOLLOWERS):
            r = await api.post("/api/v1/accounts", json={"name": f"F{n}", "role": "follower"})
            fid = r.json()["account"]["id"]
            follower_keys.append(r.json()["api_key"])
            r = await api.put(f"/api/v1/accounts/{fid}/following",
                              json={"master_token": master["master_token"]})
            assert r.status_code == 200, r.text

        msim = MasterSim("127.0.0.1", ea_port, master_key)
        await nursery.start(msim.run)
        fsims = [FollowerSim("127.0.0.1", ea_port, key) for key in follower_keys]
        for fsim in fsims[:-1]:
            await nursery.start(fsim.run)
        late = fsims[-1]  # logs in for the first time while PostgreSQL is down
        trader = Trader(msim, seed=11)

        api_statuses: list[int] = []
        health_statuses: list[int] = []
        down = trio.Event()
        up = trio.Event()

        async def call_api() -> None:
            while not up.is_set() or len(api_statuses) < 3:
                r = await api.get("/api/v1/accounts")
                if r.status_code == 503:
                    assert r.json()["error"]["code"] == "unavailable"
                    assert set(r.json()["error"]) == ERROR_KEYS
                else:
                    assert r.status_code == 200, r.text
                if down.is_set():
                    api_statuses.append(r.status_code)
                    h = await api.get("/healthz")
                    health_statuses.append(h.status_code)
                await trio.sleep(0.1)

        async def trade() -> None:
            while not up.is_set():
                await trader.step()
                await trio.sleep(0.04)
            for _ in range(15):
                await trader.step()
                await trio.sleep(0.04)

        nursery.start_soon(call_api)
        nursery.start_soon(trade)
        await trio.sleep(2)  # trading normally

        await trio.to_thread.run_sync(pg.stop)
        down.set()
        stored_before = len(msim.stored)
        nursery.start_soon(late.run)
        probe = await _raw_auth(ea_port, master_key)
        assert probe.startswith("ERR|UNAVAILABLE|"), probe
        await trio.sleep(OUTAGE_SECONDS)
        assert proc.poll() is None, "the server exited during the outage"
        assert len(msim.stored) == stored_before, "STORED while the database was down"
        assert 503 in api_statuses and 503 in health_statuses
        assert msim.unavailable > 0
        assert "UNAVAILABLE" in late.login_refusals

        await trio.to_thread.run_sync(pg.start)
        up.set()

        # Convergence, by itself: every event stored, every follower's book the master's.
        await _until(lambda: not msim.outbox and msim.link is not None, 20, "every STORED")
        await _until(lambda: _books_equal(msim, fsims), 20, "followers equal to the master",
                     lambda: _books_diff(msim, fsims) + "\n" + pg.psql(
                         "SELECT t.ticket, t.status, t.open_volume, p.account_id, p.status, "
                         "p.requested_volume, p.slave_volume, p.sent_at IS NOT NULL, p.reason "
                         "FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id "
                         "WHERE t.status = 'CLOSED' AND p.status NOT IN ('CLOSED', 'EXPIRED') "
                         "ORDER BY 1, 4;", "copytrade"))
        assert proc.poll() is None
        assert health_statuses[-1] == 200 or (await api.get("/healthz")).status_code == 200
        nursery.cancel_scope.cancel()

    _check_database(pg, msim, trader)


def _healthy(web: str) -> bool:
    try:
        return httpx.get(f"{web}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _check_database(pg: OwnPostgres, msim: MasterSim, trader: Trader) -> None:
    rows = pg.psql("SELECT ticket, count(*) FROM master_trades GROUP BY ticket;", "copytrade")
    trades = dict(tuple(map(int, line.split("|"))) for line in rows.split())
    assert set(trades) == trader.opened  # every open stored, none invented
    assert set(trades.values()) == {1}
    rows = pg.psql("SELECT t.ticket, c.deal FROM master_trade_closes c JOIN master_trades t "
                   "ON t.id = c.master_trade_id;", "copytrade")
    deals = [tuple(map(int, line.split("|"))) for line in rows.split()]
    assert sorted(deals) == sorted(trader.deals)  # every closing deal once
    stored_opens = {t for kind, t, _ in msim.stored if kind is CommandKind.OPEN}
    stored_closes = {(t, d) for kind, t, d in msim.stored if kind is CommandKind.CLOSE}
    assert stored_opens <= set(trades) and stored_closes <= set(deals)
    open_rows = pg.psql("SELECT ticket, open_volume FROM master_trades WHERE status = 'OPEN';",
                        "copytrade")
    db_open = {int(t): Decimal(v) for t, v in (line.split("|") for line in open_rows.split())}
    assert db_open == {t: p.volume for t, p in msim.positions.items()}
