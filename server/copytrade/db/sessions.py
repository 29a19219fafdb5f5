"""Browser login sessions (``user_sessions``): only the SHA-256 of the cookie value is stored."""

from __future__ import annotations

from datetime import timedelta

import attrs

from ..domain import keys
from .database import Database


@attrs.frozen
class SessionUser:
    """Who a valid session belongs to."""

    session_id: int
    user_id: int


@attrs.frozen
class SessionRepository:
    """SQL for ``user_sessions``."""

    db: Database

    async def create(self, user_id: int, ttl: timedelta, *, user_agent: str | None,
                     ip: str | None) -> str:
        """A new session for ``user_id``; returns the opaque token for the cookie."""
        token = keys.new_session_token()
        await self.db.execute(
            "INSERT INTO user_sessions (user_id, token_hash, expires_at, user_agent, ip) "
            "VALUES ($1, $2, now() + $3::interval, $4, $5)",
            user_id, keys.hash_secret(token), ttl,
            (user_agent or "")[:300] or None, (ip or "")[:100] or None,
        )
        return token

    async def resolve(self, token: str) -> SessionUser | None:
        """The live session for ``token`` (touching ``last_seen_at``), or None."""
        r = await self.db.fetchrow(
            "UPDATE user_sessions SET last_seen_at = now() "
            "WHERE token_hash = $1 AND expires_at > now() "
            "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = user_id "
            "AND u.disabled_at IS NOT NULL) RETURNING id, user_id",
            keys.hash_secret(token),
        )
        return None if r is None else SessionUser(session_id=r["id"], user_id=r["user_id"])

    async def revoke(self, token: str) -> None:
        await self.db.execute(
            "DELETE FROM user_sessions WHERE token_hash = $1", keys.hash_secret(token))

    async def revoke_others(self, user_id: int, keep_session_id: int | None) -> None:
        """End every session of the user except ``keep_session_id`` (after a password change)."""
        await self.db.execute(
            "DELETE FROM user_sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
            user_id, keep_session_id)

    async def revoke_all(self, user_id: int) -> int:
        """End every session of the user (an admin's "end sessions", or disabling); how many."""
        status = await self.db.execute("DELETE FROM user_sessions WHERE user_id = $1", user_id)
        return int(status.rsplit(" ", 1)[1])

    async def purge_expired(self) -> None:
        await self.db.execute("DELETE FROM user_sessions WHERE expires_at <= now()")
