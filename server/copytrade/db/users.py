"""The users aggregate: people who log in. Passwords arrive here already hashed."""

from __future__ import annotations

from typing import Any

import asyncpg
import attrs

from .database import Database
from .errors import Conflict, NotFound
from .models import User

_COLUMNS = "id, email, name, created_at, updated_at, is_admin, disabled_at"


def normalize_email(email: str) -> str:
    """Emails are stored trimmed and lower-cased (uniqueness is case-insensitive anyway)."""
    return email.strip().lower()


def _user(r: Any) -> User:
    return User(id=r["id"], email=r["email"], name=r["name"],
                created_at=r["created_at"], updated_at=r["updated_at"],
                is_admin=r["is_admin"], disabled_at=r["disabled_at"])


@attrs.frozen
class UserRepository:
    """SQL for the ``users`` table."""

    db: Database

    async def create(self, *, email: str, name: str, hashed_password: str) -> User:
        try:
            r = await self.db.fetchrow(
                f"INSERT INTO users (email, name, hashed_password) VALUES ($1, $2, $3) "
                f"RETURNING {_COLUMNS}",
                normalize_email(email), name.strip(), hashed_password,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict("an account with this email already exists", field="email",
                               code="email_taken") from None
        assert r is not None
        return _user(r)

    async def get(self, user_id: int) -> User:
        r = await self.db.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1", user_id)
        if r is None:
            raise NotFound("user not found")
        return _user(r)

    async def credentials(self, email: str) -> tuple[User, str] | None:
        """The user and their password hash, or None when no such email exists."""
        r = await self.db.fetchrow(
            f"SELECT {_COLUMNS}, hashed_password FROM users WHERE lower(email) = $1",
            normalize_email(email),
        )
        return None if r is None else (_user(r), r["hashed_password"])

    async def password_hash(self, user_id: int) -> str:
        value = await self.db.fetchval("SELECT hashed_password FROM users WHERE id = $1", user_id)
        if value is None:
            raise NotFound("user not found")
        return str(value)

    async def update_profile(
        self, user_id: int, *, name: str | None = None, email: str | None = None
    ) -> User:
        try:
            r = await self.db.fetchrow(
                f"UPDATE users SET name = coalesce($2, name), email = coalesce($3, email), "
                f"updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",
                user_id, name.strip() if name is not None else None,
                normalize_email(email) if email is not None else None,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict("an account with this email already exists", field="email",
                               code="email_taken") from None
        if r is None:
            raise NotFound("user not found")
        return _user(r)

    async def change_password(
        self, user_id: int, hashed_password: str, *, keep_session_id: int | None
    ) -> None:
        """Set the password and, in the same transaction, end every login of the user but
        ``keep_session_id``: the other browser sessions are deleted and every personal access
        token is revoked (a leaked password or token is worthless after the change)."""
        async with self.db.transaction() as con:
            status = await con.execute(
                "UPDATE users SET hashed_password = $2, updated_at = now() WHERE id = $1",
                user_id, hashed_password)
            if status.endswith(" 0"):
                raise NotFound("user not found")
            await con.execute(
                "DELETE FROM user_sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
                user_id, keep_session_id)
            await con.execute(
                "UPDATE api_tokens SET revoked_at = now() "
                "WHERE user_id = $1 AND revoked_at IS NULL", user_id)

    async def set_password_hash(self, user_id: int, hashed_password: str) -> None:
        status = await self.db.execute(
            "UPDATE users SET hashed_password = $2, updated_at = now() WHERE id = $1",
            user_id, hashed_password,
        )
        if status.endswith(" 0"):
            raise NotFound("user not found")
