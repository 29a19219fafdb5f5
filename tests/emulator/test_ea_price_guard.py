"""The real follower EA's price guard (docs/protocol.md §9, "Deviation check"): its own
quotes are too far from the master's price, so it refuses the copy with
``NACK_OPEN|T|0|PRICE_MOVED <seen> > <limit> points`` and the server records the pair
SKIPPED ``PRICE_MOVED`` with the figures."""

from __future__ import annotations

import pytest
import trio

from copytrade.domain.rules import CopyRules

from eaworld import FX, SYMBOLS, EaWorld, logged_in, synced, wait_positions

pytestmark = pytest.mark.slow


async def test_follower_ea_refuses_a_copy_whose_price_moved(world: EaWorld) -> None:
    with trio.fail_after(60):
        master, mkey = await world.master_account()
        follower, fkey = await world.follower_account(master)
        await world.control.put_rules(follower.id, follower.user_id,
                                      CopyRules(max_deviation_points=20))
        m = await world.terminal("master", mkey)
        # The follower's GBPUSD is 500 points above the master's; EURUSD is the same.
        symbols = {**SYMBOLS, "GBPUSD": {**FX, "bid": 1.27000, "ask": 1.27012}}
        f = await world.terminal("follower", fkey, master_token=master.master_token,
                                 symbols=symbols)
        for t in (m, f):
            await logged_in(t)
        await synced(f)

        gbp = (await m.op("open", symbol="GBPUSD", side="BUY", volume=0.10))["position"]
        eur = (await m.op("open", symbol="EURUSD", side="BUY", volume=0.10))["position"]
        nack = await f.wait_line("sent", f"NACK_OPEN|{gbp}|0|PRICE_MOVED ", timeout=15)
        assert nack == f"NACK_OPEN|{gbp}|0|PRICE_MOVED 500 > 20 points"
        ps = await wait_positions(f, lambda ps: len(ps) == 1)
        assert ps[0]["symbol"] == "EURUSD"
        rows = await world.wait_pairs(follower.id, lambda rs: len(rs) == 2 and all(
            r["status"] != "PENDING" for r in rs))
        by_ticket = {int(r["master_ticket"]): r for r in rows}
        refused = by_ticket[gbp]
        assert (refused["status"], refused["reason_code"]) == ("SKIPPED", "PRICE_MOVED")
        assert "500 points" in refused["reason"] and "limit of 20" in refused["reason"]
        assert by_ticket[eur]["status"] == "OPEN"


async def test_follower_ea_refuses_a_copy_while_its_spread_is_too_wide(world: EaWorld) -> None:
    with trio.fail_after(60):
        master, mkey = await world.master_account()
        follower, fkey = await world.follower_account(master)
        await world.control.put_rules(follower.id, follower.user_id,
                                      CopyRules(max_spread_points=25))
        m = await world.terminal("master", mkey)
        # The follower's GBPUSD spread is 40 points; its EURUSD spread (10) is within the limit.
        symbols = {**SYMBOLS, "GBPUSD": {**FX, "bid": 1.26500, "ask": 1.26540}}
        f = await world.terminal("follower", fkey, master_token=master.master_token,
                                 symbols=symbols)
        for t in (m, f):
            await logged_in(t)
        await synced(f)

        gbp = (await m.op("open", symbol="GBPUSD", side="BUY", volume=0.10))["position"]
        eur = (await m.op("open", symbol="EURUSD", side="BUY", volume=0.10))["position"]
        nack = await f.wait_line("sent", f"NACK_OPEN|{gbp}|0|", timeout=15)
        assert nack == f"NACK_OPEN|{gbp}|0|SPREAD_TOO_WIDE 40 > 25 points"
        assert f.lines("received", f"OPEN|{gbp}|GBPUSD|")[0].endswith("|0|25")
        ps = await wait_positions(f, lambda ps: len(ps) == 1)
        assert ps[0]["symbol"] == "EURUSD"
        rows = await world.wait_pairs(follower.id, lambda rs: len(rs) == 2 and all(
            r["status"] != "PENDING" for r in rs))
        by_ticket = {int(r["master_ticket"]): r for r in rows}
        refused = by_ticket[gbp]
        assert (refused["status"], refused["reason_code"]) == ("SKIPPED", "SPREAD_TOO_WIDE")
        assert "40 points" in refused["reason"] and "limit of 25" in refused["reason"]
        assert by_ticket[eur]["status"] == "OPEN"
