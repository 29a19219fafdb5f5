"""End-to-end runs of the real, compiled EAs against the real server over loopback, for what
the copy tests and the findings tests do not cover: floating P/L (``PNL``), a server restart
mid-trade, a broker disconnect, the follower EA's duplicate guard (``ALREADY_COPIED``), a
master stop-out and a database outage (``ERR|UNAVAILABLE``).

Each test checks the follower terminal's final positions and the trade pairs in PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import trio

from copytrade.ea.terminal import Terminal

from eaworld import EaWorld, logged_in, positions, synced, wait_positions

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
    with trio.fail_after(timeout):
        while True:
            value = await predicate()
            if value:
                return value
            await trio.sleep(0.1)


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
    for _ in range(20):                       # a tick every 0.1 s for 2 s
        bid = round(bid + 0.00010, 5)
        for term in (m, t):
            await term.op("tick", symbol="EURUSD", bid=bid, ask=round(bid + 0.0001, 5))
        await trio.sleep(0.1)
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
        assert 2 <= len(lines) <= 5, lines           # ~2.4 s of changes: about one a second
        assert all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False)), times
        assert all(a != b for a, b in zip(lines, lines[1:], strict=False)), lines
        assert lines[-1] == f"PNL|{ticket}|1.08460|1.08650|19.00|0.00", lines
    # no change, no PNL
    before = {term.name: sum(map(len, pnl_lines(term).values())) for term in (m, t)}
    await trio.sleep(1.5)
    assert {term.name: sum(map(len, pnl_lines(term).values())) for term in (m, t)} == before
    await m.op("close", position=ticket)
    await wait_positions(t, lambda ps: ps == [])
    rows = await world.wait_pairs(f.id, lambda rs: rs[0]["status"] == "CLOSED")
    assert int(rows[0]["master_ticket"]) == ticket
