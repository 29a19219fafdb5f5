"""A pretend market for the simulators: random-walk quotes and real contract arithmetic.

Each symbol's price wanders in ticks of its own digits; profit is what MT5 would book in a
USD account: ``(close - open) * contract size * lots`` for quotes in USD (EURUSD, XAUUSD,
US30), divided by the close price for USD-based pairs (USDJPY pays yen, converted at the
current rate). Broker suffixes (``EURUSD.m``) trade the same instrument. A reversed copy
therefore loses what the master wins, and equity moves with the floating P/L.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal

import attrs
import trio

from ..domain.models import Side
from ..domain.symbols import symbol_base

START_PRICES: dict[str, Decimal] = {
    "EURUSD": Decimal("1.08450"), "GBPUSD": Decimal("1.27100"), "USDJPY": Decimal("151.250"),
    "XAUUSD": Decimal("2350.10"), "US30": Decimal("39100.0"),
}
"""Plausible quotes for the symbols the simulators know; others start at 100.00."""

CONTRACT_SIZES: dict[str, Decimal] = {"XAUUSD": Decimal(100), "US30": Decimal(1)}
"""Units per lot; currency pairs (not listed) trade 100,000 units."""

CENT = Decimal("0.01")


def tick_of(price: Decimal) -> Decimal:
    """The quote's tick from its decimals: 0.00001 for 1.08450, 0.01 for 2350.10."""
    exponent = price.as_tuple().exponent
    return Decimal(1).scaleb(exponent if isinstance(exponent, int) else -2)


def contract_size(symbol: str) -> Decimal:
    return CONTRACT_SIZES.get(symbol_base(symbol).upper(), Decimal(100_000))


def profit_usd(symbol: str, side: Side, volume: Decimal, open_price: Decimal,
               price: Decimal) -> Decimal:
    """Profit in USD of ``volume`` lots opened at ``open_price``, valued at ``price``."""
    move = (price - open_price) * (1 if side is Side.BUY else -1)
    raw = move * contract_size(symbol) * volume
    base = symbol_base(symbol).upper()
    if base.startswith("USD") and len(base) == 6 and price > 0:
        raw = raw / price  # the profit is in the quote currency (JPY ...): convert to USD
    return raw.quantize(CENT, rounding=ROUND_HALF_EVEN)


@attrs.define
class Market:
    """Quotes shared by every simulator of one process (the demo's master and followers)."""

    rng: random.Random = attrs.field(factory=random.Random)
    prices: dict[str, Decimal] = attrs.field(factory=dict)
    max_ticks: int = 25
    """Largest move of one step, in ticks."""
    spreads: dict[str, int] = attrs.field(factory=dict)
    """Spread (ask - bid) of a symbol, in points; a symbol not listed has none."""

    def quote(self, symbol: str) -> Decimal:
        """The current price of ``symbol`` (suffixes ignored)."""
        base = symbol_base(symbol).upper()
        price = self.prices.get(base)
        if price is None:
            price = self.prices[base] = START_PRICES.get(base, Decimal("100.00"))
        return price

    def floating(self, symbol: str, side: Side, volume: Decimal, open_price: Decimal) -> Decimal:
        """Floating profit (USD) of a position opened at ``open_price``, at the current quote."""
        return profit_usd(symbol, side, volume, open_price, self.quote(symbol))

    def step(self, symbol: str | None = None) -> None:
        """Move one symbol (or every known one) by a random number of ticks."""
        names = [symbol_base(symbol).upper()] if symbol is not None else list(self.prices)
        for base in names:
            price = self.quote(base)
            tick = tick_of(price)
            moved = price + tick * self.rng.randint(-self.max_ticks, self.max_ticks)
            self.prices[base] = max(moved, tick).quantize(tick)

    def set(self, symbol: str, price: Decimal) -> None:
        """Put ``symbol`` at ``price`` (tests)."""
        self.prices[symbol_base(symbol).upper()] = price

    def set_spread(self, symbol: str, points: int) -> None:
        """Give ``symbol`` a spread of ``points`` (tests)."""
        self.spreads[symbol_base(symbol).upper()] = points

    def spread_points(self, symbol: str) -> int:
        """The spread of ``symbol`` in points (suffixes ignored); 0 unless set."""
        return self.spreads.get(symbol_base(symbol).upper(), 0)


async def walk_market(market: Market, interval: float = 1.0) -> None:
    """Move every quoted symbol once per ``interval`` until cancelled."""
    while True:
        await trio.sleep(interval)
        market.step()
