"""How accounts copy: a master's copy mode and 1TO1 partner, a follower's master and rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from ..db.approvals import announce, audit_request
from ..db.errors import Conflict, NotFound
from ..db.master_tokens import ROTATED_TEXT, MasterTokens
from ..db.models import FollowerRules
from ..domain.models import CopyMode, Role
from ..domain.rules import CopyRules
from ..engine import rule_forms
from .accounts import ACCOUNT
from .audit_trail import audit, changes
from .errors import ValidationFailed
from .routing import Call, route
from .schemas import AccountEnvelope, CopyModeIn, FollowingIn, PartnerIn, RulesEnvelope, RulesIn
from .security import client_address
from .validation import UNSET, unstructure
from .views import account_view, rules_out


def _plain(rules: FollowerRules | None) -> dict[str, Any]:
    if rules is None:
        return {}
    out = unstructure(rules_out(rules))
    out.pop("updated_at", None)
    return out  # type: ignore[no-any-return]


TAG = "copying"
LOT_LIMIT = Decimal(1_000_000)


@route("PUT", f"{ACCOUNT}/copy-mode", summary="Set a master's copy mode", tag=TAG,
       body=CopyModeIn, response=AccountEnvelope, errors=(401, 403, 404, 409, 422))
async def set_copy_mode(call: Call[CopyModeIn, None], account_id: int) -> AccountEnvelope:
    change = await call.ctx.engine.control.set_copy_mode(account_id, call.user_id,
                                                         CopyMode(call.body.copy_mode))
    before, account = change.before, change.after
    if before.copy_mode != account.copy_mode:
        await audit(call, account_id, "mode.changed",
                    {"from": before.copy_mode.value, "to": account.copy_mode.value})
    return AccountEnvelope(await account_view(call, account))


@route("PUT", f"{ACCOUNT}/partner", summary="Set (or clear) a master's 1TO1 partner", tag=TAG,
       body=PartnerIn, response=AccountEnvelope, errors=(401, 403, 404, 409, 422))
async def set_partner(call: Call[PartnerIn, None], account_id: int) -> AccountEnvelope:
    await call.ctx.accounts.get(account_id, call.user_id)  # an unknown master is 404, not 422
    try:
        change = await call.ctx.engine.control.set_partner(account_id, call.user_id,
                                                           call.body.partner_id)
    except NotFound:
        raise ValidationFailed("No follower account of yours has this id.",
                               {"partner_id": "no follower account of yours has this id"}
                               ) from None
    before, account = change.before, change.after
    if before.partner_id != account.partner_id:
        await audit(call, account_id, "partner.changed",
                    {"from": before.partner_id, "to": account.partner_id})
    return AccountEnvelope(await account_view(call, account))


@route("PUT", f"{ACCOUNT}/following", summary="Follow a master by its master token", tag=TAG,
       body=FollowingIn, response=AccountEnvelope, errors=(401, 403, 404, 409, 422))
async def follow(call: Call[FollowingIn, None], account_id: int) -> AccountEnvelope:
    await call.ctx.accounts.get(account_id, call.user_id)  # an unknown follower is 404
    try:
        change = await call.ctx.engine.control.follow(account_id, call.user_id,
                                                      call.body.master_token)
    except NotFound:
        if await MasterTokens(call.ctx.db).is_retired(call.body.master_token):
            raise ValidationFailed("This master token was rotated.",
                                   {"master_token": ROTATED_TEXT},
                                   field_codes={"master_token": "master_token_rotated"}) from None
        raise ValidationFailed("No master account has this master token.",
                               {"master_token": "no master account has this token"},
                               field_codes={"master_token": "unknown_master_token"}) from None
    before, account = change.before, change.after
    if account.pending_master_id is not None and before.pending_master_id != \
            account.pending_master_id:  # the master approves its followers: it waits
        assert call.principal is not None
        await audit_request(call.ctx.db, account, account.pending_master_id,
                            actor_id=call.user_id, via=call.principal.via,
                            address=client_address())
        await announce(call.ctx.db, call.ctx.events, "pending", account,
                       account.pending_master_id, source="web")
    elif before.following_id != account.following_id:
        await audit(call, account_id, "follow.started",
                    {"master_id": account.following_id, "previous_master_id": before.following_id})
    return AccountEnvelope(await account_view(call, account))


@route("DELETE", f"{ACCOUNT}/following", summary="Stop following", tag=TAG,
       response=AccountEnvelope, errors=(401, 403, 404))
async def unfollow(call: Call[None, None], account_id: int) -> AccountEnvelope:
    change = await call.ctx.engine.control.unfollow(account_id, call.user_id)
    before, account = change.before, change.after
    if before.following_id is not None:
        await audit(call, account_id, "follow.stopped", {"master_id": before.following_id})
    return AccountEnvelope(await account_view(call, account))


@route("GET", f"{ACCOUNT}/rules", summary="A follower's copy rules", tag=TAG,
       response=RulesEnvelope, errors=(401, 404, 409))
async def get_rules(call: Call[None, None], account_id: int) -> RulesEnvelope:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    if account.role is not Role.FOLLOWER:
        raise Conflict("only follower accounts have copy rules", field="rules")
    return RulesEnvelope(rules_out(account.rules))


def _check_lot(name: str, value: Decimal | None, out: dict[str, str]) -> None:
    if value is None:
        return
    if value.quantize(Decimal("0.0001")) != value:
        out[name] = "may have at most 4 decimal places"
    elif abs(value) > LOT_LIMIT:
        out[name] = f"must be at most {LOT_LIMIT}"


def merged_rules(current: FollowerRules, body: RulesIn) -> CopyRules:
    """The stored rules with the request's fields on top, validated by the domain."""
    errors: dict[str, str] = {}
    for name in ("lot_value", "min_lot_to_copy", "max_lot"):
        value = getattr(body, name)
        if value is not UNSET:
            _check_lot(name, value, errors)
    if errors:
        raise ValidationFailed("Some fields are invalid.", errors)
    sent = {k: v for k, v in attrs.asdict(body, recurse=False).items() if v is not UNSET}
    return rule_forms.merged(current, sent)


@route("PUT", f"{ACCOUNT}/rules", summary="Update a follower's copy rules (omitted = kept)",
       tag=TAG, body=RulesIn, response=RulesEnvelope, errors=(401, 403, 404, 409, 422))
async def put_rules(call: Call[RulesIn, None], account_id: int) -> RulesEnvelope:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    if account.role is not Role.FOLLOWER:
        raise Conflict("only follower accounts have copy rules", field="rules")
    rules = merged_rules(account.rules, call.body)
    updated = (await call.ctx.engine.control.put_rules(account_id, call.user_id, rules)).after
    diff = changes(_plain(account.rules), _plain(updated.rules))
    if diff:
        await audit(call, account_id, "rules.changed", diff)
    return RulesEnvelope(rules_out(updated.rules))
