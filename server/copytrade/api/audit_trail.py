"""Writing the audit log from the API's write paths (the log is read by api/audit.py)."""

from __future__ import annotations

from typing import Any

from ..db.audit import AuditEntry, AuditLog
from .routing import Call
from .security import client_address


async def audit(call: Call[Any, Any], account_id: int | None, action: str,
                detail: dict[str, Any] | None = None, *, owner_id: int | None = None) -> None:
    """Record ``action`` on ``account_id`` by the caller (``owner_id``: the account's owner
    when that is someone else, e.g. a provider removing another user's follower)."""
    assert call.principal is not None
    await AuditLog(call.ctx.db).write(AuditEntry(
        account_id=account_id, user_id=call.user_id if owner_id is None else owner_id,
        actor_id=call.user_id, via=call.principal.via, address=client_address(),
        action=action, detail=detail or {}))


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{field: {"from": old, "to": new}}`` for the fields that differ."""
    return {k: {"from": before.get(k), "to": v} for k, v in after.items()
            if before.get(k) != v}
