"""Rows returned by the repositories: frozen values, no behaviour beyond small conveniences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ..domain.models import CopyMode, LotMode, PairStatus, Role, Side, StaleOpenPolicy, TradeStatus


@attrs.frozen
class User:
    """A person who logs in to the web app."""

    id: int
    email: str
    name: str
    created_at: datetime
    updated_at: datetime
    is_admin: bool = False
    """Administers registration (invites) and users; the first user to register is one."""
    disabled_at: datetime | None = None
    """Set while an admin has disabled the user: no login, sessions, tokens or EAs."""


@attrs.frozen
class FollowerRules:
    """Copy rules as stored on a follower account, unvalidated (the domain's form is
    :class:`~copytrade.domain.rules.CopyRules`; :mod:`copytrade.engine.rule_forms` converts).
    The field names are the API's and the columns'."""

    lot_mode: LotMode = LotMode.MULTIPLIER
    lot_value: Decimal = Decimal("1")
    reverse: bool = False
    min_lot_to_copy: Decimal = Decimal("0")
    max_lot: Decimal | None = None
    symbol_map: dict[str, str] = attrs.field(factory=dict)
    allowed_symbols: tuple[str, ...] = ()
    blocked_symbols: tuple[str, ...] = ()
    signal_expiry_seconds: int = 30
    max_deviation_points: int = 0
    stale_open_policy: StaleOpenPolicy = StaleOpenPolicy.SKIP
    copy_existing: bool = False
    copy_existing_max_age_minutes: int = 60
    copy_existing_max_points: int = 100
    max_spread_points: int = 0
    rules_updated_at: datetime | None = None


@attrs.frozen
class TradingAccount:
    """One MT5 account connected through an EA: a master or a follower."""

    id: int
    user_id: int
    name: str
    role: Role
    api_key_prefix: str
    master_token: str | None
    copy_mode: CopyMode
    partner_id: int | None
    following_id: int | None
    is_active: bool
    rules: FollowerRules
    created_at: datetime
    updated_at: datetime
    # A master: new followers wait for its owner's approval. A follower: the master it asked
    # to follow and that has not approved it yet (following_id is then None: no copies).
    approve_followers: bool = False
    pending_master_id: int | None = None


@attrs.frozen
class CreatedAccount:
    """A new account plus its API key, which is shown exactly once."""

    account: TradingAccount
    api_key: str


@attrs.frozen
class AccountState:
    """The last account figures an EA reported."""

    account_id: int
    balance: Decimal
    equity: Decimal
    margin_level: Decimal
    currency: str
    leverage: int
    updated_at: datetime


@attrs.frozen
class MasterTrade:
    """One position on a master account."""

    id: int
    account_id: int
    ticket: int
    symbol: str
    side: Side
    price: Decimal
    volume: Decimal
    open_volume: Decimal
    sl: Decimal
    tp: Decimal
    status: TradeStatus
    opened_at: datetime
    received_at: datetime
    closed_at: datetime | None
    close_price: Decimal | None
    close_reason: str | None
    profit: Decimal


@attrs.frozen
class TradePair:
    """One follower's copy of one master trade."""

    id: int
    master_trade_id: int
    account_id: int
    status: PairStatus
    symbol: str | None
    requested_volume: Decimal | None
    slave_ticket: int | None
    slave_volume: Decimal | None
    slave_type: Side | None
    reason_code: str | None
    reason: str | None
    retcode: int | None
    profit: Decimal | None
    close_price: Decimal | None
    created_at: datetime
    sent_at: datetime | None
    acked_at: datetime | None
    closed_at: datetime | None
    master_ticket: int | None = None


def account_from_row(r: Any) -> TradingAccount:
    return TradingAccount(
        id=r["id"], user_id=r["user_id"], name=r["name"], role=Role(r["role"]),
        api_key_prefix=r["api_key_prefix"], master_token=r["master_token"],
        copy_mode=CopyMode(r["copy_mode"]), partner_id=r["partner_id"],
        following_id=r["following_id"], is_active=r["is_active"],
        rules=FollowerRules(
            lot_mode=LotMode(r["lot_mode"]), lot_value=r["lot_value"], reverse=r["reverse"],
            min_lot_to_copy=r["min_lot_to_copy"], max_lot=r["max_lot"],
            symbol_map=dict(r["symbol_map"]), allowed_symbols=tuple(r["allowed_symbols"]),
            blocked_symbols=tuple(r["blocked_symbols"]),
            signal_expiry_seconds=r["signal_expiry_seconds"],
            max_deviation_points=r["max_deviation_points"],
            stale_open_policy=StaleOpenPolicy(r["stale_open_policy"]),
            rules_updated_at=r["rules_updated_at"],
            copy_existing=r["copy_existing"],
            copy_existing_max_age_minutes=r["copy_existing_max_age_minutes"],
            copy_existing_max_points=r["copy_existing_max_points"],
            max_spread_points=r["max_spread_points"],
        ),
        created_at=r["created_at"], updated_at=r["updated_at"],
        approve_followers=bool(r.get("approve_followers", False)),
        pending_master_id=r.get("pending_master_id"),
    )


def trade_from_row(r: Any) -> MasterTrade:
    return MasterTrade(
        id=r["id"], account_id=r["account_id"], ticket=r["ticket"], symbol=r["symbol"],
        side=Side(r["type"]), price=r["price"], volume=r["volume"], open_volume=r["open_volume"],
        sl=r["sl"], tp=r["tp"], status=TradeStatus(r["status"]), opened_at=r["opened_at"],
        received_at=r["received_at"], closed_at=r["closed_at"], close_price=r["close_price"],
        close_reason=r["close_reason"], profit=r["profit"],
    )


def pair_from_row(r: Any) -> TradePair:
    keys = r.keys()
    return TradePair(
        id=r["id"], master_trade_id=r["master_trade_id"], account_id=r["account_id"],
        status=PairStatus(r["status"]), symbol=r["symbol"],
        requested_volume=r["requested_volume"], slave_ticket=r["slave_ticket"],
        slave_volume=r["slave_volume"],
        slave_type=Side(r["slave_type"]) if r["slave_type"] else None,
        reason_code=r["reason_code"], reason=r["reason"], retcode=r["retcode"],
        profit=r["profit"], close_price=r["close_price"], created_at=r["created_at"],
        sent_at=r["sent_at"], acked_at=r["acked_at"], closed_at=r["closed_at"],
        master_ticket=r["master_ticket"] if "master_ticket" in keys else None,
    )
