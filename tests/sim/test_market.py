"""The simulators' market: real contract arithmetic, random walks in the symbol's own ticks."""

import random
from decimal import Decimal

from copytrade.domain.models import Side
from copytrade.sim.market import Market, profit_usd, tick_of

D = Decimal


def test_profit_uses_contract_sizes_and_converts_usd_based_pairs():
    # 0.10 lot EURUSD, +20 pips: 0.0020 * 100,000 * 0.1 = 20.00 USD.
    assert profit_usd("EURUSD", Side.BUY, D("0.10"), D("1.08450"), D("1.08650")) == D("20.00")
    # The reversed copy loses exactly that.
    assert profit_usd("EURUSD.m", Side.SELL, D("0.10"), D("1.08450"), D("1.08650")) == D("-20.00")
    # USDJPY pays yen: 0.50 lot, -0.120 → 6,000 JPY at 151.130 = 39.70 USD for the SELL.
    assert profit_usd("USDJPY", Side.SELL, D("0.50"), D("151.250"), D("151.130")) == D("39.70")
    # An unchanged price is no profit at all (the old demo booked +119.70 here).
    assert profit_usd("USDJPY", Side.BUY, D("1.00"), D("151.130"), D("151.130")) == D("0.00")
    # Gold: 100 oz per lot; 0.30 lot SELL, +2.55 → -76.50.
    assert profit_usd("XAUUSD", Side.SELL, D("0.30"), D("2350.10"), D("2352.65")) == D("-76.50")
    assert profit_usd("US30", Side.BUY, D("1"), D("39100.0"), D("39080.5")) == D("-19.50")


def test_walk_stays_on_the_symbol_ticks_and_moves():
    market = Market(random.Random(3))
    start = market.quote("USDJPY")
    seen = set()
    for _ in range(50):
        market.step("USDJPY")
        price = market.quote("USDJPY.m")  # suffixes name the same instrument
        assert price == price.quantize(tick_of(start)) and price > 0
        seen.add(price)
    assert len(seen) > 10
    assert tick_of(D("1.08450")) == D("0.00001") and tick_of(D("2350.10")) == D("0.01")
