"""The tickets a 1TO1 kill switch closes (engine/killswitch.py): the live copies one follower
holds of one master, or the master's open trades that follower copied."""

from __future__ import annotations

from .database import Database

_LIVE_COPIES = (
    "SELECT t.ticket FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id "
    "WHERE p.account_id = $1 AND t.account_id = $2 AND p.status IN ('PENDING', 'OPEN')")
# The master's open trades that the follower copied (or is copying): a copy the stop-out
# just closed counts too, trades it skipped or never got do not.
_COPIED_MASTER_TRADES = (
    "SELECT t.ticket FROM master_trades t JOIN trade_pairs p ON p.master_trade_id = t.id "
    "WHERE t.account_id = $1 AND t.status = 'OPEN' AND p.account_id = $2 "
    "AND p.status IN ('PENDING', 'OPEN', 'CLOSED')")


async def live_copy_tickets(db: Database, follower_id: int, master_id: int) -> list[int]:
    """Master tickets of the follower's PENDING or OPEN copies of this master's trades."""
    return [r["ticket"] for r in await db.fetch(_LIVE_COPIES, follower_id, master_id)]


async def copied_master_tickets(db: Database, master_id: int, follower_id: int) -> list[int]:
    """Tickets of the master's open trades the follower copied, is copying, or just closed."""
    return [r["ticket"] for r in await db.fetch(_COPIED_MASTER_TRADES, master_id, follower_id)]
