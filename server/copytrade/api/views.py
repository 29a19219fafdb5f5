"""Repository rows → API response objects."""

from __future__ import annotations

from typing import Any

from ..db.approvals import FollowerApprovals
from ..db.models import AccountState, FollowerRules, TradingAccount
from ..domain.models import Role
from ..engine import rule_forms
from .routing import Call
from .schemas import AccountOut, AccountStateOut, PairOut, RulesOut, TradeOut


def rules_out(r: FollowerRules) -> RulesOut:
    return RulesOut(**rule_forms.api_fields(r))


def state_out(s: AccountState | None) -> AccountStateOut | None:
    if s is None:
        return None
    return AccountStateOut(balance=s.balance, equity=s.equity, margin_level=s.margin_level,
                           currency=s.currency, leverage=s.leverage, updated_at=s.updated_at)


async def account_views(call: Call[Any, Any], accounts: list[TradingAccount]) -> list[AccountOut]:
    """Accounts with their live status, state, open copies and followed master's name."""
    ids = [a.id for a in accounts]
    if not ids:
        return []
    extras = await call.st.trades.account_extras(ids)
    states = await call.ctx.accounts.states(ids)
    waiting = [a.pending_master_id for a in accounts if a.pending_master_id is not None]
    pending_names = await FollowerApprovals(call.ctx.db).names(waiting) if waiting else {}
    out = []
    for a in accounts:
        following_name, open_pairs = extras.get(a.id, (None, 0))
        out.append(AccountOut(
            id=a.id, name=a.name, role=a.role.value,
            api_key_prefix=a.api_key_prefix, master_token=a.master_token,
            copy_mode=a.copy_mode.value,
            partner_id=a.partner_id, following_id=a.following_id,
            following_name=following_name, is_active=a.is_active,
            online=call.ctx.engine.is_online(a.id), state=state_out(states.get(a.id)),
            open_pairs=open_pairs,
            rules=rules_out(a.rules) if a.role is Role.FOLLOWER else None,
            created_at=a.created_at,
            approve_followers=a.approve_followers, pending_master_id=a.pending_master_id,
            pending_master_name=(pending_names.get(a.pending_master_id)
                                 if a.pending_master_id is not None else None),
        ))
    return out


async def account_view(call: Call[Any, Any], account: TradingAccount) -> AccountOut:
    return (await account_views(call, [account]))[0]


def trade_out(row: dict[str, Any]) -> TradeOut:
    return TradeOut(**row)


def pair_out(row: dict[str, Any]) -> PairOut:
    return PairOut(**row)
