"""The follower's price guard through the whole path: master sim → server (real TCP +
PostgreSQL) → follower sims with their own quotes. A refusal (``NACK_OPEN|T|0|PRICE_MOVED
<seen> > <limit> points``, docs/protocol.md §9) is a SKIPPED pair with reason code
``PRICE_MOVED`` and both figures in its reason."""

from __future__ import annotations

from decimal import Decimal

import trio

from copytrade.domain.models import Side
from copytrade.sim.market import Market

from helpers import World, set_rules

D = Decimal


def quotes() -> Market:
    market = Market()
    market.set("EURUSD", D("1.08500"))   # 50 points from the master's 1.08450
    return market


async def test_price_moved_beyond_the_limit_is_skipped_with_the_deviation_seen(server, nursery):
    with trio.fail_after(30):
        w = World(server, nursery)
        await w.setup_user()
        master, msim = await w.master()
        tight, tsim = await w.follower(master, market=quotes())
        await set_rules(server, tight, max_deviation_points=20)
        loose, lsim = await w.follower(master, market=quotes())
        await set_rules(server, loose, max_deviation_points=60)

        ticket = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"))
        await lsim.wait_for(lambda: ticket in lsim.positions)
        rows = await w.wait_pairs(lambda r: len(r) == 2
                                  and all(p["status"] != "PENDING" for p in r))
        mine = {p["account_id"]: p for p in rows}
        refused = mine[tight.id]
        assert (refused["status"], refused["reason_code"]) == ("SKIPPED", "PRICE_MOVED")
        assert "50 points" in refused["reason"] and "limit of 20" in refused["reason"]
        assert "PRICE_MOVED 50 > 20 points" in refused["reason"]
        assert tsim.positions == {}
        assert (mine[loose.id]["status"], mine[loose.id]["reason_code"]) == ("OPEN", None)


async def test_spread_wider_than_the_limit_is_skipped_with_the_spread_seen(server, nursery):
    with trio.fail_after(30):
        w = World(server, nursery)
        await w.setup_user()
        master, msim = await w.master()
        wide = Market()
        wide.set("EURUSD", D("1.08450"))
        wide.set_spread("EURUSD", 40)
        tight, tsim = await w.follower(master, market=wide)
        await set_rules(server, tight, max_spread_points=25)
        loose, lsim = await w.follower(master, market=wide)   # no spread limit (0)

        ticket = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"))
        await lsim.wait_for(lambda: ticket in lsim.positions)
        rows = await w.wait_pairs(lambda r: len(r) == 2
                                  and all(p["status"] != "PENDING" for p in r))
        mine = {p["account_id"]: p for p in rows}
        refused = mine[tight.id]
        assert (refused["status"], refused["reason_code"]) == ("SKIPPED", "SPREAD_TOO_WIDE")
        assert "spread was 40 points" in refused["reason"]
        assert "limit of 25" in refused["reason"]
        assert "SPREAD_TOO_WIDE 40 > 25 points" in refused["reason"]
        assert tsim.positions == {}
        assert mine[loose.id]["status"] == "OPEN"
