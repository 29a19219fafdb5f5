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
from .market import START_PRICES, Market, tick_of
from .master import MasterPosition, MasterSim

__all__ = ["START_PRICES", "AutoTrader"]

LOTS = (Decimal("0.10"), Decimal("0.20"), Decimal("0.30"), Decimal("0.50"))


@attrs.define
class AutoTrader:
    """Picks the master's next move: open while it holds few positions, then mostly manage."""

    sim: MasterSim
    symbols: tuple[str, ...]
    rng: random.Random = attrs.field(factory=random.Random)
    max_open: int = 4
    market: Market | None = None
    """The quotes to trade at; the master sim's own market when it has one."""
    last_ticket: int | None = None
    """The master ticket the last move was about."""

    def __attrs_post_init__(self) -> None:
        if self.market is None:
            self.market = self.sim.market or Market(self.rng)

    def quote(self, symbol: str) -> Decimal:
        """The market's price after one more random step."""
        assert self.market is not None
        self.market.step(symbol)
        return self.market.quote(symbol)

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
                                 profit=self._profit(pos.symbol, pos, part))
            return f"partial close {ticket}: {part} of {pos.volume + part} {pos.symbol} closed"
        price = self.quote(pos.symbol)
        await self.sim.close(ticket, price=price, profit=self._profit(pos.symbol, pos, pos.volume))
        return f"close {ticket}: {pos.side.value} {pos.symbol} fully closed"

    def _profit(self, symbol: str, pos: MasterPosition, volume: Decimal) -> Decimal:
        """What the close books at the market's current price (real contract arithmetic)."""
        assert self.market is not None
        return self.market.floating(symbol, pos.side, volume, pos.price)

    async def _open(self) -> str:
        symbol = self.rng.choice(self.symbols)
        side = self.rng.choice((Side.BUY, Side.SELL))
        price = self.quote(symbol)
        gap = tick_of(price) * 300
        sl, tp = (price - gap, price + 2 * gap) if side is Side.BUY else (price + gap,
                                                                          price - 2 * gap)
        volume = self.rng.choice(LOTS)
        ticket = self.last_ticket = await self.sim.open(symbol, side, volume, price, sl, tp)
        return f"open {ticket}: {side.value} {volume} {symbol} @ {price} (SL {sl}, TP {tp})"

    async def _modify(self, ticket: int) -> str:
        pos = self.sim.positions[ticket]
        gap = tick_of(pos.price) * self.rng.randint(150, 450)
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
