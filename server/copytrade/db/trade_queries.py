"""Read-only queries for the web API: trade and pair pages, active trades, stats, profit series.

Set-based SQL only: filters, cursors, percentiles (``percentile_cont``) and running totals
(window functions) are computed by PostgreSQL, each answer in one round trip. Rows come back as
plain dicts whose keys are the API's field names (db/shapes.py maps the columns).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from .database import Database
from .shapes import PAIR_PIPS, PAIR_REST, SLIPPAGE_POINTS, TRADE_REST

__all__ = ["PAIR_PIPS", "SLIPPAGE_POINTS", "Page", "PageFilter", "Stats", "TradeQueries"]

_LIVE = "('PENDING', 'OPEN', 'UNKNOWN')"

_TRADE_COLUMNS = TRADE_REST
_PAIR_COLUMNS = PAIR_REST


@attrs.frozen
class PageFilter:
    """Filters and cursor of one list page (newest first)."""

    statuses: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 50


@attrs.frozen
class Page:
    """Rows of one page, and the cursor of the next (None at the end)."""

    rows: list[dict[str, Any]]
    next_cursor: str | None


@attrs.frozen
class Stats:
    total_profit: Decimal
    closed_count: int
    wins: int
    best: Decimal | None
    worst: Decimal | None
    open_count: int
    latency_p50: float | None
    latency_p95: float | None
    latency_count: int


def _page(rows: list[Any], limit: int) -> Page:
    items = [dict(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items, str(items[-1]["id"]) if more and items else None)


@attrs.frozen
class TradeQueries:
    """The API's read side over ``master_trades`` and ``trade_pairs``."""

    db: Database

    async def account_extras(self, account_ids: list[int]) -> dict[int, tuple[str | None, int]]:
        """Per account: (name of the followed master, number of PENDING/OPEN copies)."""
        rows = await self.db.fetch(
            f"SELECT a.id, f.name AS following_name, "
            f"(SELECT count(*) FROM trade_pairs p WHERE p.account_id = a.id "
            f"   AND p.status IN {_LIVE}) + "
            f"(SELECT count(*) FROM trade_pairs p JOIN master_trades t "
            f"   ON t.id = p.master_trade_id WHERE t.account_id = a.id "
            f"   AND p.status IN {_LIVE}) AS open_pairs "
            f"FROM trading_accounts a LEFT JOIN trading_accounts f ON f.id = a.following_id "
            f"WHERE a.id = ANY($1::bigint[])", account_ids)
        return {r["id"]: (r["following_name"], int(r["open_pairs"])) for r in rows}

    async def trades_page(self, account_id: int, f: PageFilter) -> Page:
        rows = await self.db.fetch(
            f"SELECT {_TRADE_COLUMNS} FROM master_trades t WHERE t.account_id = $1 "
            f"AND ($2::text[] IS NULL OR t.status = ANY($2)) "
            f"AND ($3::timestamptz IS NULL OR t.opened_at >= $3) "
            f"AND ($4::timestamptz IS NULL OR t.opened_at < $4) "
            f"AND ($5::bigint IS NULL OR t.id < $5) ORDER BY t.id DESC LIMIT $6",
            account_id, f.statuses, f.since, f.until, f.before_id, f.limit + 1)
        return _page(rows, f.limit)

    async def pairs_page(self, account_id: int, f: PageFilter) -> Page:
        rows = await self.db.fetch(
            f"SELECT {_PAIR_COLUMNS} FROM trade_pairs p "
            f"JOIN master_trades t ON t.id = p.master_trade_id WHERE p.account_id = $1 "
            f"AND ($2::text[] IS NULL OR p.status = ANY($2)) "
            f"AND ($3::timestamptz IS NULL OR p.created_at >= $3) "
            f"AND ($4::timestamptz IS NULL OR p.created_at < $4) "
            f"AND ($5::bigint IS NULL OR p.id < $5) ORDER BY p.id DESC LIMIT $6",
            account_id, f.statuses, f.since, f.until, f.before_id, f.limit + 1)
        return _page(rows, f.limit)

    async def open_trades(self, account_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            f"SELECT {_TRADE_COLUMNS} FROM master_trades t WHERE t.account_id = $1 "
            f"AND t.status = 'OPEN' ORDER BY t.id DESC LIMIT $2", account_id, limit)
        return [dict(r) for r in rows]

    async def live_pairs(self, account_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            f"SELECT {_PAIR_COLUMNS} FROM trade_pairs p "
            f"JOIN master_trades t ON t.id = p.master_trade_id WHERE p.account_id = $1 "
            f"AND p.status IN {_LIVE} ORDER BY p.id DESC LIMIT $2", account_id, limit)
        return [dict(r) for r in rows]

    async def stats(self, account_id: int, *, master: bool) -> Stats:
        """Totals of a follower (its closed pairs) or a master (its closed trades)."""
        if master:
            closed = ("SELECT coalesce(profit, 0) AS profit FROM master_trades "
                      "WHERE account_id = $1 AND status = 'CLOSED'")
            live = "SELECT count(*) FROM master_trades WHERE account_id = $1 AND status = 'OPEN'"
            timed = ("SELECT p.sent_at, p.acked_at FROM trade_pairs p JOIN master_trades t "
                     "ON t.id = p.master_trade_id WHERE t.account_id = $1")
        else:
            closed = ("SELECT coalesce(profit, 0) AS profit FROM trade_pairs "
                      "WHERE account_id = $1 AND status = 'CLOSED'")
            live = f"SELECT count(*) FROM trade_pairs WHERE account_id = $1 AND status IN {_LIVE}"
            timed = "SELECT sent_at, acked_at FROM trade_pairs WHERE account_id = $1"
        r = await self.db.fetchrow(
            f"WITH closed AS ({closed}), "
            f"lat AS (SELECT extract(epoch FROM (acked_at - sent_at)) * 1000 AS ms "
            f"        FROM ({timed}) x WHERE sent_at IS NOT NULL AND acked_at IS NOT NULL) "
            f"SELECT (SELECT coalesce(sum(profit), 0) FROM closed) AS total, "
            f"(SELECT count(*) FROM closed) AS closed_count, "
            f"(SELECT count(*) FROM closed WHERE profit > 0) AS wins, "
            f"(SELECT max(profit) FROM closed) AS best, "
            f"(SELECT min(profit) FROM closed) AS worst, "
            f"({live}) AS open_count, "
            f"(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM lat)::float8 AS p50, "
            f"(SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FROM lat)::float8 AS p95, "
            f"(SELECT count(*) FROM lat) AS lat_count", account_id)
        assert r is not None
        return Stats(total_profit=r["total"], closed_count=r["closed_count"], wins=r["wins"],
                     best=r["best"], worst=r["worst"], open_count=r["open_count"],
                     latency_p50=r["p50"], latency_p95=r["p95"], latency_count=r["lat_count"])

    async def profit_series(self, account_id: int, *, master: bool, since: datetime | None,
                            bucket: str) -> list[dict[str, Any]]:
        """Closed profit per ``bucket`` ('minute' | 'hour' | 'day', UTC) with its running
        total."""
        if bucket not in ("minute", "hour", "day"):
            raise ValueError(bucket)
        table = "master_trades" if master else "trade_pairs"
        rows = await self.db.fetch(
            f"WITH b AS (SELECT date_trunc($3, closed_at, 'UTC') AS t, "
            f"  sum(coalesce(profit, 0)) AS profit FROM {table} "
            f"  WHERE account_id = $1 AND status = 'CLOSED' AND closed_at IS NOT NULL "
            f"  AND ($2::timestamptz IS NULL OR closed_at >= $2) GROUP BY 1) "
            f"SELECT t, profit, sum(profit) OVER (ORDER BY t) AS cumulative FROM b ORDER BY t",
            account_id, since, bucket)
        return [dict(r) for r in rows]
