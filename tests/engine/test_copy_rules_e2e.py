"""Copy rules through the whole signal path: master sim → server → follower sims → ledger.

Each follower's rules are stored by the API's own write path (``engine.control.put_rules``);
every skip must be a trade pair with a status and a reason.
"""

from __future__ import annotations

import time
from decimal import Decimal

from copytrade.domain.models import Side
from copytrade.protocol import CloseReason, CopyClose

from helpers import set_rules

D = Decimal


def by_account(rows, account_id):
    return [r for r in rows if r["account_id"] == account_id]


async def test_reversed_follower_swaps_side_and_levels_and_later_modifies(server, world):
    w = world
    master, msim = await w.master()
    plain, psim = await w.follower(master)
    rev, rsim = await w.follower(master)
    await set_rules(server, rev, reverse=True)

    ticket = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"), D("1.08000"),
                             D("1.09000"))
    await rsim.wait_for(lambda: ticket in rsim.positions)
    await psim.wait_for(lambda: ticket in psim.positions)
    copy = rsim.positions[ticket]
    assert (copy.side, copy.sl, copy.tp) == (Side.SELL, D("1.09000"), D("1.08000"))
    assert psim.positions[ticket].side is Side.BUY

    await msim.modify(ticket, D("1.08100"), D("1.09500"))
    await rsim.wait_for(lambda: (rsim.positions[ticket].sl, rsim.positions[ticket].tp)
                        == (D("1.09500"), D("1.08100")))
    await psim.wait_for(lambda: (psim.positions[ticket].sl, psim.positions[ticket].tp)
                        == (D("1.08100"), D("1.09500")))
    rows = await w.wait_pairs(lambda r: len(r) == 2 and all(p["status"] == "OPEN" for p in r))
    assert by_account(rows, rev.id)[0]["slave_type"] == "SELL"
    assert by_account(rows, plain.id)[0]["slave_type"] == "BUY"


async def test_suffix_broker_gets_its_own_symbol_and_unmatched_symbols_are_skipped(server, world):
    w = world
    master, msim = await w.master()
    _acc, fsim = await w.follower(master, suffix="m")

    ticket = await msim.open("EURUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    assert fsim.positions[ticket].symbol == "EURUSDm"

    odd = await msim.open("NZDCAD", Side.SELL, D("0.10"))
    rows = await w.wait_pairs(lambda r: any(p["master_ticket"] == odd for p in r)
                              and all(p["status"] != "PENDING" for p in r))
    skipped = next(p for p in rows if p["master_ticket"] == odd)
    assert skipped["status"] == "SKIPPED"
    assert skipped["reason_code"] == "SYMBOL_UNMATCHED"
    assert "NZDCAD" in skipped["reason"]
    assert odd not in fsim.positions
    copied = next(p for p in rows if p["master_ticket"] == ticket)
    assert (copied["status"], copied["symbol"]) == ("OPEN", "EURUSDm")


async def test_multiplier_max_lot_and_min_lot_to_copy(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    await set_rules(server, acc, lot_mode="MULTIPLIER", lot_value=D("3"), max_lot=D("0.50"),
                    min_lot_to_copy=D("0.05"))

    small = await msim.open("EURUSD", Side.BUY, D("0.10"))   # 0.30
    big = await msim.open("GBPUSD", Side.BUY, D("0.40"))     # 1.20 → capped at 0.50
    tiny = await msim.open("USDJPY", Side.SELL, D("0.02"))   # below min lot to copy
    await fsim.wait_for(lambda: small in fsim.positions and big in fsim.positions)
    assert fsim.positions[small].volume == D("0.30")
    assert fsim.positions[big].volume == D("0.50")
    rows = await w.wait_pairs(lambda r: len(r) == 3 and all(p["status"] != "PENDING" for p in r))
    skipped = next(p for p in rows if p["master_ticket"] == tiny)
    assert (skipped["status"], skipped["reason_code"]) == ("SKIPPED", "BELOW_MIN_LOT_TO_COPY")
    assert skipped["reason"]
    assert tiny not in fsim.positions
    assert fsim.opens_executed == 2


async def test_old_signal_is_expired_not_sent(server, world):
    w = world
    master, msim = await w.master()
    _acc, fsim = await w.follower(master)
    old = await msim.open("EURUSD", Side.BUY, D("0.10"),
                          open_time_ms=int((time.time() - 120) * 1000))
    fresh = await msim.open("GBPUSD", Side.BUY, D("0.10"))
    await fsim.wait_for(lambda: fresh in fsim.positions)
    rows = await w.wait_pairs(lambda r: len(r) == 2 and all(p["status"] != "PENDING" for p in r))
    expired = next(p for p in rows if p["master_ticket"] == old)
    assert (expired["status"], expired["reason_code"]) == ("EXPIRED", "EXPIRED")
    assert "30 s" in expired["reason"]
    assert old not in fsim.positions


async def test_partial_close_then_full_close(server, world):
    w = world
    master, msim = await w.master()
    acc, fsim = await w.follower(master)
    await set_rules(server, acc, lot_mode="MULTIPLIER", lot_value=D("2"))

    ticket = await msim.open("XAUUSD", Side.BUY, D("0.10"), D("2350.10"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    assert fsim.positions[ticket].volume == D("0.20")
    await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")

    await msim.close(ticket, D("0.05"))
    await fsim.wait_for(lambda: fsim.positions[ticket].volume == D("0.10"))
    rows = await w.wait_pairs(lambda r: r[0]["slave_volume"] == D("0.10"))
    assert rows[0]["status"] == "OPEN"

    await msim.close(ticket)
    await fsim.wait_for(lambda: ticket not in fsim.positions)
    rows = await w.wait_pairs(lambda r: r[0]["status"] == "CLOSED")
    pair = rows[0]
    assert pair["slave_volume"] == 0
    assert pair["profit"] == D("30.00")  # 15.00 for each 0.10 the sim closed
    assert pair["close_price"] is not None and pair["closed_at"] is not None
    assert fsim.opens_executed == 1


async def test_quick_partial_closes_are_sized_from_the_deals_not_a_lagging_ack(server, world):
    w = world
    master, msim = await w.master()
    # The follower answers slowly, so the second close is planned before the first ACK lands.
    acc, fsim = await w.follower(master, reply_latency=0.3)
    await set_rules(server, acc, lot_value=D("2"))
    ticket = await msim.open("EURUSD", Side.BUY, D("0.40"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")

    await msim.close(ticket, D("0.20"))  # master keeps 0.20 of 0.40 → copy 0.40 of 0.80
    await msim.close(ticket, D("0.10"))  # master keeps 0.10 → copy 0.20
    await msim.wait_stored()
    rows = await w.wait_pairs(lambda r: r[0]["slave_volume"] == D("0.20"), timeout=3)
    assert fsim.positions[ticket].volume == D("0.20")
    closes = [m for m in fsim.received if isinstance(m, CopyClose)]
    # Each CLOSE names the absolute target of the deals stored so far (the first may already
    # see both deals); none undershoots, and no reconnect was needed to get there.
    assert closes[-1].target_volume == D("0.20")
    assert all(c.target_volume >= D("0.20") and c.reason is CloseReason.CLIENT for c in closes)
    assert rows[0]["status"] == "OPEN"
