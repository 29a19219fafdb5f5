"""Pending orders in the emulator (docs/protocol.md §7a, §9a): the terminal's order list and
fills, and the real follower EA copying a master's orders through the real server.

The master side here is the protocol simulator (``copytrade.sim.master``) unless a test says
otherwise; the follower is the compiled CopyTradeFollower EA in an emulated terminal.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
import trio

from copytrade.domain.pending import OrderType
from copytrade.ea.terminal import Terminal, TerminalError
from copytrade.protocol import OrderEnd
from copytrade.sim.master import MasterSim

from eaworld import EaWorld, logged_in, orders, synced, wait_orders, wait_positions

pytestmark = pytest.mark.slow
D = Decimal


async def order_pairs(world: EaWorld, follower_id: int) -> list[Any]:
    await world.server.engine.ledger.flush()
    return list(await world.server.db.fetch(
        "SELECT p.*, o.ticket AS master_ticket, o.status AS master_status FROM order_pairs p "
        "JOIN master_orders o ON o.id = p.order_id WHERE p.account_id = $1 ORDER BY p.id",
        follower_id))


async def wait_order_pairs(world: EaWorld, follower_id: int, predicate: Any,
                           timeout: float = 15) -> list[Any]:
    with trio.fail_after(timeout):
        while True:
            rows = await order_pairs(world, follower_id)
            if predicate(rows):
                return rows
            await trio.sleep(0.05)


async def sim_master(world: EaWorld) -> tuple[Any, MasterSim]:
    master, key = await world.master_account()
    sim = MasterSim("127.0.0.1", world.server.ea_port, key)
    await world.nursery.start(sim.run)
    return master, sim


async def test_emulator_order_list_fill_and_expiry(world: EaWorld) -> None:
    """The terminal alone: place/modify/cancel, refusals, a fill when the price crosses (the
    position carries the order's ticket), expiry."""
    master, key = await world.master_account()
    t = await world.terminal("master", key, attach=False)
    with pytest.raises(TerminalError, match="invalid price"):
        await t.place_order("EURUSD", "BUY_LIMIT", 0.1, 1.09)     # above the ask
    with pytest.raises(TerminalError, match="unknown symbol"):
        await t.place_order("NOPE", "BUY_LIMIT", 0.1, 1.0)
    with pytest.raises(TerminalError, match="no such order"):
        await t.cancel_order(424242)
    with pytest.raises(TerminalError, match="invalid order type"):
        await t.place_order("EURUSD", "BUY", 0.1, 1.08)           # a market type
    with pytest.raises(TerminalError, match="volume must be above 0"):
        await t.place_order("EURUSD", "BUY_LIMIT", 0, 1.08)
    with pytest.raises(TerminalError, match="invalid expiration"):
        await t.place_order("EURUSD", "BUY_LIMIT", 0.1, 1.08, expiration=1000)
    with pytest.raises(TerminalError, match="no such order"):
        await t.modify_order(424242, price=1.0)
    limit = await t.place_order("EURUSD", "BUY_LIMIT", 0.1, 1.08, sl=1.07, tp=1.09, magic=5)
    gone = await t.place_order("EURUSD", "SELL_STOP", 0.2, 1.08)
    expiring = await t.place_order("GBPUSD", "SELL_LIMIT", 0.1, 1.3,
                                   expiration=int(time.time()) + 1)
    await t.modify_order(limit, price=1.081, sl=1.071)
    await t.cancel_order(gone)
    os = await orders(t)
    assert [(o["ticket"], o["type"], o["price"], o["sl"], o["tp"]) for o in os] == [
        (limit, "BUY_LIMIT", 1.081, 1.071, 1.09), (expiring, "SELL_LIMIT", 1.3, 0, 0)]
    await t.set_price("EURUSD", 1.0809, 1.0810)                   # the ask reaches 1.081
    os = await wait_orders(t, lambda os: [o["ticket"] for o in os] == [expiring])
    ps = (await t.state())["positions"]
    assert [(p["ticket"], p["id"], p["side"], p["volume"], p["sl"], p["tp"], p["magic"])
            for p in ps] == [(limit, limit, "BUY", 0.1, 1.071, 1.09, 5)]
    fill = next(e for e in t.events if e["ev"] == "deal" and e["order"] == limit)
    assert (fill["position"], fill["entry"]) == (limit, "IN")
    await wait_orders(t, lambda os: os == [], timeout=5)          # expired meanwhile
    assert any(e["ev"] == "order" and e["what"] == "expired" and e["order"] == expiring
               for e in t.events)


async def test_follower_ea_copies_place_modify_cancel_reversed(world: EaWorld) -> None:
    master, msim = await sim_master(world)
    follower, fkey = await world.follower_account(master)
    f = await world.terminal("follower", fkey, master_token=master.master_token,
                             inputs={"InpReverseTrade": "true"})
    await logged_in(f)
    await synced(f)
    assert f.lines("sent", "SYNC|")[-1].count("|") == 3          # N_ORDERS: copies orders

    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.08"),
                                    D("1.07"), D("1.09"))
    os = await wait_orders(f, lambda os: len(os) == 1)
    o = os[0]
    # reversed: BUY_LIMIT -> SELL_STOP at the same price, SL/TP swapped (domain/pending.py)
    assert (o["symbol"], o["type"], o["volume"], o["price"], o["sl"], o["tp"], o["comment"]) == (
        "EURUSD", "SELL_STOP", 0.1, 1.08, 1.09, 1.07, f"CT#{ticket}")
    rows = await wait_order_pairs(world, follower.id, lambda r: r and r[0]["status"] == "PLACED")
    assert int(rows[0]["slave_ticket"]) == o["ticket"]

    await msim.modify_order(ticket, price=D("1.079"))
    await wait_orders(f, lambda os: os and os[0]["price"] == 1.079)
    await f.wait_line("sent", f"ACK_ORDER_MODIFY|{ticket}|1.079|")

    await msim.cancel_order(ticket, OrderEnd.CANCELLED)
    await wait_orders(f, lambda os: os == [])
    await f.wait_line("sent", f"ACK_ORDER_CANCEL|{ticket}|{o['ticket']}|0")
    rows = await wait_order_pairs(world, follower.id,
                                  lambda r: r and r[0]["status"] == "CANCELLED")
    assert len(rows) == 1


