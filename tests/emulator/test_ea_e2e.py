"""End-to-end runs of the real, compiled EAs against the real server over loopback, for what
the copy tests and the findings tests do not cover: floating P/L (``PNL``), a server restart
mid-trade, a broker disconnect, the follower EA's duplicate guard (``ALREADY_COPIED``), a
master stop-out and a database outage (``ERR|UNAVAILABLE``).

Each test checks the follower terminal's final positions and the trade pairs in PostgreSQL.
"""

from __future__ import annotations

import socket
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import trio

from copytrade.app import run_server
from copytrade.config import Settings
from copytrade.db.accounts import AccountRepository
from copytrade.ea.build import Built
from copytrade.ea.terminal import Terminal
from pgserver import own_postgres

from eaworld import EaWorld, logged_in, positions, synced, wait_positions
from polling import eventually

pytestmark = pytest.mark.slow
D = Decimal


async def pair_up(world: EaWorld, **follower: Any) -> tuple[Any, Terminal, Any, Terminal]:
    master, mkey = await world.master_account()
    f, fkey = await world.follower_account(master)
    m = await world.terminal("master", mkey)
    t = await world.terminal("follower", fkey, master_token=master.master_token, **follower)
    await logged_in(m)
    await synced(t)
    return master, m, f, t


def pnl_lines(t: Terminal) -> dict[int, list[tuple[float, str]]]:
    """PNL lines the terminal sent, per ticket: [(seconds, line)]."""
    out: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for e in t.events:
        if e["ev"] == "sent" and e["line"].startswith("PNL|"):
            out[int(e["line"].split("|")[1])].append((e["t"] / 1e6, e["line"]))
    return out


async def until(predicate: Any, timeout: float = 15, what: str = "") -> Any:
    return await eventually(predicate, timeout=timeout, interval=0.1, what=what)


# ---------------------------------------------------------------------------- PNL
async def test_floating_pnl_reaches_the_server_at_a_bounded_rate(world: EaWorld) -> None:
    """Both EAs send PNL for each open position (master: its position ticket; follower: the
    master ticket of the copy) with the symbol's digits, at most once a second per position
    and only on change; the server stores the latest values on the trade and the pair."""
    master, m, f, t = await pair_up(world)
    opened = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
    ticket = opened["position"]
    await wait_positions(t, lambda ps: len(ps) == 1)
    await world.wait_pairs(f.id, lambda rs: rs and rs[0]["status"] == "OPEN")
    bid = 1.08450
    started = trio.current_time()
    for _ in range(20):                       # a tick every 0.1 s for 2 s
        bid = round(bid + 0.00010, 5)
        for term in (m, t):
            await term.op("tick", symbol="EURUSD", bid=bid, ask=round(bid + 0.0001, 5))
        await trio.sleep(0.1)
    moving = trio.current_time() - started
    # the last price: 1.08650 bid; master bought at the ask 1.08460 -> +19 pips x 0.1 lot
    final = {"price": D("1.08650"), "profit": D("19.00")}

    async def stored() -> Any:
        await world.server.engine.ledger.flush()
        trade = await world.server.db.fetchrow(
            "SELECT current_price, floating_profit, swap FROM master_trades "
            "WHERE account_id = $1 AND ticket = $2", master.id, ticket)
        pair = await world.server.db.fetchrow(
            "SELECT fill_price, current_price, floating_profit, swap, digits FROM trade_pairs "
            "WHERE account_id = $1", f.id)
        done = (trade["current_price"] == final["price"] and pair["current_price"]
                == final["price"])
        return (trade, pair) if done else None

    trade, pair = await until(stored, what="PNL in the database")
    assert trade["floating_profit"] == final["profit"] and trade["swap"] == 0
    assert pair["floating_profit"] == final["profit"] and pair["fill_price"] == D("1.08460")
    assert pair["digits"] == 5   # the symbol's digits, from how the EA wrote the price
    for term in (m, t):
        sent = pnl_lines(term)
        assert list(sent) == [ticket], sent
        times = [s for s, _ in sent[ticket]]
        lines = [line for _, line in sent[ticket]]
        assert 2 <= len(lines) <= moving + 3, lines   # about one a second while prices move
        assert all(b - a >= 0.95 for a, b in pairwise(times)), times
        assert all(a != b for a, b in pairwise(lines)), lines
        assert lines[-1] == f"PNL|{ticket}|1.08460|1.0865|19|0", lines
    # no change, no PNL
    before = {term.name: sum(map(len, pnl_lines(term).values())) for term in (m, t)}
    await trio.sleep(1.5)
    assert {term.name: sum(map(len, pnl_lines(term).values())) for term in (m, t)} == before
    await m.op("close", position=ticket)
    await wait_positions(t, lambda ps: ps == [])
    rows = await world.wait_pairs(f.id, lambda rs: rs[0]["status"] == "CLOSED")
    assert int(rows[0]["master_ticket"]) == ticket


