"""The per-account audit log (sql/022_account_audit.sql): written on the API's write paths,
read newest first with a keyset cursor."""

from __future__ import annotations

import json
from typing import Any

import attrs

from .database import Database


@attrs.frozen
class AuditEntry:
    """One change: on ``account_id`` (None: every account of ``user_id``), by ``actor_id``."""

    account_id: int | None
    user_id: int
    actor_id: int | None
    via: str
    address: str | None
    action: str
    detail: dict[str, Any]


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def write(self, e: AuditEntry) -> None:
        await self.db.execute(
            "INSERT INTO account_audit (account_id, user_id, actor_id, via, address, action, "
            "detail) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
            e.account_id, e.user_id, e.actor_id, e.via, e.address, e.action,
            json.loads(json.dumps(e.detail, default=str)))  # plain JSON values only

    async def known_address(self, user_id: int, address: str) -> bool:
        """Whether the user logged in from ``address`` before (a recorded login)."""
        return bool(await self.db.fetchval(
            "SELECT 1 FROM account_audit WHERE user_id = $1 AND account_id IS NULL "
            "AND action = 'login' AND address = $2 LIMIT 1", user_id, address))

    async def page(self, account_id: int, user_id: int, *, before_id: int | None,
                   limit: int) -> list[dict[str, Any]]:
        """The account's entries and its owner's logins, newest first, ``limit`` + 1 rows."""
        rows = await self.db.fetch(
            "SELECT a.id, a.account_id, a.action, a.detail, a.via, a.address, "
            "a.created_at, a.actor_id, (a.actor_id = a.user_id) AS by_owner, "
            "u.name AS actor_name FROM account_audit a LEFT JOIN users u ON u.id = a.actor_id "
            "WHERE (a.account_id = $1 OR (a.account_id IS NULL AND a.user_id = $2)) "
            "AND ($3::bigint IS NULL OR a.id < $3) ORDER BY a.id DESC LIMIT $4",
            account_id, user_id, before_id, limit + 1)
        return [dict(r) for r in rows]
