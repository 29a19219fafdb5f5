"""Who follows whom, read once at start-up to fill the engine's routing indexes
(engine/routing.py); every later change reaches the engine account by account."""

from __future__ import annotations

from .database import Database


async def follow_links(db: Database) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(follower id, master id) of every account following a master, and (master id,
    partner id) of every master with a 1TO1 partner."""
    follows = await db.fetch(
        "SELECT id, following_id FROM trading_accounts WHERE following_id IS NOT NULL")
    partners = await db.fetch(
        "SELECT id, partner_id FROM trading_accounts WHERE partner_id IS NOT NULL")
    return ([(r["id"], r["following_id"]) for r in follows],
            [(r["id"], r["partner_id"]) for r in partners])