# ---------------------------------------------------------------------------- server restart
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RestartableServer:
    """The whole server on a fixed EA port; ``crash()`` cancels it at once (every socket cut,
    nothing flushed), ``start()`` runs it again on the same database and port."""

    def __init__(self, settings: Any, nursery: trio.Nursery) -> None:
        self.settings = settings
        self.nursery = nursery
        self.scope: trio.CancelScope | None = None
        self.done = trio.Event()

    async def start(self) -> Any:
        self.done = trio.Event()

        async def run(task_status: trio.TaskStatus[Any]) -> None:
            with trio.CancelScope() as self.scope:
                await run_server(self.settings, task_status=task_status)
            self.done.set()

        return await self.nursery.start(run)

    async def crash(self) -> None:
        assert self.scope is not None
        self.scope.cancel()
        with trio.fail_after(15):
            await self.done.wait()


async def test_server_crash_mid_trade_then_restart(
        aio_loop: None, db_url: str, tmp_path: Path, nursery: trio.Nursery, ea_dir: Path,
        built_master: Built, built_follower: Built) -> None:
    """The server dies (cancelled: every connection cut, no goodbye) while positions are open;
    meanwhile the master closes one and opens another; the server comes back on the same port.
    The master's outbox delivers both, the follower's login resync closes the copy whose
    master closed and opens the new one: no trade doubled, every pair right."""
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=0, ea_port=_free_port(),
                        ea_auth_timeout=2.0, ea_idle_timeout=6.0)
    server = RestartableServer(settings, nursery)
    world = EaWorld(await server.start(), nursery, ea_dir, built_master, built_follower)
    try:
        await world.setup()
        master, m, f, t = await pair_up(world)
        a = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
        b = await m.op("open", symbol="GBPUSD", side="SELL", volume=0.20)
        await wait_positions(t, lambda ps: len(ps) == 2)
        await world.wait_pairs(f.id, lambda rs: len(rs) == 2 and all(
            r["status"] == "OPEN" for r in rs))
        mark_m, mark_t = len(m.events), len(t.events)
        await server.crash()
        await m.op("close", position=a["position"])        # while the server is down
        c = await m.op("open", symbol="XAUUSD", side="BUY", volume=0.10)
        await m.wait_for(lambda e: e["ev"] == "print" and "disconnected" in e["text"],
                         since=mark_m)
        await trio.sleep(2)
        running = await server.start()
        world.server = running
        world.accounts = AccountRepository(running.db)
        await m.wait_line("received", f"STORED|CLOSE|{a['position']}|", since=mark_m, timeout=20)
        await m.wait_line("received", f"STORED|OPEN|{c['position']}|", since=mark_m, timeout=20)
        await t.wait_line("sent", "SYNC|", since=mark_t, timeout=20)
        ps = await wait_positions(t, lambda ps: {p["symbol"] for p in ps} == {"GBPUSD", "XAUUSD"},
                                  timeout=20)
        assert sorted((p["symbol"], p["side"], p["volume"]) for p in ps) == [
            ("GBPUSD", "SELL", 0.2), ("XAUUSD", "BUY", 0.1)]
        rows = await world.wait_pairs(f.id, lambda rs: len(rs) == 3 and [
            r["status"] for r in rs] == ["CLOSED", "OPEN", "OPEN"], timeout=20)
        assert [int(r["master_ticket"]) for r in rows] == [
            a["position"], b["position"], c["position"]]
        await trio.sleep(1)        # nothing more may arrive: no second copy of anything
        opens = [e for e in t.events if e["ev"] == "order_send" and e["position"] == 0
                 and e["retcode"] == 10009]
        assert sorted(e["symbol"] for e in opens) == ["EURUSD", "GBPUSD", "XAUUSD"]
        assert len(await positions(t)) == 2
        trades = await running.db.fetch(
            "SELECT ticket, status FROM master_trades WHERE account_id = $1 ORDER BY ticket",
            master.id)
        assert [(int(r["ticket"]), r["status"]) for r in trades] == sorted([
            (a["position"], "CLOSED"), (b["position"], "OPEN"), (c["position"], "OPEN")])
    finally:
        await world.stop()
        world.server.shutdown.set()


