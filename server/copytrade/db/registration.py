"""Who may register: the first user (who becomes the admin), invite codes, and user admin.

:meth:`RegistrationRepository.register` is one transaction under an advisory lock, so "is this
the first user?" and "is this invite still unused?" are decided once even when two requests
race. An email that already exists is not an error here: the caller answers exactly as for a
new user (registration must not reveal which emails exist), and a valid invite is spent either
way (otherwise whether it was spent would tell).
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import attrs

from ..domain import keys
from .database import Database
from .errors import Conflict, NotFound
from .models import User
from .users import normalize_email

REGISTRATION_LOCK_KEY = 0x436F70795265  # "CopyRe": serialises registrations
INVITE_PREFIX = "INV-"
_USER_COLUMNS = "id, email, name, created_at, updated_at, is_admin, disabled_at"


class RegistrationMode(enum.Enum):
    """``COPYTRADE_REGISTRATION``: who may create a user (the first user always may)."""

    OPEN = "open"
    """Anyone who reaches the web app."""
    INVITE = "invite"
    """Only with an unused, unexpired invite code from an admin (the default)."""
    CLOSED = "closed"
    """Nobody, not even the first user."""


class RegistrationRefused(Exception):
    """Registration is closed, or the invite code is missing, unknown, used or expired."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def new_invite_code() -> str:
    """An invite code: ``INV-`` + 144 random bits."""
    return INVITE_PREFIX + secrets.token_urlsafe(18)


@attrs.frozen
class Invite:
    """One invite code (never the code itself: only its first characters)."""

    id: int
    prefix: str
    note: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_email: str | None
    revoked_at: datetime | None


@attrs.frozen
class UserSummary:
    """A user as the admin page lists them."""

    user: User
    accounts: int
    sessions: int
    last_seen_at: datetime | None


def _user(r: Any) -> User:
    return User(id=r["id"], email=r["email"], name=r["name"], created_at=r["created_at"],
                updated_at=r["updated_at"], is_admin=r["is_admin"], disabled_at=r["disabled_at"])


def _invite(r: Any) -> Invite:
    return Invite(id=r["id"], prefix=r["code_prefix"], note=r["note"], created_at=r["created_at"],
                  expires_at=r["expires_at"], used_at=r["used_at"],
                  used_by_email=r["used_by_email"], revoked_at=r["revoked_at"])


_INVITE_SELECT = (
    "SELECT i.id, i.code_prefix, i.note, i.created_at, i.expires_at, i.used_at, i.revoked_at, "
    "u.email AS used_by_email FROM invites i LEFT JOIN users u ON u.id = i.used_by"
)


