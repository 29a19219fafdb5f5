"""Personal access tokens (``api_tokens``): stored as SHA-256, shown to the user once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ..domain import keys
from .database import Database
from .errors import NotFound

_COLUMNS = "id, user_id, name, token_prefix, created_at, last_used_at"


@attrs.frozen
class ApiToken:
    """One personal access token (never its secret)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


def _token(r: Any) -> ApiToken:
    return ApiToken(id=r["id"], user_id=r["user_id"], name=r["name"], prefix=r["token_prefix"],
                    created_at=r["created_at"], last_used_at=r["last_used_at"])


@attrs.frozen
class TokenRepository:
    """SQL for ``api_tokens``; every method but :meth:`resolve` is scoped to one user."""

    db: Database

    async def create(self, user_id: int, name: str) -> tuple[ApiToken, str]:
        secret = keys.new_personal_token()
        r = await self.db.fetchrow(
            f"INSERT INTO api_tokens (user_id, name, token_hash, token_prefix) "
            f"VALUES ($1, $2, $3, $4) RETURNING {_COLUMNS}",
            user_id, name.strip(), keys.hash_secret(secret), keys.visible_prefix(secret),
        )
        return _token(r), secret

    async def list_for_user(self, user_id: int) -> list[ApiToken]:
        rows = await self.db.fetch(
            f"SELECT {_COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL "
            f"ORDER BY id", user_id)
        return [_token(r) for r in rows]

    async def revoke(self, token_id: int, user_id: int) -> None:
        status = await self.db.execute(
            "UPDATE api_tokens SET revoked_at = now() "
            "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL", token_id, user_id)
        if status.endswith(" 0"):
            raise NotFound("token not found")

    async def resolve(self, secret: str) -> int | None:
        """The user id of a live token (touching ``last_used_at``), or None."""
        value = await self.db.fetchval(
            "UPDATE api_tokens SET last_used_at = now() "
            "WHERE token_hash = $1 AND revoked_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = user_id "
            "AND u.disabled_at IS NOT NULL) RETURNING user_id",
            keys.hash_secret(secret))
        return None if value is None else int(value)
