"""A human-paced trading loop for a simulated master: opens, SL/TP changes, partial and full
closes on a few symbols, with prices that wander like real quotes. Used by ``copytrade demo``
and ``copytrade sim master --interval``."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

import attrs
import trio

from ..domain.models import Side
from .master import MasterSim

START_PRICES = {
    "EURUSD": Decimal("1.08450"), "GBPUSD": Decimal("1.27100"), "USDJPY": Decimal("151.250"),
    "XAUUSD": Decimal("2350.10"), "US30": Decimal("39100.0"),
}
"""Plausible quotes for the symbols the simulators know; others start at 100."""

LOTS = (Decimal("0.10"), Decimal("0.20"), Decimal("0.30"), Decimal("0.50"))


def _digits(price: Decimal) -> Decimal:
    """The quote's tick: 0.00001 for 1.08450, 0.01 for 2350.10."""
    exponent = price.as_tuple().exponent
    return Decimal(1).scaleb(exponent if isinstance(exponent, int) else -2)


@attrs.define
class AutoTrader:
    """Picks the master's next move: open while it holds few positions, then mostly manage."""

    sim: MasterSim
    symbols: tuple[str, ...]
    rng: random.Random = attrs.field(factory=random.Random)
    max_open: int = 4
    prices: dict[str, Decimal] = attrs.field(factory=dict)
    last_ticket: int | None = None
    """The master ticket the last move was about."""

    def quote(self, symbol: str) -> Decimal:
        price = self.prices.get(symbol, START_PRICES.get(symbol, Decimal("100.00")))
        tick = _digits(price)
        moved = price + tick * self.rng.randint(-40, 40)
        self.prices[symbol] = max(moved, tick)
        return self.prices[symbol]

    async def step(self) -> str:
        """Make one move on the simulated master and say what it was."""
        held = sorted(self.sim.positions)
        roll = self.rng.random()
        if not held or (len(held) < self.max_open and roll < 0.45):
            return await self._open()
        ticket = self.last_ticket = self.rng.choice(held)
        pos = self.sim.positions[ticket]
        if roll < 0.65:
            return await self._modify(ticket)
        if roll < 0.8 and pos.volume >= Decimal("0.02"):
            part = (pos.volume / 2).quantize(Decimal("0.01"))
            await self.sim.close(ticket, part, price=self.quote(pos.symbol),
                                 profit=self._profit(part))
            return f"partial close {ticket}: {part} of {pos.volume + part} {pos.symbol} closed"
        await self.sim.close(ticket, price=self.quote(pos.symbol), profit=self._profit(pos.volume))
        return f"close {ticket}: {pos.side.value} {pos.symbol} fully closed"

    def _profit(self, volume: Decimal) -> Decimal:
        return (Decimal(self.rng.randint(-400, 600)) * volume).quantize(Decimal("0.01"))

    async def _open(self) -> str:
        symbol = self.rng.choice(self.symbols)
        side = self.rng.choice((Side.BUY, Side.SELL))
        price = self.quote(symbol)
        gap = _digits(price) * 300
        sl, tp = (price - gap, price + 2 * gap) if side is Side.BUY else (price + gap,
                                                                          price - 2 * gap)
        volume = self.rng.choice(LOTS)
        ticket = self.last_ticket = await self.sim.open(symbol, side, volume, price, sl, tp)
        return f"open {ticket}: {side.value} {volume} {symbol} @ {price} (SL {sl}, TP {tp})"

    async def _modify(self, ticket: int) -> str:
        pos = self.sim.positions[ticket]
        gap = _digits(pos.price) * self.rng.randint(150, 450)
        sl, tp = ((pos.price - gap, pos.price + 2 * gap) if pos.side is Side.BUY
                  else (pos.price + gap, pos.price - 2 * gap))
        await self.sim.modify(ticket, sl, tp)
        return f"modify {ticket}: {pos.symbol} SL {sl}, TP {tp}"

    async def run(self, interval: float, say: Callable[[str], None]) -> None:
        """Trade every ``interval`` seconds (with some jitter) until cancelled."""
        while True:
            await trio.sleep(interval * self.rng.uniform(0.6, 1.4))
            if self.sim.link is None:
                continue  # not connected: wait rather than pile up the outbox
            say(await self.step())
