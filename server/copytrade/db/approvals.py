"""Optional follower approval (sql/034): a master's switch, its waiting followers, approve/refuse.

A follower that asks to follow a master with ``approve_followers`` on is *pending*
(``pending_master_id``, see :meth:`AccountRepository._set_following`); its ``following_id``
stays NULL, so the engine, which fans out to a master's followers by ``following_id``, copies
nothing to it. Approving sets ``following_id``; refusing clears the request and remembers the
pair in ``removed_followers`` (the follower can ask again only after the provider allows it).
"""

from __future__ import annotations

from typing import Any, Protocol

from .audit import AuditEntry, AuditLog
from .database import Database
from .errors import NotFound
from .models import TradingAccount, account_from_row

NOT_PENDING_TEXT = "this account is not waiting for this master's approval"


class FollowerApprovals:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_approve_followers(self, master_id: int, on: bool) -> None:
        await self.db.execute(
            "UPDATE trading_accounts SET approve_followers = $2, updated_at = now() "
            "WHERE id = $1 AND role = 'master'", master_id, on)

    async def pending(self, master_id: int) -> list[dict[str, Any]]:
        """The followers waiting for ``master_id``'s approval, oldest request first."""
        rows = await self.db.fetch(
            "SELECT id, name, pending_since AS requested_at FROM trading_accounts "
            "WHERE pending_master_id = $1 ORDER BY pending_since, id", master_id)
        return [dict(r) for r in rows]

    async def approve(self, master_id: int, follower_id: int) -> TradingAccount:
        r = await self.db.fetchrow(
            "UPDATE trading_accounts SET following_id = pending_master_id, "
            "pending_master_id = NULL, pending_since = NULL, updated_at = now() "
            "WHERE id = $1 AND pending_master_id = $2 RETURNING *", follower_id, master_id)
        if r is None:
            raise NotFound(NOT_PENDING_TEXT)
        return account_from_row(r)

    async def refuse(self, master_id: int, follower_id: int) -> TradingAccount:
        async with self.db.transaction() as con:
            r = await con.fetchrow(
                "UPDATE trading_accounts SET pending_master_id = NULL, pending_since = NULL, "
                "updated_at = now() WHERE id = $1 AND pending_master_id = $2 RETURNING *",
                follower_id, master_id)
            if r is None:
                raise NotFound(NOT_PENDING_TEXT)
            await con.execute(
                "INSERT INTO removed_followers (master_id, follower_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING", master_id, follower_id)
        return account_from_row(r)

    async def names(self, account_ids: list[int]) -> dict[int, str]:
        rows = await self.db.fetch(
            "SELECT id, name FROM trading_accounts WHERE id = ANY($1::bigint[])", account_ids)
        return {r["id"]: r["name"] for r in rows}


class _Events(Protocol):
    def publish(self, user_id: int, type: str, data: dict[str, Any],
                account_id: int | None = None) -> Any: ...


async def announce(db: Database, events: _Events, kind: str, follower: TradingAccount,
                   master_id: int, *, source: str) -> None:
    """Publish ``follow.<kind>`` (pending, approved, refused) to the master's owner (on the
    master account) and to the follower's owner (on the follower account); one event when
    both are the same user (on the follower). docs/api.md, live events."""
    master = await db.fetchrow("SELECT user_id, name FROM trading_accounts WHERE id = $1",
                               master_id)
    if master is None:
        return
    data = {"follower_id": follower.id, "follower_name": follower.name,
            "master_id": master_id, "master_name": master["name"], "source": source}
    events.publish(follower.user_id, f"follow.{kind}", data, follower.id)
    if master["user_id"] != follower.user_id:
        events.publish(master["user_id"], f"follow.{kind}", data, master_id)


async def audit_request(db: Database, follower: TradingAccount, master_id: int, *,
                        actor_id: int | None, via: str, address: str | None) -> None:
    """Audit a follow request: ``follow.requested`` on the follower, ``follower.requested``
    on the master (its owner's log)."""
    owner = await db.fetchval("SELECT user_id FROM trading_accounts WHERE id = $1", master_id)
    log = AuditLog(db)
    await log.write(AuditEntry(account_id=follower.id, user_id=follower.user_id,
                               actor_id=actor_id, via=via, address=address,
                               action="follow.requested", detail={"master_id": master_id}))
    if owner is not None:
        await log.write(AuditEntry(account_id=master_id, user_id=owner, actor_id=actor_id,
                                   via=via, address=address, action="follower.requested",
                                   detail={"follower_id": follower.id,
                                           "follower": follower.name}))
