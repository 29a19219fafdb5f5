"""Pending orders: the small pure pieces the order modules share (rows → domain values →
protocol lines, the order-pair row shape). No engine state here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..domain.pending import MasterPendingOrder, OrderType, PendingCopy
from ..domain.plan import plan_modify
from ..protocol import CommandKind, CopyOrder, ErrorCode, OrderEnd, OrderReport, encode

ORDER_COMMANDS = frozenset({CommandKind.ORDER, CommandKind.ORDER_MODIFY,
                            CommandKind.ORDER_CANCEL})
MAX_ORDERS = 5000
"""Most ``ORD`` lines one login report may carry."""
LIVE = ("PENDING", "PLACED")
"""Order-pair statuses of a copy that is (or may be) on the follower's terminal."""


class OrderRefused(Exception):
    """A master order line the engine refuses (answered ``ERR|code|text``)."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def order_from_row(row: Any) -> MasterPendingOrder:
    return MasterPendingOrder(
        ticket=row["ticket"], symbol=row["symbol"], order_type=OrderType(row["order_type"]),
        price=row["price"], volume=row["volume"], sl=row["sl"], tp=row["tp"],
        stoplimit=row["stoplimit"], expiration_ms=row["expiration_ms"])


def order_line(ticket: int, copy: PendingCopy) -> bytes:
    return encode(CopyOrder(
        master_ticket=ticket, symbol=copy.symbol, order_type=copy.order_type,
        volume=copy.volume, price=copy.price, sl=copy.sl, tp=copy.tp, stoplimit=copy.stoplimit,
        expiration_ms=copy.expiration_ms))


def copy_values(row: Any, reverse: bool) -> tuple[Decimal, Decimal, Decimal, Decimal, int]:
    """(price, sl, tp, stoplimit, expiration) a follower's copy should have now."""
    sl, tp = plan_modify(row["sl"], row["tp"], reverse)
    return row["price"], sl, tp, row["stoplimit"], row["expiration_ms"]


def end_reason(status: str) -> OrderEnd:
    return OrderEnd.EXPIRED if status == "EXPIRED" else OrderEnd.CANCELLED


def reported_copy(report: OrderReport) -> PendingCopy:
    return PendingCopy(symbol=report.symbol, order_type=report.order_type, volume=report.volume,
                       price=report.price, sl=report.sl, tp=report.tp, stoplimit=report.stoplimit,
                       expiration_ms=report.expiration_ms)


def pair_row(order_id: int, fid: int, status: str, plan: PendingCopy | None,
             code: str | None, reason: str | None, sent: bool) -> tuple[Any, ...]:
    """A row for :func:`copytrade.db.orders.insert_pairs`."""
    if plan is None:
        return (order_id, fid, status, None, None, None, None, None, None, None, None, code,
                reason, sent)
    return (order_id, fid, status, plan.symbol, plan.order_type.value, plan.volume, plan.price,
            plan.sl, plan.tp, plan.stoplimit, plan.expiration_ms, code, reason, sent)