# ---------------------------------------------------------------------------- duplicate guard
MAGIC_BASE = 7000000000000000000


async def test_follower_refuses_a_master_ticket_already_in_its_history(world: EaWorld) -> None:
    """The follower EA's own guard (docs/protocol.md section 11): its deal history already
    holds a closed copy of master ticket T (tagged by magic and comment, e.g. from an earlier
    setup); when the server sends OPEN T it opens nothing and answers
    NACK_OPEN|T|0|ALREADY_COPIED ...; the server records the pair CLOSED, ALREADY_COPIED."""
    master, mkey = await world.master_account()
    f, fkey = await world.follower_account(master)
    m = await world.terminal("master", mkey)
    await logged_in(m)
    t = await world.terminal("follower", fkey, master_token=master.master_token, attach=False)
    opened = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
    ticket = opened["position"]
    await m.wait_line("received", f"STORED|OPEN|{ticket}|")
    old = await t.op("open", symbol="EURUSD", side="BUY", volume=0.10, magic=MAGIC_BASE + ticket,
                     comment=f"CT#{ticket}")          # the earlier copy, closed since
    await t.op("close", position=old["position"])
    await t.op("attach")
    await synced(t)
    nack = await t.wait_line("sent", f"NACK_OPEN|{ticket}|0|ALREADY_COPIED ", timeout=15)
    assert "copied on this account before" in nack
    rows = await world.wait_pairs(f.id, lambda rs: rs and rs[0]["status"] == "CLOSED")
    assert (int(rows[0]["master_ticket"]), rows[0]["reason_code"]) == (ticket, "ALREADY_COPIED")
    await trio.sleep(1)
    assert await positions(t) == []
    assert not [e for e in t.events if e["ev"] == "order_send"]
    # a new master trade is copied as usual
    fresh = await m.op("open", symbol="GBPUSD", side="SELL", volume=0.20)
    ps = await wait_positions(t, lambda ps: len(ps) == 1)
    assert (ps[0]["symbol"], ps[0]["magic"]) == ("GBPUSD", MAGIC_BASE + fresh["position"])
    rows = await world.wait_pairs(f.id, lambda rs: len(rs) == 2 and rs[1]["status"] == "OPEN")
    assert [r["status"] for r in rows] == ["CLOSED", "OPEN"]


# ---------------------------------------------------------------------------- broker disconnect
async def test_broker_disconnect_on_either_terminal(world: EaWorld) -> None:
    """TERMINAL_CONNECTED goes false and back while trades happen. Follower terminal offline:
    an OPEN fails with 10031 (no connection) and is NACKed, the pair FAILED, nothing opened
    later by surprise. Master terminal offline: a position closed at the broker meanwhile
    (its SL) is not read from the stale list; it is reported when the terminal is back. The
    link to the server stays up all along."""
    master, m, f, t = await pair_up(world)
    a = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
    await wait_positions(t, lambda ps: len(ps) == 1)

    await t.op("terminal", connected=False)                 # the follower loses its broker
    b = await m.op("open", symbol="GBPUSD", side="BUY", volume=0.20)
    nack = await t.wait_line("sent", f"NACK_OPEN|{b['position']}|10031|", timeout=15)
    assert nack
    await trio.sleep(0.5)
    await t.op("terminal", connected=True)

    await m.op("terminal", connected=False)                 # the master loses its broker
    mark = len(m.events)
    await m.op("close", position=a["position"], reason="SL")
    await trio.sleep(1.5)
    assert not m.lines("sent", "CMD_CLOSE|", since=mark)    # not while the list may be stale
    await m.op("terminal", connected=True)
    close = await m.wait_line("sent", f"CMD_CLOSE|{a['position']}|", since=mark, timeout=15)
    assert close.endswith("|0|SL")
    await wait_positions(t, lambda ps: ps == [])
    c = await m.op("open", symbol="XAUUSD", side="SELL", volume=0.10)
    ps = await wait_positions(t, lambda ps: len(ps) == 1)
    assert (ps[0]["symbol"], ps[0]["side"], ps[0]["volume"]) == ("XAUUSD", "SELL", 0.1)
    rows = await world.wait_pairs(f.id, lambda rs: len(rs) == 3 and [
        r["status"] for r in rs] == ["CLOSED", "FAILED", "OPEN"])
    assert [int(r["master_ticket"]) for r in rows] == [a["position"], b["position"],
                                                       c["position"]]
    assert rows[1]["retcode"] == 10031
    assert [p for p in t.prints("CopyTrade: disconnected")] == []
    assert [p for p in m.prints("CopyTrade: disconnected")] == []


