"""Balance, equity and drawdown over time: the per-minute series of the ACCOUNT reports.

The write side folds a batch of reports into one row per (account, minute) — the minute's
last balance and equity, its lowest and highest equity and the largest fall inside it — and
merges it into what the minute already holds (sql/020_equity_series.sql); the newest report
of each account is also kept whole in ``account_states`` (:func:`save_reports`). The read side
measures each minute's drawdown (the running peak of the minutes before it minus its low, or
its own inner fall if larger) and groups minutes into buckets of any size, in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from .database import Database

EquityReport = tuple[int, Decimal, Decimal, datetime]
"""(account id, balance, equity, when reported)."""


def fold(reports: Sequence[EquityReport]) -> list[tuple[Any, ...]]:
    """One row per (account, minute), reports in order: last balance and equity, min and max
    equity, the largest fall from a high to a later low, report count."""
    rows: dict[tuple[int, datetime], list[Any]] = {}
    for account_id, balance, equity, at in reports:
        minute = at.replace(second=0, microsecond=0)
        row = rows.get((account_id, minute))
        if row is None:
            rows[(account_id, minute)] = [account_id, minute, balance, equity, equity, equity,
                                          Decimal(0), 1]
        else:
            row[2], row[3] = balance, equity
            row[4], row[5] = min(row[4], equity), max(row[5], equity)
            row[6] = max(row[6], row[5] - equity)
            row[7] += 1
    return [tuple(r) for r in rows.values()]


AccountReport = tuple[int, Decimal, Decimal, Decimal, str, int, datetime]
"""(account id, balance, equity, margin level, currency, leverage, when reported): one
``ACCOUNT`` line (docs/protocol.md)."""


async def save_reports(con: asyncpg.Connection, rows: Sequence[AccountReport]) -> None:
    """A batch of ACCOUNT reports: merged into the per-minute series, the newest per account
    kept in ``account_states``. One transaction: a retried batch (the ledger retries after an
    outage) must not merge its reports into the per-minute series twice."""
    async with con.transaction():
        await save_points(con, [(r[0], r[1], r[2], r[6]) for r in rows])
        latest = {r[0]: r[:6] for r in rows}  # only the newest report per account matters
        cols = [list(c) for c in zip(*latest.values(), strict=True)]
        await con.execute(
            "INSERT INTO account_states (account_id, balance, equity, margin_level, currency, "
            "leverage) SELECT * FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], "
            "$4::numeric[], $5::text[], $6::int[]) ON CONFLICT (account_id) DO UPDATE SET "
            "balance = EXCLUDED.balance, equity = EXCLUDED.equity, "
            "margin_level = EXCLUDED.margin_level, currency = EXCLUDED.currency, "
            "leverage = EXCLUDED.leverage, updated_at = now()", *cols)


async def save_points(con: asyncpg.Connection, reports: Sequence[EquityReport]) -> None:
    rows = fold(reports)
    if not rows:
        return
    cols = [list(c) for c in zip(*rows, strict=True)]
    # What the minute holds came before this batch: its high against the batch's low counts.
    await con.execute(
        "INSERT INTO equity_points AS e (account_id, minute, balance, equity, equity_min, "
        "equity_max, drawdown, reports) SELECT * FROM unnest($1::bigint[], $2::timestamptz[], "
        "$3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::int[]) "
        "ON CONFLICT (account_id, minute) DO UPDATE SET balance = EXCLUDED.balance, "
        "equity = EXCLUDED.equity, equity_min = least(e.equity_min, EXCLUDED.equity_min), "
        "equity_max = greatest(e.equity_max, EXCLUDED.equity_max), "
        "drawdown = greatest(e.drawdown, EXCLUDED.drawdown, e.equity_max - EXCLUDED.equity_min), "
        "reports = e.reports + EXCLUDED.reports", *cols)


_SERIES = """
WITH m AS (
    SELECT minute, balance, equity, equity_min, equity_max, drawdown AS dd_in,
           max(equity_max) OVER (ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING
                                                      AND 1 PRECEDING) AS prev_peak
      FROM equity_points
     WHERE account_id = $1 AND ($2::timestamptz IS NULL OR minute >= $2) AND minute < $3),
d AS (SELECT *, greatest(coalesce(prev_peak - equity_min, 0), dd_in) AS dd,
             greatest(coalesce(prev_peak, equity_max), equity_max) AS peak FROM m)
SELECT to_timestamp(floor(extract(epoch FROM minute) / $4::int) * $4::int) AS t,
       (array_agg(balance ORDER BY minute DESC))[1] AS balance,
       (array_agg(equity ORDER BY minute DESC))[1] AS equity,
       min(equity_min) AS equity_min, max(equity_max) AS equity_max,
       max(dd) AS drawdown,
       round(max(CASE WHEN peak > 0 THEN dd * 100 / peak END), 2) AS drawdown_pct
  FROM d GROUP BY 1 ORDER BY 1
"""


MINUTES_KEPT = timedelta(days=8)
"""Minute rows older than this are folded into one row per hour (the 24 h and 7 d views need
minutes, the 30 d view hours): at most ~11 500 minute rows per account, then 24 a day."""

_COMPACT = """
WITH gone AS (
    DELETE FROM equity_points e
     WHERE e.minute < date_trunc('hour', $1::timestamptz)
       AND EXISTS (SELECT 1 FROM equity_points x
                    WHERE x.account_id = e.account_id
                      AND date_trunc('hour', x.minute) = date_trunc('hour', e.minute)
                      AND x.minute <> date_trunc('hour', x.minute))
    RETURNING e.*),
w AS (SELECT *, date_trunc('hour', minute) AS hour,
             max(equity_max) OVER (PARTITION BY account_id, date_trunc('hour', minute)
                                   ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING
                                                            AND 1 PRECEDING) AS prev_peak
        FROM gone)
INSERT INTO equity_points (account_id, minute, balance, equity, equity_min, equity_max,
                           drawdown, reports)
SELECT account_id, hour, (array_agg(balance ORDER BY minute DESC))[1],
       (array_agg(equity ORDER BY minute DESC))[1], min(equity_min), max(equity_max),
       max(greatest(coalesce(prev_peak - equity_min, 0), drawdown)), sum(reports)
  FROM w GROUP BY account_id, hour
"""


class EquityQueries:
    """Reads of the equity series (the API's ``/equity``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_minute(self, account_id: int) -> datetime | None:
        minute: datetime | None = await self.db.fetchval(
            "SELECT min(minute) FROM equity_points WHERE account_id = $1", account_id)
        return minute

    async def compact(self, before: datetime) -> int:
        """Fold the minute rows of every hour that ended before ``before`` into one row at the
        hour's start (last balance and equity, extremes, the largest fall in order, report
        count); returns the rows written."""
        status = await self.db.execute(_COMPACT, before)
        return int(status.split()[-1])

    async def series(self, account_id: int, *, since: datetime | None, until: datetime,
                     bucket_s: int) -> list[dict[str, Any]]:
        rows = await self.db.fetch(_SERIES, account_id, since, until, bucket_s)
        return [dict(r) for r in rows]
