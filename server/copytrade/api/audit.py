"""The audit log per account: who changed what and when (docs/api.md, Audit log).

Write routes call ``audit_trail.audit`` after their change succeeded; ``GET .../audit`` lists the
account's entries and its owner's logins from new addresses, newest first, in pages.
"""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds)
from datetime import datetime
from typing import Any, Literal

import attrs

from ..db.audit import AuditLog
from .accounts import ACCOUNT
from .routing import Call, route
from .validation import UNSET, Unset, spec

TAG = "accounts"


@attrs.frozen
class AuditQuery:
    before_id: int | Unset = spec(default=UNSET, minimum=1, maximum=2**63 - 1,
                                  doc="the last id of the previous page")
    limit: int = spec(default=50, minimum=1, maximum=200)


@attrs.frozen
class AuditOut:
    id: int
    account_id: int | None
    """Null for a login (it concerns every account of the user)."""
    action: str
    detail: dict[str, Any]
    via: Literal["session", "token", "login", "ea"]
    address: str | None
    created_at: datetime
    by_owner: bool | None
    """Whether the account's owner did it (false: another user, e.g. the master's owner)."""
    actor_name: str | None


@attrs.frozen
class AuditPage:
    items: list[AuditOut]
    next_before_id: int | None


@route("GET", f"{ACCOUNT}/audit", summary="Who changed what and when on this account",
       tag=TAG, query=AuditQuery, response=AuditPage, errors=(401, 404, 422))
async def audit_log(call: Call[None, AuditQuery], account_id: int) -> AuditPage:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    q = call.query
    rows = await AuditLog(call.ctx.db).page(
        account.id, account.user_id, before_id=None if q.before_id is UNSET else q.before_id,
        limit=q.limit)
    more = len(rows) > q.limit
    rows = rows[:q.limit]
    items = [AuditOut(**{k: r[k] for k in ("id", "account_id", "action", "detail", "via",
                                            "address", "created_at", "by_owner",
                                            "actor_name")}) for r in rows]
    return AuditPage(items, rows[-1]["id"] if more and rows else None)