async def test_follower_copy_fills_then_master_fill_and_close(world: EaWorld) -> None:
    """Price crosses on the follower first: its copy fills; the master's fill (CMD_OPEN with the
    order's ticket) is answered with that position, and the master's close flattens it."""
    master, msim = await sim_master(world)
    follower, fkey = await world.follower_account(master)
    f = await world.terminal("follower", fkey, master_token=master.master_token)
    await logged_in(f)
    await synced(f)
    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.08"))
    os = await wait_orders(f, lambda os: len(os) == 1)
    copy = os[0]["ticket"]
    await msim.wait_stored()

    await f.set_price("EURUSD", 1.0799, 1.0800)                  # the copy fills
    ps = await wait_positions(f, lambda ps: len(ps) == 1)
    assert (ps[0]["ticket"], ps[0]["side"], ps[0]["comment"]) == (copy, "BUY", f"CT#{ticket}")
    await msim.open("EURUSD", volume=D("0.10"), price=D("1.08"), ticket=ticket)   # the fill
    await msim.wait_stored()
    await f.wait_line("sent", f"ACK_OPEN|{ticket}|{copy}|0.1|BUY")
    pairs = await world.wait_pairs(follower.id, lambda rs: len(rs) == 1
                                   and rs[0]["status"] == "OPEN")
    assert int(pairs[0]["slave_ticket"]) == copy
    rows = await wait_order_pairs(world, follower.id, lambda r: r and r[0]["status"] == "FILLED")
    assert rows[0]["master_status"] == "FILLED"

    await msim.close(ticket, price=D("1.081"))
    await wait_positions(f, lambda ps: ps == [])
    await world.wait_pairs(follower.id, lambda rs: rs[0]["status"] == "CLOSED")
    assert (await orders(f)) == []


async def test_unfilled_copy_is_removed_and_opened_at_market_on_the_master_fill(
        world: EaWorld) -> None:
    master, msim = await sim_master(world)
    follower, fkey = await world.follower_account(master)
    f = await world.terminal("follower", fkey, master_token=master.master_token)
    await logged_in(f)
    await synced(f)
    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.084"))
    await wait_orders(f, lambda os: len(os) == 1)
    await msim.wait_stored()
    # The master filled at 1.084; the follower's market is still at 1.0846 (6 points away).
    await msim.open("EURUSD", volume=D("0.10"), price=D("1.0846"), ticket=ticket)
    ps = await wait_positions(f, lambda ps: len(ps) == 1)
    assert (ps[0]["side"], ps[0]["volume"], ps[0]["comment"]) == ("BUY", 0.1, f"CT#{ticket}")
    assert (await orders(f)) == []                                # the pending copy removed
    await world.wait_pairs(follower.id, lambda rs: len(rs) == 1 and rs[0]["status"] == "OPEN")


