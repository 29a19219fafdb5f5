"""Trading accounts: list, create (API key shown once), show, update, delete, rotate key,
and a master's followers."""

from __future__ import annotations

from typing import Any

from ..db.errors import Conflict
from ..db.followers import FollowerQueries
from ..domain.models import Role
from ..engine.control import NOT_A_MASTER
from .audit_trail import audit, changes
from .errors import ApiConflict
from .routing import Call, route
from .schemas import (
    AccountEnvelope,
    AccountIn,
    AccountList,
    AccountPatchIn,
    AccountWithKey,
    FollowerList,
    FollowerOut,
    RemovedFollowerList,
    RemovedFollowerOut,
)
from .validation import UNSET
from .views import account_view, account_views

TAG = "accounts"
ACCOUNT = "/api/v1/accounts/<int:account_id>"


@route("GET", "/api/v1/accounts", summary="Your trading accounts", tag=TAG,
       response=AccountList, errors=(401,))
async def list_accounts(call: Call[None, None]) -> AccountList:
    accounts = await call.ctx.accounts.list_for_user(call.user_id)
    return AccountList(await account_views(call, accounts))


async def _name_free(call: Call[Any, Any], name: str, except_id: int | None = None) -> None:
    """One user's accounts have distinct names (trimmed, any case): 409 on ``name``."""
    wanted = name.strip().casefold()
    for a in await call.ctx.accounts.list_for_user(call.user_id):
        if a.id != except_id and a.name.strip().casefold() == wanted:
            raise ApiConflict("You already have an account with this name.",
                              {"name": "already used by another of your accounts"},
                              field_codes={"name": "name_taken"})


@route("POST", "/api/v1/accounts", summary="Create an account (the API key is shown once)",
       tag=TAG, body=AccountIn, response=AccountWithKey, status=201,
       errors=(401, 403, 409, 422))
async def create_account(call: Call[AccountIn, None]) -> AccountWithKey:
    await _name_free(call, call.body.name)
    created = await call.ctx.engine.control.create_account(
        call.user_id, name=call.body.name, role=Role(call.body.role))
    await audit(call, created.account.id, "account.created",
                {"name": created.account.name, "role": created.account.role.value.lower()})
    return AccountWithKey(await account_view(call, created.account), created.api_key)


@route("GET", ACCOUNT, summary="One account", tag=TAG, response=AccountEnvelope,
       errors=(401, 404))
async def get_account(call: Call[None, None], account_id: int) -> AccountEnvelope:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    return AccountEnvelope(await account_view(call, account))


@route("PATCH", ACCOUNT, summary="Rename or (de)activate an account", tag=TAG,
       body=AccountPatchIn, response=AccountEnvelope, errors=(401, 403, 404, 409, 422))
async def update_account(call: Call[AccountPatchIn, None], account_id: int) -> AccountEnvelope:
    body = call.body
    await call.ctx.accounts.get(account_id, call.user_id)  # 404 before 409
    if body.name is not UNSET:
        await _name_free(call, body.name, except_id=account_id)
    change = await call.ctx.engine.control.update_account(
        account_id, call.user_id, name=None if body.name is UNSET else body.name,
        is_active=None if body.is_active is UNSET else body.is_active)
    before, account = change.before, change.after
    diff = changes({"name": before.name, "is_active": before.is_active},
                   {"name": account.name, "is_active": account.is_active})
    if diff:
        await audit(call, account_id, "account.updated", diff)
    return AccountEnvelope(await account_view(call, account))


@route("DELETE", ACCOUNT, summary="Delete an account (refused while it has open copies)",
       tag=TAG, status=204, errors=(401, 403, 404, 409))
async def delete_account(call: Call[None, None], account_id: int) -> None:
    await call.ctx.engine.control.delete_account(account_id, call.user_id)


@route("POST", f"{ACCOUNT}/rotate-key", summary="Replace the API key (old key stops at once)",
       tag=TAG, response=AccountWithKey, errors=(401, 403, 404))
async def rotate_key(call: Call[None, None], account_id: int) -> AccountWithKey:
    rotated = await call.ctx.engine.control.rotate_key(account_id, call.user_id)
    await audit(call, account_id, "key.rotated", {"prefix": rotated.account.api_key_prefix})
    return AccountWithKey(await account_view(call, rotated.account), rotated.api_key)


@route("GET", f"{ACCOUNT}/followers", summary="A master's followers, with online status",
       tag=TAG, response=FollowerList, errors=(401, 404, 409))
async def followers(call: Call[None, None], account_id: int) -> FollowerList:
    master = await call.ctx.accounts.get(account_id, call.user_id)
    if master.role is not Role.MASTER:
        raise Conflict(NOT_A_MASTER)
    rows = await FollowerQueries(call.ctx.db).overview(master.id)
    items = []
    for r in rows:
        for k in ("avg_latency_ms", "avg_slippage_points"):
            if r[k] is not None:
                r[k] = round(r[k], 3 if k == "avg_latency_ms" else 2)
        items.append(FollowerOut(online=call.ctx.engine.is_online(r["id"]), **r))
    return FollowerList(items)


async def own_master(call: Call[Any, Any], account_id: int, text: str = NOT_A_MASTER) -> int:
    """The caller's master account's id (404 if not the caller's, 409 ``text`` if a follower)."""
    master = await call.ctx.accounts.get(account_id, call.user_id)
    if master.role is not Role.MASTER:
        raise Conflict(text)
    return master.id


@route("DELETE", f"{ACCOUNT}/followers/<int:follower_id>",
       summary="Remove a follower (it cannot follow this master again until allowed)",
       tag=TAG, status=204, errors=(401, 403, 404, 409))
async def remove_follower(call: Call[None, None], account_id: int, follower_id: int) -> None:
    master_id = account_id
    follower = await call.ctx.engine.control.remove_follower(master_id, call.user_id,
                                                             follower_id)
    await audit(call, master_id, "follower.removed",
                {"follower_id": follower_id, "follower": follower.name})
    await audit(call, follower_id, "follow.removed_by_master",
                {"master_id": master_id}, owner_id=follower.user_id)


@route("GET", f"{ACCOUNT}/removed-followers", summary="Followers this master removed",
       tag=TAG, response=RemovedFollowerList, errors=(401, 404, 409))
async def removed_followers(call: Call[None, None], account_id: int) -> RemovedFollowerList:
    master_id = await own_master(call, account_id)
    rows = await FollowerQueries(call.ctx.db).removed(master_id)
    return RemovedFollowerList([RemovedFollowerOut(**r) for r in rows])


@route("DELETE", f"{ACCOUNT}/removed-followers/<int:follower_id>",
       summary="Allow a removed follower to follow this master again", tag=TAG, status=204,
       errors=(401, 403, 404, 409))
async def allow_follower(call: Call[None, None], account_id: int, follower_id: int) -> None:
    master_id = account_id
    await call.ctx.engine.control.allow_follower(master_id, call.user_id, follower_id)
    await audit(call, master_id, "follower.allowed", {"follower_id": follower_id})
