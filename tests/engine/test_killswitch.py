"""The 1TO1 emergency kill switch, over real TCP and PostgreSQL.

A stop-out on either side of a 1TO1 pair makes the server command the other side to close
every position paired with it, note the reason on the pairs and publish one alert.
"""

from __future__ import annotations

import time
from decimal import Decimal

import trio

from copytrade.domain.models import CopyMode, Side
from copytrade.protocol import CloseReason, CopyClose

from helpers import World

D = Decimal


async def one_to_one(server, nursery):
    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    partner, fsim = await w.follower(master)  # a 1TO1 partner is one of its master's followers
    await w.control.set_partner(master.id, w.user_id, partner.id)
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.ONE_TO_ONE)
    tickets = [await msim.open(sym, Side.BUY, D("0.10"))
               for sym in ("EURUSD", "GBPUSD", "XAUUSD")]
    await fsim.wait_for(lambda: all(t in fsim.positions for t in tickets))
    await w.wait_pairs(lambda r: len(r) == 3 and all(p["status"] == "OPEN" for p in r))
    return w, master, msim, partner, fsim, tickets


async def next_event(events, kind, timeout=5):
    with trio.fail_after(timeout):
        async for event in events:
            if event.type == kind:
                return event
    raise AssertionError(f"no {kind} event")


async def test_master_stop_out_closes_every_copy_on_the_partner(server, nursery):
    w, master, msim, partner, fsim, tickets = await one_to_one(server, nursery)
    async with server.engine.events.subscribe(w.user_id) as events:
        started = time.monotonic()
        await msim.stop_out()
        await fsim.wait_for(lambda: sum(isinstance(m, CopyClose) for m in fsim.received) == 3)
        outside = time.monotonic() - started
        alert = await next_event(events, "alert.killswitch")

    closes = [m for m in fsim.received if isinstance(m, CopyClose)]
    assert {(c.master_ticket, c.target_volume, c.reason) for c in closes} == {
        (t, D(0), CloseReason.SO) for t in tickets}
    await fsim.wait_for(lambda: not fsim.positions)
    rows = await w.wait_pairs(lambda r: all(p["status"] == "CLOSED" for p in r))
    assert {p["reason_code"] for p in rows} == {"KILL_SWITCH"}
    assert all("stop-out" in p["reason"] for p in rows)
    assert alert.data["closing"] == "follower"
    assert sorted(alert.data["tickets"]) == sorted(tickets)
    assert alert.data["commands_sent"] == 3
    assert (alert.data["master_id"], alert.data["follower_id"]) == (master.id, partner.id)
    latency = server.engine.metrics()["kill_switch_latency_seconds"]
    assert latency["count"] == 1
    print(f"\nkill switch (master stop-out): {latency['sum'] * 1000:.2f} ms in the server, "
          f"{outside * 1000:.2f} ms from STOPOUT sent to the 3rd CLOSE received")


async def test_master_stop_out_closes_alert_once(server, nursery):
    """The STOPOUT line and the broker's closes with reason SO are one episode: one alert."""
    w, _master, msim, _partner, fsim, tickets = await one_to_one(server, nursery)
    async with server.engine.events.subscribe(w.user_id) as events:
        await msim.stop_out()
        await fsim.wait_for(lambda: not fsim.positions)
        for ticket in tickets:
            await msim.close(ticket, reason=CloseReason.SO)
        await msim.wait_stored()
        await server.engine.ledger.flush()
        alerts = []
        while True:
            try:
                event = events.receive_nowait()
            except trio.WouldBlock:
                break
            if event.type == "alert.killswitch":
                alerts.append(event)
    assert len(alerts) == 1
    assert server.engine.metrics()["kill_switch_total"] == 1


async def test_follower_stop_out_line_closes_the_masters_positions(server, nursery):
    w, master, msim, _partner, fsim, tickets = await one_to_one(server, nursery)
    async with server.engine.events.subscribe(w.user_id) as events:
        await fsim.stop_out()
        await msim.wait_for(lambda: not msim.positions)
        alert = await next_event(events, "alert.killswitch")
    closes = [m for m in msim.received if isinstance(m, CopyClose)]
    assert {(c.master_ticket, c.target_volume, c.reason) for c in closes} == {
        (t, D(0), CloseReason.SO) for t in tickets}
    assert alert.data["closing"] == "master"
    await msim.wait_stored()  # the master sim reported each close (CMD_CLOSE)
    trades = await server.db.fetch("SELECT status FROM master_trades WHERE account_id = $1",
                                   master.id)
    assert {t["status"] for t in trades} == {"CLOSED"}
    # ... and those closes reach the follower like any master close.
    await fsim.wait_for(lambda: not fsim.positions)
    await w.wait_pairs(lambda r: all(p["status"] == "CLOSED" for p in r))


async def test_follower_copy_closed_by_stop_out_closes_the_master_side(server, nursery):
    w, _master, msim, _partner, fsim, tickets = await one_to_one(server, nursery)
    await fsim.close_by_itself(tickets[0], CloseReason.SO)
    await msim.wait_for(lambda: not msim.positions)
    closes = [m for m in msim.received if isinstance(m, CopyClose)]
    assert {c.master_ticket for c in closes} == set(tickets)
    rows = await w.wait_pairs(lambda r: all(p["status"] == "CLOSED" for p in r))
    first = next(p for p in rows if p["master_ticket"] == tickets[0])
    assert first["reason_code"] == "FOLLOWER_SO"


async def test_pubsub_stop_out_is_not_a_kill_switch(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.open()
    await fsim.wait_for(lambda: ticket in fsim.positions)
    await msim.stop_out()
    await msim.modify(ticket, D("1.07"), D(0))  # a later line to wait behind
    await fsim.wait_for(lambda: fsim.positions[ticket].sl == D("1.07"))
    assert not any(isinstance(m, CopyClose) for m in fsim.received)
    assert server.engine.metrics()["kill_switch_total"] == 0