async def test_login_report_carries_the_pending_copies(world: EaWorld) -> None:
    """A pending copy the EA holds is reported as ORD at login, with N_ORDERS in SYNC."""
    master, msim = await sim_master(world)
    follower, fkey = await world.follower_account(master)
    f = await world.terminal("follower", fkey, master_token=master.master_token)
    await logged_in(f)
    await synced(f)
    ticket = await msim.place_order("EURUSD", OrderType.SELL_LIMIT, D("0.10"), D("1.09"),
                                    expiration_ms=(int(time.time()) + 3600) * 1000)
    os = await wait_orders(f, lambda os: len(os) == 1)
    mark = len(f.events)
    await f.op("restart")
    await f.wait_line("sent", "SYNC|", since=mark)
    ords = f.lines("sent", "ORD|", since=mark)
    assert ords == [f"ORD|{ticket}|{os[0]['ticket']}|EURUSD|SELL_LIMIT|0.1|1.09|0|0|0|"
                    f"{os[0]['expiration'] * 1000}"]
    assert f.lines("sent", "SYNC|", since=mark)[-1].endswith("|0|1")
    await trio.sleep(0.5)
    assert len(await orders(f)) == 1                              # nothing placed twice
    rows = await order_pairs(world, follower.id)
    assert [r["status"] for r in rows] == ["PLACED"]


# ---------------------------------------------------------------- the real master EA


async def real_pair(world: EaWorld, *, reverse: bool = False) -> tuple[Any, Any, Terminal,
                                                                       Terminal]:
    master, mkey = await world.master_account()
    follower, fkey = await world.follower_account(master)
    m = await world.terminal("master", mkey)
    f = await world.terminal("follower", fkey, master_token=master.master_token,
                             inputs={"InpReverseTrade": "true"} if reverse else None)
    for t in (m, f):
        await logged_in(t)
    await synced(f)
    return master, follower, m, f


async def test_master_ea_place_modify_cancel_reach_the_follower_reversed(
        world: EaWorld) -> None:
    _master, follower, m, f = await real_pair(world, reverse=True)
    expires = int(time.time()) + 3600
    ticket = await m.place_order("EURUSD", "BUY_LIMIT", 0.1, 1.08, sl=1.07, tp=1.09,
                                 expiration=expires)
    await m.wait_line("sent", f"CMD_ORDER|BUY_LIMIT|EURUSD|1.08|0.1|1.07|1.09|{ticket}|0|"
                      f"{expires * 1000}")
    await m.wait_line("received", f"STORED|ORDER|{ticket}|0")
    os = await wait_orders(f, lambda os: len(os) == 1)
    assert (os[0]["type"], os[0]["price"], os[0]["sl"], os[0]["tp"], os[0]["expiration"],
            os[0]["comment"]) == ("SELL_STOP", 1.08, 1.09, 1.07, expires, f"CT#{ticket}")
    rows = await wait_order_pairs(world, follower.id, lambda r: r and r[0]["status"] == "PLACED")
    assert int(rows[0]["slave_ticket"]) == os[0]["ticket"]

    await m.modify_order(ticket, price=1.079, sl=1.069)
    line = await m.wait_line("sent", f"CMD_ORDER_MODIFY|{ticket}|1.079|1.069|1.09|0|"
                             f"{expires * 1000}")
    assert line.rstrip() == (f"CMD_ORDER_MODIFY|{ticket}|1.079|1.069|1.09|0|{expires * 1000}"
                             "|0.1")   # the order's current volume, VOLUME
    await wait_orders(f, lambda os: os and (os[0]["price"], os[0]["sl"], os[0]["tp"]) == (
        1.079, 1.09, 1.069))

    await m.cancel_order(ticket)
    await m.wait_line("sent", f"CMD_ORDER_CANCEL|{ticket}|CANCELLED")
    await wait_orders(f, lambda os: os == [])
    rows = await wait_order_pairs(world, follower.id,
                                  lambda r: r and r[0]["status"] == "CANCELLED")
    assert rows[0]["master_status"] == "CANCELLED"


async def test_master_ea_order_expiry_is_reported_expired(world: EaWorld) -> None:
    _master, follower, m, f = await real_pair(world)
    ticket = await m.place_order("EURUSD", "SELL_LIMIT", 0.1, 1.09,
                                 expiration=int(time.time()) + 2)
    await wait_orders(f, lambda os: len(os) == 1)
    await m.wait_line("sent", f"CMD_ORDER_CANCEL|{ticket}|EXPIRED", timeout=15)
    await wait_orders(f, lambda os: os == [])          # expired at the follower's broker too
    rows = await wait_order_pairs(world, follower.id, lambda r: r and r[0]["master_status"]
                                  in ("EXPIRED", "CANCELLED"))
    assert rows[0]["master_status"] == "EXPIRED"


