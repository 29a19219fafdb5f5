"""Performance statistics of one account over a period (figures from db/performance.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from ..db.performance import PerformanceQueries
from ..domain.models import Role
from .accounts import ACCOUNT
from .routing import Call, route
from .schemas import RangeName
from .trades import RANGES

TAG = "trades"


@attrs.frozen
class PerformanceQuery:
    range: RangeName = "30d"


@attrs.frozen
class PerformanceOut:
    range: RangeName
    since: datetime | None
    until: datetime
    trades: int
    wins: int
    losses: int
    win_rate: float | None
    net_profit: Decimal
    gross_profit: Decimal
    gross_loss: Decimal
    profit_factor: float | None
    avg_win: Decimal | None
    avg_loss: Decimal | None
    expectancy: Decimal | None
    best: Decimal | None
    worst: Decimal | None
    max_drawdown: Decimal
    max_drawdown_pct: Decimal | None
    start_balance: Decimal | None
    trades_per_day: float
    avg_latency_ms: float | None
    latency_count: int
    avg_slippage_points: float | None
    slippage_count: int


@route("GET", f"{ACCOUNT}/performance", summary="Performance statistics over a period",
       tag=TAG, query=PerformanceQuery, response=PerformanceOut, errors=(401, 404, 422))
async def performance(call: Call[None, PerformanceQuery], account_id: int) -> PerformanceOut:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    span, _ = RANGES[call.query.range]
    until = datetime.now(UTC)
    since = None if span is None else until - span
    f = await PerformanceQueries(call.ctx.db).figures(
        account_id, master=account.role is Role.MASTER, since=since, until=until)
    f.pop("first_close")
    if f["avg_latency_ms"] is not None:
        f["avg_latency_ms"] = round(f["avg_latency_ms"], 3)
    if f["avg_slippage_points"] is not None:
        f["avg_slippage_points"] = round(f["avg_slippage_points"], 2)
    return PerformanceOut(range=call.query.range, since=since, until=until, **f)
