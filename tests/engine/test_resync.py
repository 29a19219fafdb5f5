"""Offline followers and the login resync, over real TCP and PostgreSQL.

A follower that was offline gets the still-fresh opens and every close it missed when it
logs in again; stale opens follow its stale-open policy; what its EA reports is reconciled
with the ledger; and nothing is ever opened twice (the simulators count what they execute).
"""

from __future__ import annotations

import time
from decimal import Decimal

from copytrade.domain.models import CopyMode, Side
from copytrade.protocol import CopyOpen

from helpers import World, set_rules
from polling import eventually

D = Decimal


async def go_offline(w: World, account, fsim) -> None:
    """Stop the follower's EA and wait until the server has noticed."""
    fsim.stop()
    await eventually(lambda: account.id not in w.server.engine.sessions, timeout=5,
                     interval=0.01)


def pair_of(rows, ticket):
    return next(p for p in rows if p["master_ticket"] == ticket)


async def test_offline_follower_gets_a_fresh_open_on_reconnect(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    await go_offline(w, acc, fsim)

    ticket = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"), D("1.08000"),
                             D("1.09000"))
    await msim.wait_stored()
    rows = await w.wait_pairs(lambda r: len(r) == 1)
    assert rows[0]["status"] == "PENDING" and rows[0]["sent_at"] is None

    await w.start_follower(fsim)
    await fsim.wait_for(lambda: ticket in fsim.positions)
    pos = fsim.positions[ticket]
    assert (pos.symbol, pos.side, pos.volume, pos.sl, pos.tp) == (
        "EURUSD", Side.BUY, D("0.10"), D("1.08000"), D("1.09000"))
    rows = await w.wait_pairs(lambda r: r[0]["status"] == "OPEN")
    assert rows[0]["sent_at"] is not None
    assert fsim.opens_executed == 1


