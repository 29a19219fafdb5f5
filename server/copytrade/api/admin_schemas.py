"""Bodies of the admin API (/api/v1/admin/...): users and invite codes."""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds)
from datetime import datetime

import attrs

from .validation import spec


@attrs.frozen
class AdminUserOut:
    id: int
    email: str
    name: str
    created_at: datetime
    is_admin: bool
    disabled_at: datetime | None = spec(doc="Set while the user is disabled.")
    accounts: int = spec(doc="Trading accounts the user has.")
    sessions: int = spec(doc="Live browser sessions.")
    last_seen_at: datetime | None = spec(doc="Last request made with one of their sessions.")


@attrs.frozen
class AdminUserList:
    items: list[AdminUserOut]


@attrs.frozen
class AdminUserEnvelope:
    user: AdminUserOut


@attrs.frozen
class SessionsEnded:
    ended: int = spec(doc="How many sessions were ended.")


@attrs.frozen
class InviteIn:
    expires_in_hours: int = spec(default=168, minimum=1, maximum=24 * 90,
                                 doc="Hours the code stays valid (default 7 days).")
    note: str = spec(default="", max_length=200, doc="Who it is for (shown to admins only).")


@attrs.frozen
class InviteOut:
    id: int
    note: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_email: str | None
    revoked_at: datetime | None
    prefix: str = spec(doc="The code's first characters (the code itself is stored hashed).")
    status: str = spec(doc="active, used, expired or revoked")


@attrs.frozen
class InviteList:
    items: list[InviteOut]


@attrs.frozen
class InviteCreated:
    invite: InviteOut
    code: str = spec(doc="The invite code (INV-...): shown once, never again. Single use.")
