"""Lot by risk %, with the real EAs: the follower EA reports SYMBOL_TRADE_TICK_SIZE / _VALUE
in its SYM lines, and the server sizes its copies on the master's stop loss."""

from __future__ import annotations

from decimal import Decimal

import pytest
import trio

from copytrade.domain.existing_price import WIDE_POINTS
from copytrade.domain.rules import CopyRules

from eaworld import FX, SYMBOLS, EaWorld, logged_in, synced, wait_positions

pytestmark = pytest.mark.slow
D = Decimal


async def test_follower_ea_reports_ticks_and_risk_copies_are_sized(world: EaWorld) -> None:
    master, mkey = await world.master_account()
    follower, fkey = await world.follower_account(master)
    await world.control.put_rules(follower.id, follower.user_id, CopyRules(
        lot_mode="RISK_PERCENT", lot_value=D("1")))
    symbols = {**SYMBOLS, "GBPUSD": {**FX, "bid": 1.26500, "ask": 1.26512, "tick_value": 0}}
    m = await world.terminal("master", mkey)
    f = await world.terminal("follower", fkey, master_token=master.master_token, symbols=symbols)
    for t in (m, f):
        await logged_in(t)
    await synced(f)
    assert f.lines("sent", "SYM|EURUSD|") == ["SYM|EURUSD|0.01|100|0.01|5|0.00001|1"]
    assert f.lines("sent", "SYM|GBPUSD|")[0].endswith("|0.00001|0")   # not known yet
    assert f.lines("sent", "SYM|XAUUSD|")[0].endswith("|0.01|1")       # 0.01 x contract 100
    await f.wait_line("received", "RULES|RISK_PERCENT|1|")
    assert not f.prints("unreadable line")

    # Balance 10 000, 1 % = 100 USD; the BUY fills at the ask 1.08460, 500 ticks of 1 USD/lot
    # above the stop 1.07960 → 0.2 lots, whatever the master's 1.00.
    eur = await m.op("open", symbol="EURUSD", side="BUY", volume=1.00, sl=1.07960)
    gbp = await m.op("open", symbol="GBPUSD", side="BUY", volume=0.50, sl=1.26000)
    xau = await m.op("open", symbol="XAUUSD", side="SELL", volume=0.10)
    ps = await wait_positions(f, lambda ps: len(ps) == 1)
    assert (ps[0]["symbol"], ps[0]["volume"], ps[0]["sl"]) == ("EURUSD", 0.2, 1.0796)
    rows = await world.wait_pairs(follower.id, lambda rs: len(rs) == 3 and all(
        r["status"] != "PENDING" for r in rs))
    codes = {int(r["master_ticket"]): (r["status"], r["reason_code"]) for r in rows}
    assert codes == {eur["position"]: ("OPEN", None),
                     gbp["position"]: ("SKIPPED", "NO_SYMBOL_INFO"),
                     xau["position"]: ("SKIPPED", "NO_STOP_LOSS")}


async def test_copy_existing_with_the_real_follower_ea(world: EaWorld) -> None:
    """A follower that starts following with copy_existing on: the real EA opens the master's
    open trade within X points and refuses the one its own quotes are too far from."""
    master, mkey = await world.master_account()
    follower, fkey = await world.follower_account(master)
    await world.control.put_rules(follower.id, follower.user_id, CopyRules(
        signal_expiry_seconds=1, copy_existing=True, copy_existing_max_age_minutes=5,
        copy_existing_max_points=50))
    m = await world.terminal("master", mkey)
    await logged_in(m)
    eur = await m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
    gbp = await m.op("open", symbol="GBPUSD", side="BUY", volume=0.10)
    await m.wait_line("received", f"STORED|OPEN|{gbp['position']}")
    await trio.sleep(1.5)   # past the follower's 1 s signal expiry: only copy-existing sends
    world.server.engine.copy_existing_on_next_resync(follower.id, "now following")
    # The follower's GBPUSD is 500 points above the master's; EURUSD is where the master's is.
    symbols = {**SYMBOLS, "GBPUSD": {**FX, "bid": 1.27000, "ask": 1.27012}}
    f = await world.terminal("follower", fkey, master_token=master.master_token, symbols=symbols)
    await logged_in(f)
    ps = await wait_positions(f, lambda ps: len(ps) == 1)
    assert (ps[0]["symbol"], ps[0]["volume"]) == ("EURUSD", 0.1)
    rows = await world.wait_pairs(follower.id, lambda rs: len(rs) == 2 and all(
        r["status"] != "PENDING" for r in rs))
    codes = {int(r["master_ticket"]): (r["status"], r["reason_code"]) for r in rows}
    assert codes == {eur["position"]: ("OPEN", None),
                     gbp["position"]: ("SKIPPED", "EXISTING_PRICE_MOVED")}
    # The check is one-sided (domain/existing_price.py): the OPEN carries a reference moved
    # away from the worse side and the wide limit, not the rules' 50 points.
    assert f.lines("received", f"OPEN|{gbp['position']}|GBPUSD|")[0].endswith(
        f"|{WIDE_POINTS}")