async def test_offline_follower_gets_the_close_on_reconnect(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    ticket = await msim.open("GBPUSD", Side.SELL, D("0.20"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")
    await go_offline(w, acc, fsim)

    await msim.close(ticket)
    await msim.wait_stored()
    assert ticket in fsim.positions  # it could not hear about it

    await w.start_follower(fsim)
    await fsim.wait_for(lambda: ticket not in fsim.positions)
    rows = await w.wait_pairs(lambda r: r[0]["status"] == "CLOSED")
    assert rows[0]["profit"] is not None and rows[0]["close_price"] is not None
    assert fsim.opens_executed == 1


async def test_partial_close_missed_offline_is_applied_once(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    await set_rules(server, acc, lot_value=D("2"))
    ticket = await msim.open("EURUSD", Side.BUY, D("0.40"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    assert fsim.positions[ticket].volume == D("0.80")
    # One partial close while connected: the copy follows at once.
    await msim.close(ticket, D("0.20"))
    await fsim.wait_for(lambda: fsim.positions[ticket].volume == D("0.40"))
    await w.wait_pairs(lambda r: r[0]["slave_volume"] == D("0.40"))

    # Reconnecting must not apply that partial close a second time.
    await go_offline(w, acc, fsim)
    await w.start_follower(fsim)
    await w.synced(fsim)
    await msim.modify(ticket, D("1.07000"), D("0"))  # a later command to wait behind
    await fsim.wait_for(lambda: fsim.positions[ticket].sl == D("1.07000"))
    assert fsim.positions[ticket].volume == D("0.40")

    # A partial close while offline is applied on reconnect: master keeps 0.10 of 0.40.
    await go_offline(w, acc, fsim)
    await msim.close(ticket, D("0.10"))
    await msim.wait_stored()
    await w.start_follower(fsim)
    await fsim.wait_for(lambda: fsim.positions[ticket].volume == D("0.20"))
    rows = await w.wait_pairs(lambda r: r[0]["slave_volume"] == D("0.20"))
    assert rows[0]["status"] == "OPEN"
    assert fsim.opens_executed == 1


async def test_stale_open_is_expired_by_default(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    await go_offline(w, acc, fsim)
    old_ms = int((time.time() - 300) * 1000)
    ticket = await msim.open("EURUSD", Side.BUY, D("0.10"), open_time_ms=old_ms)
    await msim.wait_stored()

    await w.start_follower(fsim)
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "EXPIRED")
    assert rows[0]["reason_code"] == "EXPIRED" and rows[0]["reason"]
    assert ticket not in fsim.positions
    assert not any(isinstance(m, CopyOpen) for m in fsim.received)
    assert fsim.opens_executed == 0


async def test_stale_open_goes_out_at_market_under_the_market_policy(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    await set_rules(server, acc, stale_open_policy="MARKET", max_deviation_points=20)
    await go_offline(w, acc, fsim)
    old_ms = int((time.time() - 300) * 1000)
    ticket = await msim.open("EURUSD", Side.SELL, D("0.10"), open_time_ms=old_ms)
    await msim.wait_stored()

    await w.start_follower(fsim)
    await fsim.wait_for(lambda: ticket in fsim.positions)
    sent = [m for m in fsim.received if isinstance(m, CopyOpen)]
    assert len(sent) == 1 and sent[0].max_deviation_points == 0  # late: at market
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")
    assert rows[0]["slave_type"] == "SELL"
    assert fsim.opens_executed == 1


async def test_lost_ack_becomes_open_without_a_second_open(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    fsim.drop_ack_opens = True  # the terminal opens, the ACK never reaches the server
    ticket = await msim.open("USDJPY", Side.BUY, D("0.10"), D("151.250"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    rows = await w.wait_pairs(lambda r: len(r) == 1)
    assert rows[0]["status"] == "PENDING"

    fsim.drop_ack_opens = False
    await go_offline(w, acc, fsim)
    await w.start_follower(fsim)
    rows = await w.wait_pairs(lambda r: r[0]["status"] == "OPEN")
    assert rows[0]["slave_ticket"] == fsim.positions[ticket].ticket
    assert rows[0]["slave_volume"] == D("0.10")
    assert fsim.opens_executed == 1
    assert sum(isinstance(m, CopyOpen) for m in fsim.received) == 1


async def test_position_lost_while_offline_is_closed_outside(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    kept = await msim.open("EURUSD", Side.BUY, D("0.10"))
    lost = await msim.open("XAUUSD", Side.SELL, D("0.10"), D("2350.00"))
    await fsim.wait_for(lambda: kept in fsim.positions and lost in fsim.positions)
    await w.wait_pairs(lambda r: len(r) == 2 and all(p["status"] == "OPEN" for p in r))

    await go_offline(w, acc, fsim)
    del fsim.positions[lost]  # closed by hand on the terminal while the EA was off
    await w.start_follower(fsim)
    rows = await w.wait_pairs(lambda r: pair_of(r, lost)["status"] == "CLOSED")
    gone = pair_of(rows, lost)
    assert gone["reason_code"] == "CLOSED_OUTSIDE" and "outside" in gone["reason"]
    assert pair_of(rows, kept)["status"] == "OPEN"
    assert lost in msim.positions  # the master is not touched
    assert fsim.opens_executed == 2
    assert lost not in fsim.positions  # and the copy is not opened again


async def test_many_reconnects_never_open_twice(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    tickets = []
    for i in range(6):
        tickets.append(await msim.open("EURUSD", Side.BUY, D("0.10"), ticket=9_100 + i))
        if i % 2:
            await fsim.drop_connection()
    await msim.wait_stored()
    await w.synced(fsim)
    await fsim.wait_for(lambda: all(t in fsim.positions for t in tickets))
    for _ in range(3):
        await go_offline(w, acc, fsim)
        await w.start_follower(fsim)
    await w.wait_pairs(lambda r: len(r) == 6 and all(p["status"] == "OPEN" for p in r))
    assert fsim.opens_executed == 6


async def test_reconnect_catches_up_nothing_from_a_record_only_master(server, world):
    w = world
    master, msim = await w.master(CopyMode.RECORD)
    acc, fsim = await w.follower(master)
    await go_offline(w, acc, fsim)
    await msim.open("EURUSD", Side.BUY, D("0.10"))
    await msim.wait_stored()
    await w.start_follower(fsim)
    await w.synced(fsim)
    await server.engine.ledger.flush()
    assert await w.pairs() == []
    assert not any(isinstance(m, CopyOpen) for m in fsim.received)