# ---------------------------------------------------------------------------- master stop-out
async def test_master_stop_out_closes_every_copy(world: EaWorld) -> None:
    """The broker stops the master out: the master EA sends STOPOUT and CMD_CLOSE ...|SO for
    each position; every copy is closed, each pair CLOSED."""
    master, m, f, t = await pair_up(world)
    a = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
    b = await m.op("open", symbol="XAUUSD", side="SELL", volume=0.10)
    await wait_positions(t, lambda ps: len(ps) == 2)
    await world.wait_pairs(f.id, lambda rs: len(rs) == 2 and all(
        r["status"] == "OPEN" for r in rs))
    await m.op("stopout")
    for p in (a, b):
        line = await m.wait_line("sent", f"CMD_CLOSE|{p['position']}|", timeout=15)
        assert line.endswith("|0|SO")
    assert m.lines("sent", "STOPOUT|")
    await wait_positions(t, lambda ps: ps == [])
    rows = await world.wait_pairs(f.id, lambda rs: all(r["status"] == "CLOSED" for r in rs))
    assert sorted(int(r["master_ticket"]) for r in rows) == sorted([a["position"],
                                                                    b["position"]])
    closes = [line for line in t.lines("received", "CLOSE|")]
    assert all(line.endswith("|SO") for line in closes) and len(closes) == 2, closes


# ---------------------------------------------------------------------------- database outage
async def test_database_outage_the_eas_retry_until_it_is_back(
        aio_loop: None, tmp_path: Path, nursery: trio.Nursery, ea_dir: Path,
        built_master: Built, built_follower: Built) -> None:
    """PostgreSQL (this test's own, tests/pgserver.py) is stopped hard while the EAs run. The
    master's CMD_OPEN is answered ERR|UNAVAILABLE and kept in its outbox, resent with backoff
    (1 s doubling) until STORED;
    a follower EA restarted meanwhile gets ERR|UNAVAILABLE at login and logs in again with
    backoff. When PostgreSQL is back (nobody restarts the server) the trade is stored once
    and copied once."""
    with own_postgres() as pg:
        pg.psql("CREATE DATABASE ct;")
        settings = Settings(database_url=pg.url("ct"), data_dir=tmp_path, http_port=0,
                            ea_port=0, ea_auth_timeout=2.0, ea_idle_timeout=6.0)
        running = await nursery.start(lambda task_status: run_server(
            settings, task_status=task_status))
        world = EaWorld(running, nursery, ea_dir, built_master, built_follower)
        try:
            await world.setup()
            master, m, f, t = await pair_up(world)
            a = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
            await wait_positions(t, lambda ps: len(ps) == 1)
            await world.wait_pairs(f.id, lambda rs: rs and rs[0]["status"] == "OPEN")
            mark_m, mark_t = len(m.events), len(t.events)
            await trio.to_thread.run_sync(pg.stop)
            b = await m.op("open", symbol="GBPUSD", side="SELL", volume=0.20)
            await m.wait_line("received", "ERR|UNAVAILABLE|", since=mark_m, timeout=15)
            await t.op("restart")                              # a login while it is down
            await t.wait_line("received", "ERR|UNAVAILABLE|", since=mark_t, timeout=15)
            await eventually(lambda: len(m.lines("sent", "CMD_OPEN|", since=mark_m)) >= 4,
                             timeout=20, interval=0.1)  # the master resends: 1 s, 2 s, 4 s ...
            sends = [e["t"] / 1e6 for e in m.events[mark_m:]
                     if e["ev"] == "sent" and e["line"].startswith("CMD_OPEN|")]
            gaps = [b - a for a, b in pairwise(sends)]
            assert gaps[0] >= 0.9 and gaps[1] >= 1.5 * gaps[0] and gaps[2] >= 1.5 * gaps[1], gaps
            assert not m.lines("received", "STORED|", since=mark_m)
            await trio.to_thread.run_sync(pg.start)
            await m.wait_line("received", f"STORED|OPEN|{b['position']}|", since=mark_m,
                              timeout=30)
            await t.wait_line("sent", "SYNC|", since=mark_t, timeout=30)
            ps = await wait_positions(t, lambda ps: len(ps) == 2, timeout=30)
            assert sorted((p["symbol"], p["side"], p["volume"]) for p in ps) == [
                ("EURUSD", "BUY", 0.1), ("GBPUSD", "SELL", 0.2)]
            rows = await world.wait_pairs(f.id, lambda rs: len(rs) == 2 and all(
                r["status"] == "OPEN" for r in rs), timeout=30)
            assert [int(r["master_ticket"]) for r in rows] == [a["position"], b["position"]]
            trades = await running.db.fetch(
                "SELECT ticket FROM master_trades WHERE account_id = $1", master.id)
            assert sorted(int(r["ticket"]) for r in trades) == sorted([a["position"],
                                                                      b["position"]])
            await trio.sleep(1)
            opens = [e for e in t.events if e["ev"] == "order_send" and e["retcode"] == 10009]
            assert len(opens) == 2 and len(await positions(t)) == 2
        finally:
            await world.stop()
            running.shutdown.set()


