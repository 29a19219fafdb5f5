"""The real EAs, compiled whole, copy trades through the real server over loopback.

Each test runs a master terminal and follower terminals in the emulator (copytrade.ea) against
the whole server (engine, gateway, PostgreSQL), and checks the follower terminals' final
positions and the trade pairs in PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from eaworld import EaWorld, logged_in, suffixed, synced, wait_positions

pytestmark = pytest.mark.slow
D = Decimal


async def test_open_partial_modify_close_hedging_and_netting_with_suffixes(world: EaWorld) -> None:
    master, mkey = await world.master_account()
    f1, k1 = await world.follower_account(master)
    f2, k2 = await world.follower_account(master)
    m = await world.terminal("master", mkey)
    a = await world.terminal("follower", k1, master_token=master.master_token)
    b = await world.terminal("follower", k2, master_token=master.master_token, mode="netting",
                             symbols=suffixed(".m"))
    for t in (m, a, b):
        await logged_in(t)
    await synced(a)
    await synced(b)

    opened = await m.op("open", symbol="EURUSD", side="BUY", volume=0.20, sl=1.08000, tp=1.09000)
    gold = await m.op("open", symbol="XAUUSD", side="SELL", volume=0.10)
    ticket, gold_ticket = opened["position"], gold["position"]
    for t, sym in ((a, "EURUSD"), (b, "EURUSD.m")):
        ps = await wait_positions(t, lambda ps: len(ps) == 2)
        eur = next(p for p in ps if p["symbol"] == sym)
        assert (eur["side"], eur["volume"], eur["sl"], eur["tp"]) == ("BUY", 0.2, 1.08, 1.09)

    await m.op("close", position=ticket, volume=0.05)   # partial
    await m.op("modify", position=ticket, sl=1.08100, tp=0)
    for t in (a, b):
        await wait_positions(t, lambda ps: any(p["volume"] == 0.15 and p["sl"] == 1.081
                                               and p["tp"] == 0 for p in ps))
    await m.op("close", position=ticket)                 # full
    await m.op("close", position=gold_ticket, reason="TP")
    for t in (a, b):
        await wait_positions(t, lambda ps: ps == [])
    for follower in (f1, f2):
        rows = await world.wait_pairs(follower.id, lambda rs: len(rs) == 2 and all(
            r["status"] == "CLOSED" for r in rs))
        assert {int(r["master_ticket"]) for r in rows} == {ticket, gold_ticket}
    assert m.lines("sent", f"CMD_CLOSE|{ticket}|")[-1].split("|")[6] == "0"
    assert not m.prints("disconnected") and not a.prints("disconnected")
