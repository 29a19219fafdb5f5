"""Lot by risk %: master sim → server (real TCP + PostgreSQL) → follower sims → ledger.

The follower sims report each symbol's tick size and tick value in ``SYM`` (EURUSD 0.00001 /
1 USD, XAUUSD 0.01 / 1 USD); one sim reports none, as an EA older than the feature.
"""

from __future__ import annotations

from decimal import Decimal

import trio

from copytrade.domain.models import Side

from helpers import World, set_rules

D = Decimal


async def test_copies_are_sized_on_the_stop_and_unsizable_ones_skipped(server, nursery):
    with trio.fail_after(30):
        w = World(server, nursery)
        await w.setup_user()
        master, msim = await w.master()
        acc, fsim = await w.follower(master)             # balance = equity = 10 000
        old, osim = await w.follower(master, ticks={})   # reports no tick figures
        for account in (acc, old):
            await set_rules(server, account, lot_mode="RISK_PERCENT", lot_value=D("1"))

        # 1 % of 10 000 = 100 USD. EURUSD: stop 500 ticks of 1 USD/lot away → 0.20 lots;
        # XAUUSD: 10.00 = 1 000 ticks away → 0.10 lots. The master's own lots do not matter.
        eur = await msim.open("EURUSD", Side.BUY, D("3.00"), D("1.08500"), D("1.08000"))
        gold = await msim.open("XAUUSD", Side.SELL, D("0.01"), D("2350.10"), D("2360.10"))
        no_sl = await msim.open("GBPUSD", Side.BUY, D("1.00"), D("1.25000"))
        await fsim.wait_for(lambda: eur in fsim.positions and gold in fsim.positions)
        assert fsim.positions[eur].volume == D("0.20")
        assert fsim.positions[gold].volume == D("0.10")
        assert fsim.positions[gold].sl == D("2360.10")

        rows = await w.wait_pairs(lambda r: len(r) == 6
                                  and all(p["status"] not in ("PENDING",) for p in r))
        mine = {p["master_ticket"]: p for p in rows if p["account_id"] == acc.id}
        assert (mine[no_sl]["status"], mine[no_sl]["reason_code"]) == ("SKIPPED",
                                                                       "NO_STOP_LOSS")
        assert "stop loss" in mine[no_sl]["reason"]
        theirs = {p["master_ticket"]: p for p in rows if p["account_id"] == old.id}
        assert theirs[eur]["reason_code"] == "NO_SYMBOL_INFO"
        assert theirs[gold]["reason_code"] == "NO_SYMBOL_INFO"
        assert theirs[no_sl]["reason_code"] == "NO_STOP_LOSS"
        assert no_sl not in fsim.positions and osim.positions == {}
        assert fsim.opens_executed == 2
