"""The admin API: list, disable and re-enable users, end their sessions; invite codes.

Only a user with ``is_admin`` (the first user to register) may call these routes; anyone else
gets 403. Disabling a user ends their sessions, stops their personal tokens and EA keys from
working and drops their connected EAs; re-enabling lets them log in again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..db.registration import Invite, RegistrationRepository, UserSummary
from ..protocol import ErrorCode
from .admin_schemas import (
    AdminUserEnvelope,
    AdminUserList,
    AdminUserOut,
    InviteCreated,
    InviteIn,
    InviteList,
    InviteOut,
    SessionsEnded,
)
from .errors import ApiNotFound, Forbidden
from .routing import Call, route

TAG = "admin"


async def admin_repo(call: Call[Any, Any]) -> RegistrationRepository:
    """The repository, after checking that the caller is an enabled administrator."""
    user = await call.ctx.users.get(call.user_id)
    if not user.is_admin:
        raise Forbidden("Only an administrator may do this.")
    return RegistrationRepository(call.ctx.db)


def admin_user_out(s: UserSummary) -> AdminUserOut:
    u = s.user
    return AdminUserOut(id=u.id, email=u.email, name=u.name, created_at=u.created_at,
                        is_admin=u.is_admin, disabled_at=u.disabled_at, accounts=s.accounts,
                        sessions=s.sessions, last_seen_at=s.last_seen_at)


def invite_out(i: Invite) -> InviteOut:
    if i.used_at is not None:
        status = "used"
    elif i.revoked_at is not None:
        status = "revoked"
    elif i.expires_at <= datetime.now(UTC):
        status = "expired"
    else:
        status = "active"
    return InviteOut(id=i.id, prefix=i.prefix, note=i.note, created_at=i.created_at,
                     expires_at=i.expires_at, status=status, used_at=i.used_at,
                     used_by_email=i.used_by_email, revoked_at=i.revoked_at)


async def _summary(repo: RegistrationRepository, user_id: int) -> AdminUserOut:
    for s in await repo.list_users():
        if s.user.id == user_id:
            return admin_user_out(s)
    raise ApiNotFound("user not found")


@route("GET", "/api/v1/admin/users", summary="Every user, with accounts and sessions",
       tag=TAG, response=AdminUserList, errors=(401, 403))
async def list_users(call: Call[None, None]) -> AdminUserList:
    repo = await admin_repo(call)
    return AdminUserList([admin_user_out(s) for s in await repo.list_users()])


@route("POST", "/api/v1/admin/users/<int:user_id>/disable",
       summary="Disable a user: no login; sessions ended; tokens, EA keys refused", tag=TAG,
       response=AdminUserEnvelope, errors=(401, 403, 404, 409))
async def disable_user(call: Call[None, None], user_id: int) -> AdminUserEnvelope:
    repo = await admin_repo(call)
    await repo.set_disabled(user_id, True)
    for account_id in await repo.account_ids(user_id):
        await call.ctx.engine.disconnect(account_id, ErrorCode.ACCOUNT_INACTIVE)
    return AdminUserEnvelope(await _summary(repo, user_id))


@route("POST", "/api/v1/admin/users/<int:user_id>/enable", summary="Re-enable a user",
       tag=TAG, response=AdminUserEnvelope, errors=(401, 403, 404))
async def enable_user(call: Call[None, None], user_id: int) -> AdminUserEnvelope:
    repo = await admin_repo(call)
    await repo.set_disabled(user_id, False)
    return AdminUserEnvelope(await _summary(repo, user_id))


@route("DELETE", "/api/v1/admin/users/<int:user_id>/sessions",
       summary="End every browser session of a user (they log in again)", tag=TAG,
       response=SessionsEnded, errors=(401, 403, 404))
async def end_sessions(call: Call[None, None], user_id: int) -> SessionsEnded:
    await admin_repo(call)
    await call.ctx.users.get(user_id)  # 404 for an unknown user
    return SessionsEnded(await call.st.sessions.revoke_all(user_id))


@route("GET", "/api/v1/admin/invites", summary="Invite codes, newest first (200 at most)",
       tag=TAG, response=InviteList, errors=(401, 403))
async def list_invites(call: Call[None, None]) -> InviteList:
    repo = await admin_repo(call)
    return InviteList([invite_out(i) for i in await repo.list_invites()])


@route("POST", "/api/v1/admin/invites", summary="Create a single-use invite code (shown once)",
       tag=TAG, body=InviteIn, response=InviteCreated, status=201, errors=(401, 403, 422))
async def create_invite(call: Call[InviteIn, None]) -> InviteCreated:
    repo = await admin_repo(call)
    invite, code = await repo.create_invite(
        call.user_id, ttl=timedelta(hours=call.body.expires_in_hours), note=call.body.note)
    return InviteCreated(invite_out(invite), code)


@route("DELETE", "/api/v1/admin/invites/<int:invite_id>", summary="Revoke an unused invite",
       tag=TAG, status=204, errors=(401, 403, 404, 409))
async def revoke_invite(call: Call[None, None], invite_id: int) -> None:
    repo = await admin_repo(call)
    await repo.revoke_invite(invite_id)
