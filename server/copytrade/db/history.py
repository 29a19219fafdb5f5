"""Closed trades and ended copies, newest close first: the history page and its CSV export.

One query per page, keyset-paged on (close time, id) so pages stay stable while new closes
arrive; filters by symbol (master or follower spelling, any case), close-time range and
status. Rows come back as dicts whose keys are the API's field names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from .database import Database
from .trade_queries import PAIR_PIPS

ENDED = ("CLOSED", "FAILED", "SKIPPED", "EXPIRED")
EXPORT_LIMIT = 100_000
"""Most rows one CSV export holds (the newest)."""


@attrs.frozen
class HistoryFilter:
    symbol: str | None = None
    since: datetime | None = None
    """Close time from (inclusive)."""
    until: datetime | None = None
    """Close time before (exclusive)."""
    statuses: list[str] | None = None
    after: tuple[datetime, int] | None = None
    """Keyset cursor: rows strictly older than this (close time, id)."""
    limit: int = 50


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def encode_cursor(close_time: datetime, row_id: int) -> str:
    return f"{(close_time - EPOCH) // MICROSECOND}_{row_id}"


def decode_cursor(text: str) -> tuple[datetime, int]:
    """``<epoch microseconds>_<id>``; ValueError when it is not one of ours."""
    micros, row_id = text.split("_", 1)
    return EPOCH + int(micros) * MICROSECOND, int(row_id)


_MASTER = """
SELECT t.id, 'trade' AS kind, t.ticket, NULL::bigint AS follower_ticket, t.symbol,
       NULL::text AS follower_symbol, t.type AS side, t.volume,
       t.opened_at AS open_time, t.closed_at AS close_time, t.price AS open_price,
       t.close_price, extract(epoch FROM (t.closed_at - t.opened_at))::float8 AS duration_s,
       pips(t.symbol, t.type, t.price, t.close_price)::float8 AS pips, t.profit, t.status,
       t.close_reason AS reason_code, NULL::text AS reason, NULL::int AS retcode
FROM master_trades t
WHERE t.account_id = $1 AND t.status = 'CLOSED'
  AND ($2::text IS NULL OR upper(t.symbol) = upper($2))
  AND ($3::timestamptz IS NULL OR t.closed_at >= $3)
  AND ($4::timestamptz IS NULL OR t.closed_at < $4)
  AND ($5::text[] IS NULL OR t.status = ANY($5))
  AND ($6::timestamptz IS NULL OR (t.closed_at, t.id) < ($6, $7))
ORDER BY t.closed_at DESC, t.id DESC LIMIT $8
"""

_PAIR = f"""
SELECT * FROM (
  SELECT p.id, 'copy' AS kind, t.ticket, p.slave_ticket AS follower_ticket, t.symbol,
         p.symbol AS follower_symbol, coalesce(p.slave_type, t.type) AS side,
         coalesce(p.requested_volume, p.slave_volume) AS volume,
         CASE WHEN p.status = 'CLOSED' THEN coalesce(p.acked_at, p.created_at) END AS open_time,
         coalesce(p.closed_at, p.acked_at, p.sent_at, p.created_at) AS close_time,
         coalesce(p.fill_price, t.price) AS open_price, p.close_price,
         CASE WHEN p.status = 'CLOSED' THEN extract(epoch FROM (p.closed_at -
              coalesce(p.acked_at, p.created_at)))::float8 END AS duration_s,
         {PAIR_PIPS}::float8 AS pips, p.profit, p.status,
         coalesce(p.reason_code, CASE WHEN p.status = 'CLOSED' THEN t.close_reason END)
           AS reason_code, p.reason, p.retcode
  FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id
  WHERE p.account_id = $1 AND p.status IN {ENDED!r}
    AND ($2::text IS NULL OR upper(t.symbol) = upper($2) OR upper(p.symbol) = upper($2))
) h
WHERE ($3::timestamptz IS NULL OR h.close_time >= $3)
  AND ($4::timestamptz IS NULL OR h.close_time < $4)
  AND ($5::text[] IS NULL OR h.status = ANY($5))
  AND ($6::timestamptz IS NULL OR (h.close_time, h.id) < ($6, $7))
ORDER BY h.close_time DESC, h.id DESC LIMIT $8
"""


@attrs.frozen
class HistoryPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None


@attrs.frozen
class HistoryQueries:
    """Read side of the history page (master trades or a follower's copies)."""

    db: Database

    async def page(self, account_id: int, *, master: bool, f: HistoryFilter) -> HistoryPage:
        after_time, after_id = f.after if f.after is not None else (None, None)
        rows = await self.db.fetch(
            _MASTER if master else _PAIR, account_id, f.symbol, f.since, f.until, f.statuses,
            after_time, after_id, f.limit + 1)
        items = [dict(r) for r in rows[: f.limit]]
        more = len(rows) > f.limit and items
        cursor = encode_cursor(items[-1]["close_time"], items[-1]["id"]) if more else None
        return HistoryPage(items, cursor)