# ---------------------------------------------------------------------------- 120 s idle
IDLE_RUN_S = 120


async def test_two_minutes_with_open_positions_and_no_trades_at_the_default_heartbeat(
        aio_loop: None, db_url: str, tmp_path: Path, nursery: trio.Nursery, ea_dir: Path,
        built_master: Built, built_follower: Built) -> None:
    """The issue's 120 s run with the server's default timing (heartbeat 10 s, idle timeout
    30 s): positions open, prices moving every second (ACCOUNT and PNL lines), no trades.
    The emulator runs on the wall clock (no accelerated time), so this takes two minutes.
    The link must stay up: one connection per EA, PINGs answered, the pair still OPEN."""
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=0, ea_port=0)
    running = await nursery.start(lambda task_status: run_server(
        settings, task_status=task_status))
    world = EaWorld(running, nursery, ea_dir, built_master, built_follower)
    try:
        await world.setup()
        master, m, f, t = await pair_up(world)
        assert m.lines("received", "OK|")[0].endswith("|10")   # the default heartbeat
        opened = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
        await wait_positions(t, lambda ps: len(ps) == 1)
        mark_m, mark_t = len(m.events), len(t.events)
        started = trio.current_time()
        bid = 1.08450
        while trio.current_time() - started < IDLE_RUN_S:
            bid = round(bid + (0.0001 if int(trio.current_time()) % 7 else -0.0003), 5)
            for term in (m, t):
                await term.op("tick", symbol="EURUSD", bid=bid, ask=round(bid + 0.0001, 5))
            await trio.sleep(1.0)
        for term in (m, t):
            nets = [e for e in term.events if e["ev"] == "net" and e["what"] == "connect"]
            assert len(nets) == 1, term.name
            assert not term.prints("CopyTrade: disconnected"), term.prints("CopyTrade: ")
            assert len(term.lines("sent", "PING|", since=mark_m if term is m else mark_t)) >= 8
            assert len(term.lines("received", "PONG|")) >= 8
            pnl = len(term.lines("sent", "PNL|", since=mark_m if term is m else mark_t))
            assert IDLE_RUN_S / 2 <= pnl <= IDLE_RUN_S + 5, pnl   # about one a second
        assert len(m.lines("sent", "ACCOUNT|", since=mark_m)) >= IDLE_RUN_S / 2
        rows = await world.pairs(f.id)
        assert [(r["status"], int(r["master_ticket"])) for r in rows] == [
            ("OPEN", opened["position"])]
        assert len(await positions(t)) == 1
    finally:
        await world.stop()
        running.shutdown.set()
