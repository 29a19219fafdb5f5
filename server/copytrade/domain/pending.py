"""Pending orders: the master's limit and stop orders, and how a reversed copy is placed.

A reversed copy trades the opposite direction **at the same price**. Which order type does that
depends on where the price is relative to the market, so a limit becomes a stop and a stop a
limit (the table below, :func:`copy_order_type`):

| master      | copy, reversed |
|-------------|----------------|
| BUY_LIMIT   | SELL_STOP      |
| SELL_LIMIT  | BUY_STOP       |
| BUY_STOP    | SELL_LIMIT     |
| SELL_STOP   | BUY_LIMIT      |

A BUY LIMIT waits below the market; selling at that same lower price is a SELL STOP. Stop-limit
orders are not copied reversed (the stop and limit legs would have to swap sides of the trigger):
:func:`copy_order_type` raises :class:`~copytrade.domain.errors.SignalError` for them, and the
caller records the copy as SKIPPED. SL/TP swap as for market copies
(:func:`copytrade.domain.plan.plan_modify`).
"""

from __future__ import annotations

import enum

from copytrade.domain.errors import SignalError
from copytrade.domain.models import Side


class OrderType(enum.Enum):
    """An MT5 pending order type (``ORDER_TYPE_*``)."""

    BUY_LIMIT = "BUY_LIMIT"
    SELL_LIMIT = "SELL_LIMIT"
    BUY_STOP = "BUY_STOP"
    SELL_STOP = "SELL_STOP"
    BUY_STOP_LIMIT = "BUY_STOP_LIMIT"
    SELL_STOP_LIMIT = "SELL_STOP_LIMIT"

    @property
    def side(self) -> Side:
        """The direction of the position the order opens when it fills."""
        return Side.BUY if self.value.startswith("BUY") else Side.SELL


_REVERSED = {
    OrderType.BUY_LIMIT: OrderType.SELL_STOP,
    OrderType.SELL_LIMIT: OrderType.BUY_STOP,
    OrderType.BUY_STOP: OrderType.SELL_LIMIT,
    OrderType.SELL_STOP: OrderType.BUY_LIMIT,
}


def copy_order_type(master: OrderType, reverse: bool) -> OrderType:
    """The copy's order type (module table); the master's own when not reversing."""
    if not reverse:
        return master
    try:
        return _REVERSED[master]
    except KeyError:
        raise SignalError(
            "order_type", f"a {master.value} order cannot be copied reversed"
        ) from None
