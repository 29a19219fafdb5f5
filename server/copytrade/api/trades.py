"""Master trades, follower trade pairs, active trades, statistics and the profit series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..db.errors import Conflict
from ..db.models import TradingAccount
from ..db.trade_queries import PageFilter
from ..domain.models import Role
from .accounts import ACCOUNT
from .routing import MAX_ID, Call, route
from .schemas import (
    LatencyOut,
    PairList,
    PairPage,
    PairQuery,
    SeriesOut,
    SeriesPoint,
    SeriesQuery,
    StatsOut,
    TradeList,
    TradePage,
    TradeQuery,
)
from .validation import UNSET
from .views import pair_out, trade_out

TAG = "trades"
ACTIVE_RESPONSE: Any = TradeList | PairList

RANGES: dict[str, tuple[timedelta | None, str]] = {
    "24h": (timedelta(hours=24), "minute"),
    "7d": (timedelta(days=7), "hour"),
    "30d": (timedelta(days=30), "day"),
    "90d": (timedelta(days=90), "day"),
    "all": (None, "day"),
}


async def _account(call: Call[Any, Any], account_id: int, role: Role | None
                   ) -> TradingAccount:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    if role is not None and account.role is not role:
        what = "master trades" if role is Role.MASTER else "trade pairs"
        raise Conflict(f"only {role.value} accounts have {what}")
    return account


def _filter(q: TradeQuery | PairQuery) -> PageFilter:
    return PageFilter(
        statuses=None if q.status is UNSET else list(q.status),
        since=None if q.since is UNSET else q.since,
        until=None if q.until is UNSET else q.until,
        before_id=None if q.cursor is UNSET else min(int(q.cursor), MAX_ID),
        limit=q.limit,
    )


@route("GET", f"{ACCOUNT}/trades", summary="A master's trades, newest first", tag=TAG,
       query=TradeQuery, response=TradePage, errors=(401, 404, 409, 422))
async def list_trades(call: Call[None, TradeQuery], account_id: int) -> TradePage:
    await _account(call, account_id, Role.MASTER)
    page = await call.st.trades.trades_page(account_id, _filter(call.query))
    return TradePage([trade_out(r) for r in page.rows], page.next_cursor)


@route("GET", f"{ACCOUNT}/pairs", summary="A follower's copies, newest first", tag=TAG,
       query=PairQuery, response=PairPage, errors=(401, 404, 409, 422))
async def list_pairs(call: Call[None, PairQuery], account_id: int) -> PairPage:
    await _account(call, account_id, Role.FOLLOWER)
    page = await call.st.trades.pairs_page(account_id, _filter(call.query))
    return PairPage([pair_out(r) for r in page.rows], page.next_cursor)


@route("GET", f"{ACCOUNT}/active", summary="Open trades (master) or PENDING/OPEN copies "
       "(follower)", tag=TAG, response=ACTIVE_RESPONSE, errors=(401, 404))
async def active(call: Call[None, None], account_id: int) -> TradeList | PairList:
    account = await _account(call, account_id, None)
    if account.role is Role.MASTER:
        return TradeList([trade_out(r) for r in await call.st.trades.open_trades(account_id)])
    return PairList([pair_out(r) for r in await call.st.trades.live_pairs(account_id)])


@route("GET", f"{ACCOUNT}/stats", summary="Profit totals, win rate and copy latency", tag=TAG,
       response=StatsOut, errors=(401, 404))
async def stats(call: Call[None, None], account_id: int) -> StatsOut:
    account = await _account(call, account_id, None)
    s = await call.st.trades.stats(account_id, master=account.role is Role.MASTER)
    return StatsOut(
        total_profit=s.total_profit, closed_count=s.closed_count,
        win_rate=round(s.wins / s.closed_count, 4) if s.closed_count else None,
        best=s.best, worst=s.worst, open_count=s.open_count,
        latency_ms=LatencyOut(
            p50=None if s.latency_p50 is None else round(s.latency_p50, 3),
            p95=None if s.latency_p95 is None else round(s.latency_p95, 3),
            count=s.latency_count))


@route("GET", f"{ACCOUNT}/profit-series", summary="Cumulative closed profit over a range",
       tag=TAG, query=SeriesQuery, response=SeriesOut, errors=(401, 404, 422))
async def profit_series(call: Call[None, SeriesQuery], account_id: int) -> SeriesOut:
    account = await _account(call, account_id, None)
    span, bucket = RANGES[call.query.range]
    since = None if span is None else datetime.now(UTC) - span
    rows = await call.st.trades.profit_series(
        account_id, master=account.role is Role.MASTER, since=since, bucket=bucket)
    return SeriesOut(range=call.query.range, bucket=bucket,  # type: ignore[arg-type]
                     points=[SeriesPoint(**r) for r in rows])
