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
from datetime import datetime
from decimal import Decimal

import attrs

from copytrade.domain.errors import SignalError
from copytrade.domain.lots import SymbolSpec, fit_volume, is_tradable
from copytrade.domain.models import Side
from copytrade.domain.plan import MasterOpenSignal, OpenOrder, Skip, plan_open
from copytrade.domain.rules import FollowerView

ORDER_SKIP_CODES = ("ORDER_NOT_REVERSIBLE",)
"""Skip codes of pending copies beyond :class:`~copytrade.domain.plan.SkipCode`."""


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


def check_stoplimit(order_type: OrderType, stoplimit: Decimal) -> None:
    """A stop-limit order needs its limit price; no other order type may carry one."""
    is_stop_limit = order_type in (OrderType.BUY_STOP_LIMIT, OrderType.SELL_STOP_LIMIT)
    if is_stop_limit and stoplimit <= 0:
        raise SignalError("stoplimit", f"a {order_type.value} order needs its limit price (> 0)")
    if not is_stop_limit and stoplimit != 0:
        raise SignalError("stoplimit", f"must be 0 for a {order_type.value} order")


@attrs.frozen
class MasterPendingOrder:
    """A master's pending order, as stored."""

    ticket: int
    symbol: str
    order_type: OrderType
    price: Decimal
    volume: Decimal
    sl: Decimal
    tp: Decimal
    stoplimit: Decimal
    expiration_ms: int
    """Epoch ms; 0 = good till cancelled."""


@attrs.frozen
class PendingCopy:
    """What the follower's EA is told to place (``ORDER``)."""

    symbol: str
    order_type: OrderType
    volume: Decimal
    price: Decimal
    sl: Decimal
    tp: Decimal
    stoplimit: Decimal
    expiration_ms: int


@attrs.frozen
class OrderSkip:
    """The follower does not copy this order; recorded as an order pair with this reason."""

    code: str
    """Stable code: a :class:`~copytrade.domain.plan.SkipCode` or ``ORDER_NOT_REVERSIBLE``."""
    reason: str


def plan_order(
    order: MasterPendingOrder, follower: FollowerView, master_equity: Decimal | None,
    now: datetime,
) -> PendingCopy | OrderSkip:
    """The follower's pending copy, or why not.

    The same rules as a market copy (:func:`copytrade.domain.plan.plan_open`: minimum lot,
    blocked/allowed lists, symbol map and suffix matching, lot sizing, the symbol's lot limits),
    with two differences: a pending order is never too old to place (it lives until the master
    cancels it or it expires), and a reversed copy takes the type from the module table at the
    **same** price, with SL/TP swapped.
    """
    try:
        order_type = copy_order_type(order.order_type, follower.rules.reverse)
    except SignalError as exc:
        return OrderSkip(ORDER_SKIP_CODES[0], exc.message + ".")
    signal = MasterOpenSignal(
        ticket=order.ticket, symbol=order.symbol, side=order.order_type.side, price=order.price,
        volume=order.volume, sl=order.sl, tp=order.tp, opened_at=now)
    plan = plan_open(signal, follower, master_equity, now)
    if isinstance(plan, Skip):
        return OrderSkip(str(plan.code), plan.reason)
    assert isinstance(plan, OpenOrder)
    return PendingCopy(symbol=plan.symbol, order_type=order_type, volume=plan.volume,
                       price=order.price, sl=plan.sl, tp=plan.tp, stoplimit=order.stoplimit,
                       expiration_ms=order.expiration_ms)


def resize_copy(copy_volume: Decimal, master_before: Decimal, master_now: Decimal,
                spec: SymbolSpec | None) -> Decimal | None:
    """A pending copy's volume after the master's order volume changed from ``master_before``
    to ``master_now`` (``CMD_ORDER_MODIFY`` with ``VOLUME``): in proportion, as a partial
    close sizes a trade copy, rounded **down** to the symbol's step and clamped to its
    maximum; ``None`` when the result is not tradable (below the symbol's minimum, or 0):
    the copy is then removed."""
    if master_before <= 0 or master_now <= 0 or copy_volume <= 0:
        return None
    fitted = fit_volume(copy_volume * master_now / master_before, spec)
    return fitted if is_tradable(fitted, spec) else None
