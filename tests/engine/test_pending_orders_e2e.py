"""Pending orders end to end over real TCP and PostgreSQL (docs/protocol.md §7a, §9a):
place, modify, cancel, fill then close, the reverse table, guards, resync, malformed lines."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import trio

from copytrade.domain.pending import OrderType
from copytrade.domain.risk_limits import Control
from copytrade.protocol import CopyClose, CopyOrderCancel, CopyOrderModify, ErrorCode, OrderEnd

from helpers import World, set_rules
from polling import eventually


async def order_pairs(server: Any, follower_id: int | None = None) -> list[Any]:
    await server.engine.ledger.flush()
    sql = ("SELECT p.*, o.ticket AS master_ticket, o.status AS master_status FROM order_pairs p "
           "JOIN master_orders o ON o.id = p.order_id")
    if follower_id is None:
        return await server.db.fetch(sql + " ORDER BY p.id")
    return await server.db.fetch(sql + " WHERE p.account_id = $1 ORDER BY p.id", follower_id)


async def wait_order_pairs(server: Any, predicate: Any, timeout: float = 10) -> list[Any]:
    rows: list[Any] = await eventually(lambda: order_pairs(server), predicate, timeout=timeout)
    return rows


async def test_place_modify_cancel_reach_the_follower(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master, suffix=".m")
    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.08000"),
                                    D("1.07000"), D("1.09000"), expiration_ms=1893456000000)
    await msim.wait_stored()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    o = fsim.orders[ticket]
    assert (o.symbol, o.order_type, o.volume, o.price, o.sl, o.tp, o.expiration_ms) == (
        "EURUSD.m", OrderType.BUY_LIMIT, D("0.1"), D("1.08"), D("1.07"), D("1.09"),
        1893456000000)
    rows = await wait_order_pairs(server, lambda r: r and r[0]["status"] == "PLACED")
    assert rows[0]["slave_ticket"] == o.ticket and rows[0]["sent_at"] is not None

    await msim.modify_order(ticket, price=D("1.07900"), sl=D("1.06900"))
    await msim.wait_stored()
    await fsim.wait_for(lambda: fsim.orders[ticket].price == D("1.079"))
    assert (fsim.orders[ticket].sl, fsim.orders[ticket].tp) == (D("1.069"), D("1.09"))
    # A resend of the same modify is STORED again and sends nothing new.
    before = sum(isinstance(m, CopyOrderModify) for m in fsim.received)
    await msim.modify_order(ticket, price=D("1.079"))
    await msim.wait_stored()

    await msim.cancel_order(ticket)
    await msim.wait_stored()
    await fsim.wait_for(lambda: ticket not in fsim.orders)
    rows = await wait_order_pairs(server, lambda r: r[0]["status"] == "CANCELLED")
    assert rows[0]["master_status"] == "CANCELLED"
    assert sum(isinstance(m, CopyOrderModify) for m in fsim.received) == before


async def test_resent_order_is_stored_once_and_placed_once(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.place_order()
    await msim.wait_stored()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await msim._emit(msim.orders[ticket])  # the STORED was "lost": the EA resends
    await msim.wait_stored()
    n = await server.db.fetchval("SELECT count(*) FROM master_orders WHERE ticket = $1", ticket)
    assert n == 1
    assert len(await order_pairs(server)) == 1
    from copytrade.protocol import CopyOrder
    assert sum(isinstance(m, CopyOrder) for m in fsim.received) == 1


async def test_fill_on_both_sides_links_the_position_and_its_close_follows(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.place_order("EURUSD", OrderType.SELL_STOP, D("0.20"), D("1.08000"))
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: r and r[0]["status"] == "PLACED")
    assert await fsim.move_price("EURUSD", D("1.07990")) == [ticket]
    own_fill = fsim.positions[ticket].ticket
    await msim.fill_order(ticket)
    await msim.wait_stored()
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")
    assert rows[0]["slave_ticket"] == own_fill  # the follower's own filled order, not a 2nd
    assert fsim.open_log == [ticket]
    order = await server.db.fetchrow("SELECT * FROM master_orders WHERE ticket = $1", ticket)
    trade = await server.db.fetchrow("SELECT * FROM master_trades WHERE ticket = $1", ticket)
    assert order["status"] == "FILLED" and order["trade_id"] == trade["id"]
    assert (await order_pairs(server))[0]["status"] == "FILLED"
    await msim.close(ticket)
    await msim.wait_stored()
    await fsim.wait_for(lambda: ticket not in fsim.positions)
    await w.wait_pairs(lambda r: r[0]["status"] == "CLOSED")


async def test_master_fill_with_follower_order_unfilled_opens_at_market(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.place_order("EURUSD", OrderType.BUY_STOP, D("0.10"), D("1.09000"))
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await msim.fill_order(ticket, price=D("1.09010"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    assert ticket not in fsim.orders and fsim.cancelled_orders == [ticket]
    assert fsim.positions[ticket].side.value == "BUY"
    await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")


async def test_follower_filled_alone_then_master_cancels_closes_the_copy(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.08000"))
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await fsim.move_price("EURUSD", D("1.07990"))
    await msim.cancel_order(ticket)
    await fsim.wait_for(lambda: ticket not in fsim.positions)
    assert any(isinstance(m, CopyClose) and m.master_ticket == ticket for m in fsim.received)
    rows = await wait_order_pairs(server, lambda r: r and r[0]["status"] == "CANCELLED")
    assert rows[0]["reason_code"] == "FILLED_BEFORE_CANCEL"


async def test_reverse_table_and_stop_limit_not_reversed(server, world):
    w = world
    master, msim = await w.master()
    rev, fsim = await w.follower(master)
    await set_rules(server, rev, reverse=True)
    expected = {OrderType.BUY_LIMIT: OrderType.SELL_STOP, OrderType.SELL_LIMIT: OrderType.BUY_STOP,
                OrderType.BUY_STOP: OrderType.SELL_LIMIT, OrderType.SELL_STOP: OrderType.BUY_LIMIT}
    tickets = {}
    for master_type in expected:
        tickets[master_type] = await msim.place_order("EURUSD", master_type, D("0.10"),
                                                      D("1.08"), D("1.07"), D("1.09"))
    await fsim.wait_for(lambda: all(t in fsim.orders for t in tickets.values()))
    for master_type, t in tickets.items():
        o = fsim.orders[t]
        assert o.order_type is expected[master_type]
        assert (o.price, o.sl, o.tp) == (D("1.08"), D("1.09"), D("1.07"))  # same price, swapped
    sl_ticket = await msim.place_order("EURUSD", OrderType.BUY_STOP_LIMIT, D("0.1"), D("1.09"),
                                       stoplimit=D("1.089"))
    rows = await wait_order_pairs(server, lambda r: any(
        p["master_ticket"] == sl_ticket for p in r))
    skipped = next(p for p in rows if p["master_ticket"] == sl_ticket)
    assert (skipped["status"], skipped["reason_code"]) == ("SKIPPED", "ORDER_NOT_REVERSIBLE")
    assert sl_ticket not in fsim.orders


async def test_close_only_refuses_new_pending_orders(server, world):
    w = world
    master, msim = await w.master()
    follower, fsim = await w.follower(master)
    await server.engine.guards.set_control(follower.id, Control.CLOSE_ONLY)
    ticket = await msim.place_order()
    rows = await wait_order_pairs(server, lambda r: len(r) == 1)
    assert (rows[0]["status"], rows[0]["reason_code"]) == ("SKIPPED", "CLOSE_ONLY")
    assert ticket not in fsim.orders


async def test_resync_after_reconnect_places_modifies_and_cancels(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    kept = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.1"), D("1.08"))
    gone = await msim.place_order("EURUSD", OrderType.SELL_LIMIT, D("0.1"), D("1.10"))
    await fsim.wait_for(lambda: kept in fsim.orders and gone in fsim.orders)
    await wait_order_pairs(server, lambda r: len(r) == 2 and all(
        p["status"] == "PLACED" for p in r))
    fsim.stop()
    await trio.sleep(0.2)
    await msim.modify_order(kept, price=D("1.07"))
    await msim.cancel_order(gone, OrderEnd.EXPIRED)
    missed = await msim.place_order("GBPUSD", OrderType.BUY_STOP, D("0.1"), D("1.30"))
    await msim.wait_stored()
    fsim.received.clear()
    await w.start_follower(fsim)
    await fsim.wait_for(lambda: missed in fsim.orders and gone not in fsim.orders
                        and fsim.orders[kept].price == D("1.07"))
    assert any(isinstance(m, CopyOrderCancel) and m.reason is OrderEnd.EXPIRED
               for m in fsim.received)
    rows = {p["master_ticket"]: p for p in await wait_order_pairs(
        server, lambda r: len(r) == 3 and [p["status"] for p in r] == [
            "PLACED", "CANCELLED", "PLACED"])}
    assert {t: p["status"] for t, p in rows.items()} == {
        kept: "PLACED", gone: "CANCELLED", missed: "PLACED"}


async def test_resync_cancels_a_copy_removed_by_hand(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.place_order()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: r and r[0]["status"] == "PLACED")
    fsim.stop()
    del fsim.orders[ticket]  # removed on the terminal while the EA was away
    await w.start_follower(fsim)
    rows = await wait_order_pairs(server, lambda r: r[0]["status"] == "CANCELLED")
    assert rows[0]["reason_code"] == "ORDER_CANCELLED_OUTSIDE"
    assert ticket not in fsim.orders


async def test_malformed_and_unknown_order_lines_get_clear_errors(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    await msim.send_raw(b"CMD_ORDER|BUY_LIMIT|EURUSD|1.08|0.123456|0|0|7001|0|0\n")
    await msim.send_raw(b"CMD_ORDER|BUY_LIMIT|EURUSD|1.08|0.1|0|0|7002|1.07|0\n")
    await msim.send_raw(b"CMD_ORDER_CANCEL|999999|CANCELLED\n")
    await msim.send_raw(b"CMD_ORDER_MODIFY|999999|1|0|0|0|0\n")
    await msim.send_raw(b"ORDER_CANCEL|7001|CANCELLED\n")
    errors = lambda: [m for m in msim.received if type(m).__name__ == "Error"]  # noqa: E731
    await msim.wait_for(lambda: len(errors()) == 5)
    got = [(e.code.value, e.text.split(":")[0]) for e in errors()]
    assert got == [("MALFORMED", "volume"), ("MALFORMED", "stoplimit"),
                   ("UNKNOWN_TICKET", "unknown order ticket 999999"),
                   ("UNKNOWN_TICKET", "unknown order ticket 999999"),
                   ("UNKNOWN_COMMAND", "unknown command 'ORDER_CANCEL'")]
    assert await server.db.fetchval("SELECT count(*) FROM master_orders") == 0
    assert fsim.link is not None
    await fsim.link.stream.send_all(b"CMD_ORDER|BUY_LIMIT|EURUSD|1.08|0.1|0|0|7003|0|0\n")
    await fsim.link.stream.send_all(b"ORD|7001|1|EURUSD|BUY|0.1|1.08|0|0|0|0\n")
    await fsim.wait_for(lambda: len(fsim.errors) == 2)
    assert [(e.code.value, e.text.split(":")[0]) for e in fsim.errors] == [
        ("WRONG_ROLE", "only a master account sends signals"), ("MALFORMED", "order_type")]


async def test_follower_ea_without_pending_orders_gets_the_fill_at_market(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master, copies_orders=False)
    ticket = await msim.place_order()
    rows = await wait_order_pairs(server, lambda r: len(r) == 1)
    assert (rows[0]["status"], rows[0]["reason_code"]) == ("SKIPPED", "EA_NO_PENDING_ORDERS")
    await msim.fill_order(ticket)
    await fsim.wait_for(lambda: ticket in fsim.positions)
    assert not any(type(m).__name__.startswith("CopyOrder") for m in fsim.received)


async def test_paused_follower_gets_no_orders_and_resume_places_them(server, world):
    w = world
    master, msim = await w.master()
    follower, fsim = await w.follower(master)
    await server.engine.guards.set_control(follower.id, Control.PAUSED)
    ticket = await msim.place_order()
    await msim.wait_stored()
    await server.engine.ledger.flush()
    await trio.sleep(0.2)
    assert ticket not in fsim.orders
    assert (await order_pairs(server))[0]["status"] == "PENDING"
    await server.engine.guards.set_control(follower.id, Control.ACTIVE)  # reconnect + resync
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: r[0]["status"] == "PLACED")


async def test_resync_removes_a_copy_the_server_decided_against(server, nursery):
    from copytrade.sim.follower import SimOrder

    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    follower, fsim = await w.follower(master)
    await server.engine.guards.set_control(follower.id, Control.CLOSE_ONLY)
    ticket = await msim.place_order()
    await wait_order_pairs(server, lambda r: len(r) == 1 and r[0]["status"] == "SKIPPED")
    fsim.stop()
    fsim.orders[ticket] = SimOrder(ticket, 4242, "EURUSD", OrderType.BUY_LIMIT, D("0.1"),
                                   D("1.08"), D(0), D(0), D(0), 0)  # placed by hand, tagged
    await w.start_follower(fsim)
    await fsim.wait_for(lambda: ticket not in fsim.orders)
    assert (await order_pairs(server))[0]["status"] == "SKIPPED"


async def test_reversed_copy_fills_and_becomes_the_reversed_trade(server, world):
    w = world
    master, msim = await w.master()
    rev, fsim = await w.follower(master)
    await set_rules(server, rev, reverse=True)
    ticket = await msim.place_order("EURUSD", OrderType.BUY_LIMIT, D("0.10"), D("1.08000"))
    await fsim.wait_for(lambda: ticket in fsim.orders)
    assert fsim.orders[ticket].order_type is OrderType.SELL_STOP
    await fsim.move_price("EURUSD", D("1.07990"))  # a SELL STOP at 1.08 fills going down
    assert fsim.positions[ticket].side.value == "SELL"
    await msim.fill_order(ticket)
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")
    assert (rows[0]["slave_type"], rows[0]["slave_ticket"]) == (
        "SELL", fsim.positions[ticket].ticket)
    assert fsim.open_log == [ticket]


async def test_one_to_one_and_record_modes(server, nursery):
    from copytrade.domain.models import CopyMode

    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    partner, psim = await w.follower(master)
    _bystander, bsim = await w.follower(master)
    await w.control.set_partner(master.id, w.user_id, partner.id)
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.ONE_TO_ONE)
    ticket = await msim.place_order()
    await psim.wait_for(lambda: ticket in psim.orders)
    rows = await wait_order_pairs(server, lambda r: len(r) == 1 and r[0]["status"] == "PLACED")
    assert rows[0]["account_id"] == partner.id and ticket not in bsim.orders
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.RECORD)
    recorded = await msim.place_order()
    await msim.wait_stored()
    await server.engine.ledger.flush()
    assert len(await order_pairs(server)) == 1 and recorded not in psim.orders


async def test_a_close_all_guard_trip_cancels_the_pending_copies(server, nursery):
    from copytrade.domain.risk import GuardAction, Limit, RiskLimits

    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    follower, fsim = await w.follower(master)
    await server.engine.guards.set_limits(follower.id, RiskLimits(
        equity_floor=Limit(D(9000), GuardAction.CLOSE_ALL_AND_PAUSE)))
    ticket = await msim.place_order()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: len(r) == 1 and r[0]["status"] == "PLACED")
    await fsim.report_account(D("8500.00"))
    await fsim.wait_for(lambda: ticket not in fsim.orders)
    rows = await wait_order_pairs(server, lambda r: r[0]["status"] == "CANCELLED")
    assert rows[0]["reason_code"] == "RISK_EQUITY_FLOOR" and "risk guard" in rows[0]["reason"]
    assert [m.master_ticket for m in fsim.received if isinstance(m, CopyOrderCancel)] == [ticket]
    assert rows[0]["master_status"] == "PLACED"  # the master's own order is untouched


async def test_a_master_stop_out_in_one_to_one_cancels_the_partners_pending_copies(
        server, nursery):
    from copytrade.domain.models import CopyMode

    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    partner, fsim = await w.follower(master)
    await w.control.set_partner(master.id, w.user_id, partner.id)
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.ONE_TO_ONE)
    ticket = await msim.place_order()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: len(r) == 1 and r[0]["status"] == "PLACED")
    await msim.stop_out()
    await fsim.wait_for(lambda: ticket not in fsim.orders)
    rows = await wait_order_pairs(server, lambda r: r[0]["status"] == "CANCELLED")
    assert rows[0]["reason_code"] == "KILL_SWITCH" and "stop-out" in rows[0]["reason"]
    assert [m.master_ticket for m in fsim.received if isinstance(m, CopyOrderCancel)] == [ticket]


async def test_offline_partners_copy_is_cancelled_at_its_next_login_after_a_kill_switch(
        server, nursery):
    """The 1TO1 kill switch fires while the partner's EA is offline: the placed copy keeps its
    status, marked cancel-due with the reason; at the next login the EA's ORD report still
    shows it, so the server cancels it (ORDER_CANCEL) and the pair becomes CANCELLED
    KILL_SWITCH; it is never placed again, and the master's order is untouched."""
    from copytrade.domain.models import CopyMode

    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    partner, fsim = await w.follower(master)
    await w.accounts.set_partner(master.id, w.user_id, partner.id)
    await server.engine.set_copy_mode(master.id, CopyMode.ONE_TO_ONE)
    ticket = await msim.place_order()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: len(r) == 1 and r[0]["status"] == "PLACED")
    fsim.stop()
    with trio.fail_after(10):
        while partner.id in server.engine.sessions:
            await trio.sleep(0.02)
    await msim.stop_out()
    rows = await wait_order_pairs(server, lambda r: r[0]["reason_code"] == "KILL_SWITCH")
    assert rows[0]["status"] == "PLACED" and rows[0]["cancel_due"]
    assert ticket in fsim.orders  # still on the (offline) terminal
    fsim.received.clear()
    await w.start_follower(fsim)
    await fsim.wait_for(lambda: ticket not in fsim.orders)
    rows = await wait_order_pairs(server, lambda r: r[0]["status"] == "CANCELLED")
    assert (rows[0]["reason_code"], rows[0]["cancel_due"]) == ("KILL_SWITCH", False)
    assert "stop-out" in rows[0]["reason"] and rows[0]["master_status"] == "PLACED"
    assert [m.master_ticket for m in fsim.received if isinstance(m, CopyOrderCancel)] == [ticket]
    # A later login does not place it again.
    fsim.received.clear()
    await server.engine.disconnect(partner.id, ErrorCode.RESYNC)
    await fsim.wait_for(lambda: fsim.logins >= 3)
    await w.synced(fsim)
    await trio.sleep(0.2)
    assert ticket not in fsim.orders and not [m for m in fsim.received if hasattr(m, "order_type")]


