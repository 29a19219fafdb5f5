"""Performance figures of one account over a period, computed by PostgreSQL in one statement.

The trades counted are a master's CLOSED trades or a follower's CLOSED copies whose close
time falls in the period. Drawdown is measured on the realised-profit curve in close order
(ties by id): peak-to-trough of the running total, starting from zero at the period's start;
in percent of the balance at that peak, where the starting balance is the balance the EA
last reported minus everything closed since the period began (null without a report).
Copy latency is ``acked_at - sent_at`` and slippage the pair's fill against the master's
price in points (positive = worse, see trade_queries.SLIPPAGE_POINTS), over the copies
created in the period (a master: every copy of its trades).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from .database import Database
from .trade_queries import SLIPPAGE_POINTS

_CLOSED = {
    True: "SELECT t.id, t.profit, t.closed_at FROM master_trades t "
          "WHERE t.account_id = $1 AND t.status = 'CLOSED'",
    False: "SELECT p.id, coalesce(p.profit, 0) AS profit, p.closed_at FROM trade_pairs p "
           "WHERE p.account_id = $1 AND p.status = 'CLOSED' AND p.closed_at IS NOT NULL",
}
_COPIES = {
    True: "FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id "
          "WHERE t.account_id = $1",
    False: "FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id "
           "WHERE p.account_id = $1",
}


def _sql(master: bool) -> str:
    return f"""
WITH all_closed AS ({_CLOSED[master]}),
c AS (SELECT * FROM all_closed WHERE ($2::timestamptz IS NULL OR closed_at >= $2)
        AND closed_at < $3),
peaks AS (SELECT cum, greatest(0, max(cum) OVER w) AS peak
          FROM (SELECT id, closed_at, sum(profit) OVER w AS cum FROM c
                WINDOW w AS (ORDER BY closed_at, id ROWS UNBOUNDED PRECEDING)) x
          WINDOW w AS (ORDER BY closed_at, id ROWS UNBOUNDED PRECEDING)),
start AS (SELECT s.balance - coalesce((SELECT sum(profit) FROM all_closed
                 WHERE $2::timestamptz IS NULL OR closed_at >= $2), 0) AS balance
          FROM account_states s WHERE s.account_id = $1),
copies AS (SELECT extract(epoch FROM (p.acked_at - p.sent_at)) * 1000 AS latency_ms,
                  {SLIPPAGE_POINTS} AS slippage
           {_COPIES[master]} AND ($2::timestamptz IS NULL OR p.created_at >= $2)
             AND p.created_at < $3)
SELECT f.*,
  CASE WHEN f.trades > 0 THEN round(f.wins::numeric / f.trades, 4)::float8 END AS win_rate,
  CASE WHEN f.gross_loss < 0 THEN round(f.gross_profit / -f.gross_loss, 4)::float8
  END AS profit_factor,
  CASE WHEN f.trades > 0 THEN round(f.net_profit / f.trades, 2) END AS expectancy,
  round(f.trades / greatest(1, extract(epoch FROM ($3 - coalesce($2, f.first_close, $3)))
                                / 86400)::numeric, 4)::float8 AS trades_per_day
FROM (SELECT
  (SELECT count(*) FROM c) AS trades,
  (SELECT coalesce(sum(profit), 0) FROM c) AS net_profit,
  (SELECT coalesce(sum(profit), 0) FROM c WHERE profit > 0) AS gross_profit,
  (SELECT coalesce(sum(profit), 0) FROM c WHERE profit < 0) AS gross_loss,
  (SELECT count(*) FROM c WHERE profit > 0) AS wins,
  (SELECT count(*) FROM c WHERE profit < 0) AS losses,
  (SELECT round(avg(profit), 2) FROM c WHERE profit > 0) AS avg_win,
  (SELECT round(avg(profit), 2) FROM c WHERE profit < 0) AS avg_loss,
  (SELECT max(profit) FROM c) AS best,
  (SELECT min(profit) FROM c) AS worst,
  (SELECT min(closed_at) FROM c) AS first_close,
  (SELECT coalesce(max(peak - cum), 0) FROM peaks) AS max_drawdown,
  (SELECT max(CASE WHEN (SELECT balance FROM start) + peak > 0
                   THEN (peak - cum) * 100 / ((SELECT balance FROM start) + peak) END)
     FROM peaks)::numeric(12, 2) AS max_drawdown_pct,
  (SELECT balance FROM start) AS start_balance,
  (SELECT avg(latency_ms) FROM copies WHERE latency_ms IS NOT NULL)::float8 AS avg_latency_ms,
  (SELECT count(latency_ms) FROM copies) AS latency_count,
  (SELECT avg(slippage) FROM copies WHERE slippage IS NOT NULL)::float8 AS avg_slippage_points,
  (SELECT count(slippage) FROM copies) AS slippage_count
) f
"""


_SQL = {True: _sql(True), False: _sql(False)}


@attrs.frozen
class PerformanceQueries:
    db: Database

    async def figures(self, account_id: int, *, master: bool, since: datetime | None,
                      until: datetime) -> dict[str, Any]:
        row = await self.db.fetchrow(_SQL[master], account_id, since, until)
        assert row is not None
        return dict(row)
