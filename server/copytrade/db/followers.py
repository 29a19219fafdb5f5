"""A provider's view of its followers: each follower's result and copy health, one statement.

Counted are the follower's copies of this master's trades; a copy skipped by the follower's
own rules (SKIPPED) or still PENDING is not an attempt. A copy that FAILED, EXPIRED or ended
UNKNOWN is a failure. A follower is *flagged* when at least ``FLAG_MIN_FAILED`` of its last
``FLAG_WINDOW`` attempts failed. Latency is ``acked_at - sent_at``; slippage as in
trade_queries.SLIPPAGE_POINTS (positive = worse for the follower).
"""

from __future__ import annotations

from typing import Any

from .database import Database
from .errors import NotFound
from .trade_queries import SLIPPAGE_POINTS

FLAG_WINDOW = 10
FLAG_MIN_FAILED = 3
FAILED_STATUSES = ("FAILED", "EXPIRED", "UNKNOWN")

_FAILED = "c.status IN ('FAILED', 'EXPIRED', 'UNKNOWN')"
_OVERVIEW = f"""
WITH f AS (SELECT id, name, is_active, ea_connected_at, ea_disconnected_at
             FROM trading_accounts WHERE following_id = $1),
c AS (SELECT p.account_id, p.status, p.profit, p.floating_profit,
             extract(epoch FROM (p.acked_at - p.sent_at)) * 1000 AS latency_ms,
             {SLIPPAGE_POINTS} AS slippage,
             row_number() OVER (PARTITION BY p.account_id
                                ORDER BY p.created_at DESC, p.id DESC) AS rn
        FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id
       WHERE t.account_id = $1 AND p.account_id IN (SELECT id FROM f)
         AND p.status NOT IN ('SKIPPED', 'PENDING'))
SELECT f.id, f.name, f.is_active, f.ea_connected_at, f.ea_disconnected_at,
       coalesce(sum(c.profit) FILTER (WHERE c.status = 'CLOSED'), 0) AS realised_profit,
       coalesce(sum(c.floating_profit) FILTER (WHERE c.status = 'OPEN'), 0) AS floating_profit,
       count(c.status) FILTER (WHERE c.status = 'OPEN') AS open_copies,
       count(c.status) AS copies,
       count(c.status) FILTER (WHERE {_FAILED}) AS failed,
       count(c.status) FILTER (WHERE c.rn <= $2) AS recent_copies,
       count(c.status) FILTER (WHERE c.rn <= $2 AND {_FAILED}) AS recent_failed,
       avg(c.latency_ms)::float8 AS avg_latency_ms,
       avg(c.slippage)::float8 AS avg_slippage_points
  FROM f LEFT JOIN c ON c.account_id = f.id
 GROUP BY f.id, f.name, f.is_active, f.ea_connected_at, f.ea_disconnected_at
 ORDER BY f.id
"""


class FollowerQueries:
    """The provider's follower overview, removal and re-admission."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def overview(self, master_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetch(_OVERVIEW, master_id, FLAG_WINDOW)
        out = []
        for r in rows:
            row = dict(r)
            row["failure_rate"] = (round(row["failed"] / row["copies"], 4)
                                   if row["copies"] else None)
            row["flagged"] = row["recent_failed"] >= FLAG_MIN_FAILED
            out.append(row)
        return out

    async def remove(self, master_id: int, follower_id: int) -> None:
        """Stop ``follower_id`` following ``master_id`` and keep it from following it again."""
        async with self.db.transaction() as con:
            changed = await con.fetchval(
                "UPDATE trading_accounts SET following_id = NULL, updated_at = now() "
                "WHERE id = $1 AND following_id = $2 RETURNING id", follower_id, master_id)
            if changed is None:
                raise NotFound("this account does not follow this master")
            await con.execute(
                "INSERT INTO removed_followers (master_id, follower_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING", master_id, follower_id)

    async def allow(self, master_id: int, follower_id: int) -> None:
        done = await self.db.fetchval(
            "DELETE FROM removed_followers WHERE master_id = $1 AND follower_id = $2 "
            "RETURNING follower_id", master_id, follower_id)
        if done is None:
            raise NotFound("this account was not removed from this master")

    async def removed(self, master_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            "SELECT r.follower_id AS id, a.name, r.removed_at FROM removed_followers r "
            "JOIN trading_accounts a ON a.id = r.follower_id WHERE r.master_id = $1 "
            "ORDER BY r.removed_at DESC", master_id)
        return [dict(r) for r in rows]
