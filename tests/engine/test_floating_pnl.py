"""PNL lines end to end: simulated EAs on a market report floating P/L; the server keeps the
latest values per trade / copy (coalesced), publishes them live, and ignores what it cannot use."""

from decimal import Decimal

import trio

from copytrade.domain.models import Side
from copytrade.sim.market import Market

from helpers import set_rules
from polling import eventually


async def _row(server, sql, *args, predicate, timeout=10):
    async def fetch():
        await server.engine.ledger.flush()
        return await server.db.fetchrow(sql, *args)

    return await eventually(fetch, lambda row: row is not None and predicate(row),
                            timeout=timeout, interval=0.05)


async def test_master_and_reversed_copy_report_opposite_floating_pnl(server, world):
    w = world
    market = Market()
    market.set("EURUSD", Decimal("1.08450"))
    master, msim = await w.master()
    msim.market, msim.pnl_interval = market, 0.2
    follower, fsim = await w.follower(master, connect=False, market=market, pnl_interval=0.2)
    await set_rules(server, follower, reverse=True)
    await w.start_follower(fsim)
    async with server.engine.events.subscribe(w.user_id) as events:
        ticket = await msim.open("EURUSD", Side.BUY, Decimal("0.10"), Decimal("1.08450"))
        await fsim.wait_for(lambda: ticket in fsim.positions)
        market.set("EURUSD", Decimal("1.08650"))  # +20 pips for the BUY, -20 for the copy
        trade = await _row(server, "SELECT * FROM master_trades WHERE ticket = $1", ticket,
                           predicate=lambda r: r["floating_profit"] == Decimal("20.00"))
        assert trade["current_price"] == Decimal("1.08650") and trade["swap"] == 0
        pair = await _row(server, "SELECT p.* FROM trade_pairs p JOIN master_trades t ON "
                          "t.id = p.master_trade_id WHERE t.ticket = $1", ticket,
                          predicate=lambda r: r["floating_profit"] == Decimal("-20.00"))
        assert pair["fill_price"] == Decimal("1.08450") and pair["digits"] == 5
        assert pair["current_price"] == Decimal("1.08650")
        pips = await server.db.fetchval(
            "SELECT pips(p.symbol, p.slave_type, p.fill_price, p.current_price) FROM trade_pairs "
            "p WHERE p.id = $1", pair["id"])
        assert pips == Decimal("-20.0")
        seen: dict[int, str] = {}
        with trio.fail_after(10):
            async for event in events:
                if event.type == "position.pnl":
                    for item in event.data["positions"]:
                        if item["ticket"] == ticket:
                            seen[event.account_id] = item["floating_profit"]
                if seen.get(master.id) == "20.00" and seen.get(follower.id) == "-20.00":
                    break
    # Equity moves with the floating P/L (ACCOUNT from the simulators).
    state = await _row(server, "SELECT * FROM account_states WHERE account_id = $1", follower.id,
                       predicate=lambda r: r["equity"] == Decimal("9980.00"))
    assert state["balance"] == Decimal("10000.00")


async def test_a_burst_of_pnl_lines_is_coalesced_to_the_latest(server, world):
    w = world
    _master, msim = await w.master()
    ticket = await msim.open("USDJPY", Side.SELL, Decimal("0.50"), Decimal("151.250"))
    await msim.wait_stored()
    async with server.engine.events.subscribe(w.user_id) as events:
        lines = b"".join(f"PNL|{ticket}|151.250|{151.250 - i / 1000:.3f}|{i}.00|-0.10\n".encode()
                         for i in range(200))
        await msim.send_raw(lines)
        row = await _row(server, "SELECT * FROM master_trades WHERE ticket = $1", ticket,
                         predicate=lambda r: r["floating_profit"] == Decimal("199.00"))
        assert row["current_price"] == Decimal("151.051") and row["swap"] == Decimal("-0.10")
        count = 0
        with trio.move_on_after(1.5):
            async for event in events:
                if event.type == "position.pnl":
                    count += 1
        assert 1 <= count <= 2, count  # 200 reports, at most one event per second


async def test_bad_or_unknown_pnl_changes_nothing(server, world):
    w = world
    _master, msim = await w.master()
    ticket = await msim.open()
    await msim.wait_stored()
    await msim.send_raw(f"PNL|{ticket}|1.08450|1.08500|1e5|0\n".encode())
    await msim.send_raw(b"PNL|999999|1.08450|1.08500|5.00|0\n")  # no such trade: ignored
    await msim.wait_for(lambda: any(getattr(m, "code", None) is not None
                                    and m.code.value == "MALFORMED" for m in msim.received))
    await trio.sleep(1.3)  # one flush interval
    await server.engine.ledger.flush()
    row = await server.db.fetchrow("SELECT * FROM master_trades WHERE ticket = $1", ticket)
    assert row["floating_profit"] is None and row["current_price"] is None
    assert await server.db.fetchval(
        "SELECT count(*) FROM master_trades WHERE floating_at IS NOT NULL") == 0
    assert msim.link is not None  # a bad PNL line does not cost the connection