async def test_paused_followers_stray_copy_is_cancelled_at_login_and_never_fills(
        server, nursery):
    """A CLOSE_ALL_AND_PAUSE trip cancels the copy, but the ORDER_CANCEL never reaches the
    terminal (lost with the connection). The follower is paused; at its next login its ORD
    report shows the order still placed: the server cancels it (the one command a paused
    follower gets) and the master's later fill reaches nobody."""
    from copytrade.domain.models import Side
    from copytrade.domain.risk import GuardAction, Limit, RiskLimits
    from copytrade.protocol import CopyOpen

    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    follower, fsim = await w.follower(master, lose_order_cancels=True)
    await server.engine.guards.set_limits(follower.id, RiskLimits(
        equity_floor=Limit(D(9000), GuardAction.CLOSE_ALL_AND_PAUSE)))
    ticket = await msim.place_order()
    await fsim.wait_for(lambda: ticket in fsim.orders)
    await wait_order_pairs(server, lambda r: len(r) == 1 and r[0]["status"] == "PLACED")
    await fsim.report_account(D("8500.00"))
    rows = await wait_order_pairs(server, lambda r: r[0]["status"] == "CANCELLED")
    assert rows[0]["reason_code"] == "RISK_EQUITY_FLOOR"
    await fsim.wait_for(lambda: any(isinstance(m, CopyOrderCancel) for m in fsim.received))
    assert ticket in fsim.orders and server.engine.guards.paused(follower.id)
    fsim.stop()
    with trio.fail_after(10):
        while follower.id in server.engine.sessions:
            await trio.sleep(0.02)
    fsim.lose_order_cancels = False
    fsim.received.clear()
    logins = fsim.logins
    fsim._stop = trio.Event()
    await nursery.start(fsim.run)  # paused: its login never becomes "ready"
    await fsim.wait_for(lambda: fsim.logins > logins and ticket not in fsim.orders)
    assert [type(m).__name__ for m in fsim.received if type(m).__name__.startswith("Copy")
            ] == ["CopyOrderCancel"]
    assert server.engine.guards.paused(follower.id)
    # The master's order fills: the paused follower is sent nothing, holds nothing.
    await msim.open("EURUSD", Side.BUY, D("0.1"), ticket=ticket)
    await msim.wait_stored()
    await trio.sleep(0.3)
    assert not [m for m in fsim.received if isinstance(m, CopyOpen)] and fsim.positions == {}
    rows = await order_pairs(server, follower.id)
    assert (rows[0]["status"], rows[0]["reason_code"]) == ("CANCELLED", "RISK_EQUITY_FLOOR")


