"""Rotate a master's token on its own: its API key and its followers stay as they are."""

from __future__ import annotations

from .accounts import ACCOUNT
from .audit_trail import audit
from .routing import Call, route
from .schemas import AccountEnvelope
from .views import account_view

TAG = "accounts"


@route("POST", f"{ACCOUNT}/rotate-master-token",
       summary="Replace the master token (current followers keep following; the old token "
               "no longer lets anyone follow)",
       tag=TAG, response=AccountEnvelope, errors=(401, 403, 404, 409))
async def rotate_master_token(call: Call[None, None], account_id: int) -> AccountEnvelope:
    account = await call.ctx.engine.control.rotate_master_token(account_id, call.user_id)
    await audit(call, account_id, "master_token.rotated")
    return AccountEnvelope(await account_view(call, account))
