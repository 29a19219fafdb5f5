"""Optional follower approval: a master's switch and its waiting followers (docs/api.md,
"Follower approval"; storage in db/approvals.py).

With ``approve_followers`` on, a follower that starts following the master — by
``PUT /accounts/{id}/following`` or by its EA's master token at login — waits
(``pending_master_id``) and gets no copies until the master's owner approves it here; refusing
removes it as ``DELETE .../followers/{id}`` does (``GET .../removed-followers`` lists it).
"""

from __future__ import annotations

from typing import Any

from ..db.approvals import FollowerApprovals, announce
from .accounts import ACCOUNT, own_master
from .audit_trail import audit
from .routing import Call, route
from .schemas import AccountEnvelope, ApproveFollowersIn, PendingFollowerList, PendingFollowerOut
from .views import account_view

TAG = "accounts"
MASTER_ONLY = "only master accounts approve followers"


async def _master(call: Call[Any, Any], account_id: int) -> int:
    return await own_master(call, account_id, MASTER_ONLY)


@route("PUT", f"{ACCOUNT}/approve-followers",
       summary="Turn follower approval on or off (new followers wait for approval)",
       tag=TAG, body=ApproveFollowersIn, response=AccountEnvelope,
       errors=(401, 403, 404, 409, 422))
async def set_approve_followers(call: Call[ApproveFollowersIn, None],
                                account_id: int) -> AccountEnvelope:
    master_id = await _master(call, account_id)
    change = await call.ctx.engine.control.set_approve_followers(
        master_id, call.user_id, call.body.approve_followers)
    before, after = change.before, change.after
    if before.approve_followers != after.approve_followers:
        await audit(call, after.id, "approval.changed",
                    {"from": before.approve_followers, "to": after.approve_followers})
    return AccountEnvelope(await account_view(call, after))


@route("GET", f"{ACCOUNT}/pending-followers", summary="Followers waiting for approval",
       tag=TAG, response=PendingFollowerList, errors=(401, 404, 409))
async def pending_followers(call: Call[None, None], account_id: int) -> PendingFollowerList:
    master_id = await _master(call, account_id)
    rows = await FollowerApprovals(call.ctx.db).pending(master_id)
    return PendingFollowerList([PendingFollowerOut(online=call.ctx.engine.is_online(r["id"]),
                                                   **r) for r in rows])


async def _decide(call: Call[None, None], account_id: int, follower_id: int,
                  approve: bool) -> None:
    master_id = await _master(call, account_id)
    follower = await call.ctx.engine.control.decide_follower(master_id, call.user_id,
                                                             follower_id, approve)
    kind = "approved" if approve else "refused"
    await audit(call, master_id, f"follower.{kind}",
                {"follower_id": follower_id, "follower": follower.name})
    await audit(call, follower_id, f"follow.{kind}", {"master_id": master_id},
                owner_id=follower.user_id)
    await announce(call.ctx.db, call.ctx.events, kind, follower, master_id, source="web")


@route("POST", f"{ACCOUNT}/pending-followers/<int:follower_id>/approve",
       summary="Approve a waiting follower (it starts getting copies)", tag=TAG, status=204,
       errors=(401, 403, 404, 409))
async def approve_follower(call: Call[None, None], account_id: int, follower_id: int) -> None:
    await _decide(call, account_id, follower_id, approve=True)


@route("POST", f"{ACCOUNT}/pending-followers/<int:follower_id>/refuse",
       summary="Refuse a waiting follower (as a removal: it may ask again once allowed)",
       tag=TAG, status=204, errors=(401, 403, 404, 409))
async def refuse_follower(call: Call[None, None], account_id: int, follower_id: int) -> None:
    await _decide(call, account_id, follower_id, approve=False)