async def test_a_changed_order_volume_resizes_the_copies_in_proportion(server, nursery):
    """CMD_ORDER_MODIFY with VOLUME: each live copy is resized in proportion (ORDER_MODIFY
    with the copy's VOLUME); a copy that would fall below its symbol's minimum is removed
    (ORDER_CANCEL, CANCELLED VOLUME_BELOW_SYMBOL_MIN); an offline follower's copy is resized
    at its next login; a modify without VOLUME keeps the volume."""
    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    double, dsim = await w.follower(master)
    await set_rules(server, double, lot_mode="MULTIPLIER", lot_value=D("2"))
    tiny, tsim = await w.follower(master)
    await set_rules(server, tiny, lot_mode="FIXED", lot_value=D("0.01"))
    away, asim = await w.follower(master)
    ticket = await msim.place_order(volume=D("0.10"))
    for sim in (dsim, tsim, asim):
        await sim.wait_for(lambda sim=sim: ticket in sim.orders)
    assert (dsim.orders[ticket].volume, tsim.orders[ticket].volume) == (D("0.2"), D("0.01"))
    await wait_order_pairs(server, lambda r: len(r) == 3 and all(
        p["status"] == "PLACED" for p in r))
    asim.stop()
    with trio.fail_after(10):
        while away.id in server.engine.sessions:
            await trio.sleep(0.02)

    await msim.modify_order(ticket, volume=D("0.06"))
    await dsim.wait_for(lambda: dsim.orders[ticket].volume == D("0.12"))
    await tsim.wait_for(lambda: ticket not in tsim.orders)
    sent = [m for m in dsim.received if isinstance(m, CopyOrderModify)]
    assert sent[-1].volume == D("0.12")
    rows = {p["account_id"]: p for p in await wait_order_pairs(
        server, lambda r: any(p["status"] == "CANCELLED" for p in r))}
    assert rows[double.id]["volume"] == D("0.12") and rows[double.id]["status"] == "PLACED"
    assert (rows[tiny.id]["status"], rows[tiny.id]["reason_code"]) == (
        "CANCELLED", "VOLUME_BELOW_SYMBOL_MIN")
    assert rows[away.id]["volume"] == D("0.06") and asim.orders[ticket].volume == D("0.1")

    await msim.modify_order(ticket, price=D("1.07"))   # no VOLUME: the volume stays
    await dsim.wait_for(lambda: dsim.orders[ticket].price == D("1.07"))
    assert dsim.orders[ticket].volume == D("0.12")
    assert [m for m in dsim.received if isinstance(m, CopyOrderModify)][-1].volume is None

    await w.start_follower(asim)   # resized while it was away
    await asim.wait_for(lambda: asim.orders[ticket].volume == D("0.06")
                        and asim.orders[ticket].price == D("1.07"))
