"""EA failover (docs/protocol.md §5, ``InpServers``), proved on the real compiled EAs: the first
address refuses, the EA connects to the next one and its login resync catches up; a server
that moves to another listed address is found again (a logged-in link retries its address
first, then moves on, wrapping around); malformed lists stop the EA at OnInit with an alert."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio
from test_ea_e2e import RestartableServer

from copytrade.config import Settings
from copytrade.db.accounts import AccountRepository
from copytrade.ea.build import Built
from copytrade.ea.terminal import Terminal

from eaworld import EaWorld, logged_in, positions, synced, wait_positions


def refused_port() -> int:
    """A loopback port nobody listens on (bound, then closed: connect is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def connects(t: Terminal, since: int = 0) -> list[int]:
    """Ports the terminal's sockets connected to, in order."""
    return [e["port"] for e in t.events[since:] if e["ev"] == "net" and e["what"] == "connect"]


def prints(t: Terminal, words: str, since: int = 0) -> list[str]:
    return [e["text"] for e in t.events[since:] if e["ev"] == "print" and words in e["text"]]


async def test_first_address_refused_the_ea_connects_to_the_second_and_resyncs(
        world: EaWorld) -> None:
    dead, live = refused_port(), world.server.ea_port
    servers = f"127.0.0.1:{dead}, 127.0.0.1:{live}"
    master, mkey = await world.master_account()
    f, fkey = await world.follower_account(master)
    m = await world.terminal("master", mkey, inputs={"InpServers": servers, "InpPort": 1})
    await logged_in(m)
    assert prints(m, f"cannot connect to 127.0.0.1:{dead}")
    assert prints(m, f"to 127.0.0.1:{live}")           # "next attempt in N s to ..."
    assert connects(m) == [live]
    opened = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
    await m.wait_line("received", f"STORED|OPEN|{opened['position']}|")
    # The follower starts after the master's trade: its login resync opens the copy.
    t = await world.terminal("follower", fkey, master_token=master.master_token,
                             inputs={"InpServers": servers})
    await synced(t)
    assert prints(t, f"cannot connect to 127.0.0.1:{dead}") and connects(t) == [live]
    ps = await wait_positions(t, lambda ps: len(ps) == 1)
    assert (ps[0]["symbol"], ps[0]["side"], ps[0]["volume"]) == ("EURUSD", "BUY", 0.1)
    rows = await world.wait_pairs(f.id, lambda rs: rs and rs[0]["status"] == "OPEN")
    assert [int(r["master_ticket"]) for r in rows] == [opened["position"]]


@pytest.mark.parametrize(("role", "inputs", "words"), [
    ("master", {"InpServers": "127.0.0.1:0"}, "InpServers: entry 1: the port 0 is out of range"),
    ("master", {"InpServers": "a:5555,,b:5555"}, "InpServers: entry 2 is empty"),
    ("follower", {"InpServers": "127.0.0.1:65536"}, "out of range"),
    ("follower", {"InpServers": "127.0.0.1:55x"}, "is not a number"),
    ("follower", {"InpServers": "a:1,A:1"}, "listed twice"),
    ("master", {"InpServers": "", "InpPort": 70000}, "InpHost/InpPort: the port 70000"),
    ("follower", {"InpServers": " ", "InpHost": ""}, "InpHost/InpPort: the host is empty"),
])
async def test_malformed_server_inputs_stop_the_ea_at_init(
        world: EaWorld, role: str, inputs: dict[str, Any], words: str) -> None:
    master, mkey = await world.master_account()
    key = mkey
    if role == "follower":
        _, key = await world.follower_account(master)
    t = await world.terminal(role, key, inputs=inputs)
    alert = await t.wait_for(lambda e: e["ev"] == "alert")
    assert words in alert["text"], alert
    init = await t.wait_for(lambda e: e["ev"] == "init")
    assert init["ret"] != 0
    await trio.sleep(0.5)
    assert connects(t) == []                          # it never tried to connect


@pytest.mark.slow
async def test_server_moving_to_another_listed_address_is_found_and_resynced(
        aio_loop: None, db_url: str, tmp_path: Path, nursery: trio.Nursery, ea_dir: Path,
        built_master: Built, built_follower: Built) -> None:
    """The server runs on the second address, dies, and comes back on the first (as when a
    node dies and its EAs must reach another): each EA retries the address it was logged in
    to, then moves on (wrapping to the first) and logs in there; the master's outbox and the
    follower's login resync make every copy right, none doubled."""
    first, second = refused_port(), refused_port()
    servers = f"127.0.0.1:{first},127.0.0.1:{second}"
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=0, ea_port=second,
                        ea_auth_timeout=2.0, ea_idle_timeout=6.0)
    server = RestartableServer(settings, nursery)
    world = EaWorld(await server.start(), nursery, ea_dir, built_master, built_follower)
    try:
        await world.setup()
        master, mkey = await world.master_account()
        f, fkey = await world.follower_account(master)
        m = await world.terminal("master", mkey, inputs={"InpServers": servers})
        t = await world.terminal("follower", fkey, master_token=master.master_token,
                                 inputs={"InpServers": servers})
        await logged_in(m)
        await synced(t)
        assert connects(m) == [second] and connects(t) == [second]
        a = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
        await wait_positions(t, lambda ps: len(ps) == 1)
        mark_m, mark_t = len(m.events), len(t.events)
        await server.crash()
        await m.op("close", position=a["position"])          # while no server runs
        b = await m.op("open", symbol="GBPUSD", side="SELL", volume=0.20)
        server.settings = attrs.evolve(settings, ea_port=first)
        running = await server.start()
        world.server = running
        world.accounts = AccountRepository(running.db)
        await m.wait_line("received", f"STORED|OPEN|{b['position']}|", since=mark_m, timeout=30)
        await m.wait_line("received", f"STORED|CLOSE|{a['position']}|", since=mark_m, timeout=30)
        await t.wait_line("sent", "SYNC|", since=mark_t, timeout=30)
        for term, mark in ((m, mark_m), (t, mark_t)):
            # the same address first (it was logged in there), refused, then the next one
            assert prints(term, f"cannot connect to 127.0.0.1:{second}", mark), term.name
            assert connects(term, mark) == [first], term.name
        ps = await wait_positions(t, lambda ps: [p["symbol"] for p in ps] == ["GBPUSD"],
                                  timeout=20)
        assert (ps[0]["side"], ps[0]["volume"]) == ("SELL", 0.2)
        rows = await world.wait_pairs(f.id, lambda rs: [r["status"] for r in rs] == [
            "CLOSED", "OPEN"], timeout=20)
        assert [int(r["master_ticket"]) for r in rows] == [a["position"], b["position"]]
        await trio.sleep(1)
        opens = [e for e in t.events if e["ev"] == "order_send" and e["position"] == 0
                 and e["retcode"] == 10009]
        assert sorted(e["symbol"] for e in opens) == ["EURUSD", "GBPUSD"]
        assert len(await positions(t)) == 1
    finally:
        await world.stop()
        world.server.shutdown.set()
