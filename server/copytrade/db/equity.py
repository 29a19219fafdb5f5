"""Balance, equity and drawdown over time: the per-minute series of the ACCOUNT reports.

The write side folds a batch of reports into one row per (account, minute) — the minute's
last balance and equity and its lowest and highest equity — and merges it into what the
minute already holds (sql/020_equity_series.sql). The read side groups those minutes into
buckets of any size and measures drawdown against the running equity peak, in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from .database import Database

EquityReport = tuple[int, Decimal, Decimal, datetime]
"""(account id, balance, equity, when reported)."""


def fold(reports: Sequence[EquityReport]) -> list[tuple[Any, ...]]:
    """One row per (account, minute): last balance/equity, min/max equity, report count."""
    rows: dict[tuple[int, datetime], list[Any]] = {}
    for account_id, balance, equity, at in reports:
        minute = at.replace(second=0, microsecond=0)
        row = rows.get((account_id, minute))
        if row is None:
            rows[(account_id, minute)] = [account_id, minute, balance, equity, equity, equity, 1]
        else:
            row[2], row[3] = balance, equity
            row[4], row[5] = min(row[4], equity), max(row[5], equity)
            row[6] += 1
    return [tuple(r) for r in rows.values()]


async def save_points(con: asyncpg.Connection, reports: Sequence[EquityReport]) -> None:
    rows = fold(reports)
    if not rows:
        return
    cols = [list(c) for c in zip(*rows, strict=True)]
    await con.execute(
        "INSERT INTO equity_points (account_id, minute, balance, equity, equity_min, "
        "equity_max, reports) SELECT * FROM unnest($1::bigint[], $2::timestamptz[], "
        "$3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::int[]) "
        "ON CONFLICT (account_id, minute) DO UPDATE SET balance = EXCLUDED.balance, "
        "equity = EXCLUDED.equity, "
        "equity_min = least(equity_points.equity_min, EXCLUDED.equity_min), "
        "equity_max = greatest(equity_points.equity_max, EXCLUDED.equity_max), "
        "reports = equity_points.reports + EXCLUDED.reports", *cols)


_SERIES = """
WITH g AS (
    SELECT to_timestamp(floor(extract(epoch FROM minute) / $4) * $4) AS t,
           (array_agg(balance ORDER BY minute DESC))[1] AS balance,
           (array_agg(equity ORDER BY minute DESC))[1] AS equity,
           min(equity_min) AS equity_min, max(equity_max) AS equity_max
      FROM equity_points
     WHERE account_id = $1 AND ($2::timestamptz IS NULL OR minute >= $2) AND minute < $3
     GROUP BY 1),
p AS (SELECT *, max(equity_max) OVER (ORDER BY t ROWS UNBOUNDED PRECEDING) AS peak FROM g)
SELECT t, balance, equity, equity_min, equity_max,
       greatest(0, peak - equity_min) AS drawdown,
       CASE WHEN peak > 0 THEN round(greatest(0, peak - equity_min) * 100 / peak, 2)
       END AS drawdown_pct
  FROM p ORDER BY t
"""


class EquityQueries:
    """Reads of the equity series (the API's ``/equity``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_minute(self, account_id: int) -> datetime | None:
        return await self.db.fetchval(
            "SELECT min(minute) FROM equity_points WHERE account_id = $1", account_id)

    async def series(self, account_id: int, *, since: datetime | None, until: datetime,
                     bucket_s: int) -> list[dict[str, Any]]:
        rows = await self.db.fetch(_SERIES, account_id, since, until, bucket_s)
        return [dict(r) for r in rows]