@attrs.frozen
class RegistrationRepository:
    """SQL for registering, ``invites`` and the admin's view of ``users``."""

    db: Database

    async def has_users(self) -> bool:
        return bool(await self.db.fetchval("SELECT EXISTS (SELECT 1 FROM users)"))

    async def register(self, *, email: str, name: str, hashed_password: str,
                       mode: RegistrationMode, invite_code: str | None) -> User | None:
        """Create the user, or None when the email exists; :class:`RegistrationRefused` if
        the mode or the invite does not allow it. The first user becomes the admin."""

        async def _tx(con: asyncpg.Connection) -> User | None:
            await con.execute("SELECT pg_advisory_xact_lock($1)", REGISTRATION_LOCK_KEY)
            first = not await con.fetchval("SELECT EXISTS (SELECT 1 FROM users)")
            if mode is RegistrationMode.CLOSED:
                raise RegistrationRefused("Registration is closed on this server.")
            invite_id = None
            if mode is RegistrationMode.INVITE and not first:
                if not invite_code:
                    raise RegistrationRefused(
                        "Registration needs an invite code from the administrator.",
                        field="invite_code")
                invite_id = await con.fetchval(
                    "UPDATE invites SET used_at = now() WHERE code_hash = $1 "
                    "AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() "
                    "RETURNING id", keys.hash_secret(invite_code.strip()))
                if invite_id is None:
                    raise RegistrationRefused("This invite code is unknown, used or expired.",
                                              field="invite_code")
            r = await con.fetchrow(
                f"INSERT INTO users (email, name, hashed_password, is_admin) "
                f"VALUES ($1, $2, $3, $4) ON CONFLICT ((lower(email))) DO NOTHING "
                f"RETURNING {_USER_COLUMNS}",
                normalize_email(email), name.strip(), hashed_password, first)
            if r is None:
                return None
            if invite_id is not None:
                await con.execute("UPDATE invites SET used_by = $2 WHERE id = $1",
                                  invite_id, r["id"])
            return _user(r)

        return await self.db.run_in_transaction(_tx)

    # ---- invites

    async def create_invite(self, admin_id: int, *, ttl: timedelta,
                            note: str) -> tuple[Invite, str]:
        code = new_invite_code()
        r = await self.db.fetchrow(
            "WITH i AS (INSERT INTO invites (code_hash, code_prefix, note, created_by, expires_at) "
            "VALUES ($1, $2, $3, $4, now() + $5::interval) RETURNING *) "
            "SELECT i.id, i.code_prefix, i.note, i.created_at, i.expires_at, i.used_at, "
            "i.revoked_at, NULL::text AS used_by_email FROM i",
            keys.hash_secret(code), code[:8], note.strip(), admin_id, ttl)
        return _invite(r), code

    async def list_invites(self, limit: int = 200) -> list[Invite]:
        rows = await self.db.fetch(f"{_INVITE_SELECT} ORDER BY i.id DESC LIMIT $1", limit)
        return [_invite(r) for r in rows]

    async def revoke_invite(self, invite_id: int) -> Invite:
        status = await self.db.execute(
            "UPDATE invites SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL "
            "AND used_at IS NULL", invite_id)
        if status.endswith(" 0"):
            exists = await self.db.fetchval("SELECT 1 FROM invites WHERE id = $1", invite_id)
            if exists is None:
                raise NotFound("invite not found")
            raise Conflict("this invite was already used or revoked")
        r = await self.db.fetchrow(f"{_INVITE_SELECT} WHERE i.id = $1", invite_id)
        return _invite(r)

    # ---- users, as the admin sees them

    async def list_users(self) -> list[UserSummary]:
        rows = await self.db.fetch(
            f"SELECT {', '.join('u.' + c for c in _USER_COLUMNS.split(', '))}, "
            "(SELECT count(*) FROM trading_accounts a WHERE a.user_id = u.id) AS accounts, "
            "(SELECT count(*) FROM user_sessions s WHERE s.user_id = u.id "
            " AND s.expires_at > now()) AS sessions, "
            "(SELECT max(s.last_seen_at) FROM user_sessions s WHERE s.user_id = u.id) AS seen "
            "FROM users u ORDER BY u.id")
        return [UserSummary(user=_user(r), accounts=r["accounts"], sessions=r["sessions"],
                            last_seen_at=r["seen"]) for r in rows]

    async def set_disabled(self, user_id: int, disabled: bool) -> User:
        """Disable (ending every session) or re-enable a user; admins cannot be disabled."""

        async def _tx(con: asyncpg.Connection) -> User:
            r = await con.fetchrow(
                f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE", user_id)
            if r is None:
                raise NotFound("user not found")
            if disabled and r["is_admin"]:
                raise Conflict("an administrator cannot be disabled")
            r = await con.fetchrow(
                f"UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) "
                f"END, updated_at = now() WHERE id = $1 RETURNING {_USER_COLUMNS}",
                user_id, disabled)
            if disabled:
                await con.execute("DELETE FROM user_sessions WHERE user_id = $1", user_id)
            return _user(r)

        return await self.db.run_in_transaction(_tx)

    async def account_ids(self, user_id: int) -> list[int]:
        rows = await self.db.fetch(
            "SELECT id FROM trading_accounts WHERE user_id = $1 ORDER BY id", user_id)
        return [int(r["id"]) for r in rows]
