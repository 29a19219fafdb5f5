"""Pending orders of an account (docs/api.md "Pending orders"): a master's own orders, or a
follower's copies of its masters' orders, newest first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ..db import orders as sql
from .accounts import ACCOUNT
from .routing import Call, route
from .validation import spec

TAG = "trades"


@attrs.frozen
class OrderQuery:
    limit: int = spec(default=50, minimum=1, maximum=200)


@attrs.frozen
class OrderOut:
    """A master's pending order and, for a follower, what became of its copy."""

    id: int
    master_account_id: int
    ticket: int
    symbol: str
    order_type: str
    price: Decimal
    volume: Decimal
    sl: Decimal
    tp: Decimal
    stoplimit: Decimal
    expiration_ms: int
    status: str
    placed_at: datetime
    ended_at: datetime | None
    copy_status: str | None
    copy_symbol: str | None
    copy_order_type: str | None
    copy_volume: Decimal | None
    copy_price: Decimal | None
    copy_sl: Decimal | None
    copy_tp: Decimal | None
    slave_ticket: int | None
    reason_code: str | None
    reason: str | None


@attrs.frozen
class OrderList:
    items: list[OrderOut]


def _out(r: Any) -> OrderOut:
    return OrderOut(
        id=r["id"], master_account_id=r["master_id"], ticket=r["ticket"],
        symbol=r["master_symbol"], order_type=r["master_order_type"], price=r["master_price"],
        volume=r["master_volume"], sl=r["master_sl"], tp=r["master_tp"],
        stoplimit=r["master_stoplimit"], expiration_ms=r["master_expiration_ms"],
        status=r["master_status"], placed_at=r["placed_at"], ended_at=r["ended_at"],
        copy_status=r["copy_status"], copy_symbol=r["copy_symbol"],
        copy_order_type=r["copy_order_type"], copy_volume=r["copy_volume"],
        copy_price=r["copy_price"], copy_sl=r["copy_sl"], copy_tp=r["copy_tp"],
        slave_ticket=r["slave_ticket"], reason_code=r["reason_code"], reason=r["reason"])


@route("GET", f"{ACCOUNT}/orders", summary="Pending orders: a master's own, or a follower's "
       "copies, newest first", tag=TAG, query=OrderQuery, response=OrderList,
       errors=(401, 404, 422))
async def list_orders(call: Call[None, OrderQuery], account_id: int) -> OrderList:
    await call.ctx.accounts.get(account_id, call.user_id)  # 404 unless it is the caller's
    limit = call.query.limit
    rows = await call.ctx.db.run(lambda con: sql.orders_of_account(con, account_id, limit))
    return OrderList([_out(r) for r in rows])