@pytest.mark.parametrize("reverse", [False, True])
async def test_master_ea_fill_both_fill_then_close_flattens(world: EaWorld,
                                                            reverse: bool) -> None:
    _master, follower, m, f = await real_pair(world, reverse=reverse)
    ticket = await m.place_order("EURUSD", "BUY_LIMIT", 0.1, 1.08)
    os = await wait_orders(f, lambda os: len(os) == 1)
    copy = os[0]["ticket"]
    await m.wait_line("received", f"STORED|ORDER|{ticket}|0")
    for t in (f, m):                                    # the price falls to 1.08 on both
        await t.set_price("EURUSD", 1.0800, 1.0800)
    ps = await wait_positions(m, lambda ps: len(ps) == 1)
    assert (ps[0]["ticket"], ps[0]["id"]) == (ticket, ticket)
    await m.wait_line("sent", f"CMD_OPEN|BUY|EURUSD|1.08|0.1|0|0|{ticket}")
    side = "SELL" if reverse else "BUY"
    await f.wait_line("sent", f"ACK_OPEN|{ticket}|{copy}|0.1|{side}")
    fps = await wait_positions(f, lambda ps: len(ps) == 1)
    assert (fps[0]["ticket"], fps[0]["side"]) == (copy, side)
    pairs = await world.wait_pairs(follower.id, lambda rs: len(rs) == 1
                                   and rs[0]["status"] == "OPEN")
    assert int(pairs[0]["slave_ticket"]) == copy
    rows = await wait_order_pairs(world, follower.id, lambda r: r and r[0]["status"] == "FILLED")
    assert rows[0]["master_status"] == "FILLED"
    assert not m.lines("sent", f"CMD_ORDER_CANCEL|{ticket}|")

    await m.op("close", position=ticket)
    await wait_positions(f, lambda ps: ps == [])
    await world.wait_pairs(follower.id, lambda rs: rs[0]["status"] == "CLOSED")
    assert (await orders(f)) == [] and (await orders(m)) == []


async def test_master_ea_restart_remembers_orders_and_reports_a_cancel_made_while_away(
        world: EaWorld) -> None:
    """The state file keeps the reported orders: a restart resends nothing, and an order
    cancelled while the EA was off is reported at the next start."""
    _master, follower, m, f = await real_pair(world)
    ticket = await m.place_order("EURUSD", "BUY_STOP", 0.1, 1.09)
    await m.wait_line("received", f"STORED|ORDER|{ticket}|0")
    await wait_orders(f, lambda os: len(os) == 1)
    await m.op("detach")
    await m.cancel_order(ticket)
    mark = len(m.events)
    await m.op("attach")
    await m.wait_line("sent", f"CMD_ORDER_CANCEL|{ticket}|CANCELLED", since=mark, timeout=15)
    assert not m.lines("sent", "CMD_ORDER|", since=mark)
    await wait_orders(f, lambda os: os == [])
    await wait_order_pairs(world, follower.id, lambda r: r and r[0]["status"] == "CANCELLED")


async def test_follower_ea_resizes_a_copy_when_the_masters_order_volume_changes(
        world: EaWorld) -> None:
    """CMD_ORDER_MODIFY with VOLUME → ORDER_MODIFY with the copy's new VOLUME: the real
    follower EA removes its copy and places it again (same tag, new volume, the target
    values); a modify without VOLUME changes the order in place."""
    master, msim = await sim_master(world)
    follower, fkey = await world.follower_account(master)
    f = await world.terminal("follower", fkey, master_token=master.master_token)
    await logged_in(f)
    await synced(f)
    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.08"))
    first = (await wait_orders(f, lambda os: len(os) == 1))[0]
    await wait_order_pairs(world, follower.id, lambda r: r and r[0]["status"] == "PLACED")

    await msim.modify_order(ticket, price=D("1.079"), volume=D("0.06"))
    await f.wait_line("received", f"ORDER_MODIFY|{ticket}|1.079|0|0|0|0|0.06")
    os = await wait_orders(f, lambda os: len(os) == 1 and os[0]["volume"] == 0.06)
    assert (os[0]["type"], os[0]["price"], os[0]["comment"]) == ("BUY_LIMIT", 1.079,
                                                                 f"CT#{ticket}")
    assert os[0]["ticket"] != first["ticket"]   # removed and placed again
    await f.wait_line("sent", f"ACK_ORDER_MODIFY|{ticket}|1.079|")
    rows = await wait_order_pairs(world, follower.id, lambda r: r[0]["volume"] == D("0.06"))
    assert rows[0]["status"] == "PLACED"

    await msim.modify_order(ticket, price=D("1.078"))   # no VOLUME: in place
    os = await wait_orders(f, lambda os: os and os[0]["price"] == 1.078)
    assert os[0]["volume"] == 0.06 and len(os) == 1
