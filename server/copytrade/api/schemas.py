"""Request and response bodies of the web API, as attrs classes.

Requests are structured strictly by :mod:`copytrade.api.validation`; responses are unstructured
by the same converter; the OpenAPI document is generated from these classes. One source.
"""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds)
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import attrs

from .validation import DECIMAL_PATTERN, UNSET, Unset, spec

NAME: dict[str, Any] = {"min_length": 1, "max_length": 100}
EMAIL: dict[str, Any] = {"min_length": 3, "max_length": 254, "pattern": r"^\s*[^@\s]+@[^@\s]+\s*$"}
PASSWORD: dict[str, Any] = {"min_length": 10, "max_length": 256}
SYMBOL_LIST_MAX = 200

Role = Literal["master", "follower"]
CopyModeName = Literal["PUBSUB", "1TO1", "RECORD"]
LotModeName = Literal["FIXED", "MULTIPLIER", "EQUITY_RATIO", "RISK_PERCENT"]
StalePolicyName = Literal["SKIP", "MARKET"]
Side = Literal["BUY", "SELL"]
TradeStatusName = Literal["OPEN", "CLOSED"]
PairStatusName = Literal["PENDING", "OPEN", "CLOSED", "FAILED", "SKIPPED", "EXPIRED", "UNKNOWN"]
RangeName = Literal["24h", "7d", "30d", "90d", "all"]


# ---- auth and users -------------------------------------------------------------------------

@attrs.frozen
class RegisterIn:
    email: str = spec(**EMAIL)
    name: str = spec(**NAME)
    password: str = spec(**PASSWORD)
    invite_code: str | Unset = spec(default=UNSET, max_length=100,
                                    doc="Needed when registration is by invitation "
                                        "(GET /api/v1/auth/registration says).")


@attrs.frozen
class RegisteredOut:
    """The same answer whether the email was new or already registered (nothing tells which);
    log in next."""

    status: Literal["registered"]
    message: str


@attrs.frozen
class RegistrationInfo:
    """Who may register now (COPYTRADE_REGISTRATION)."""

    mode: Literal["open", "invite", "closed"]
    invite_required: bool = spec(doc="An invite code is needed for the next registration "
                                     "(false for the very first user, who becomes the admin).")


@attrs.frozen
class LoginIn:
    email: str = spec(max_length=254)
    password: str = spec(max_length=256)


@attrs.frozen
class ProfileIn:
    name: str | Unset = spec(default=UNSET, **NAME)
    email: str | Unset = spec(default=UNSET, **EMAIL)


@attrs.frozen
class PasswordIn:
    current_password: str = spec(max_length=256)
    new_password: str = spec(**PASSWORD)


@attrs.frozen
class UserOut:
    id: int
    email: str
    name: str
    created_at: datetime
    is_admin: bool = spec(doc="May manage users and invites (/api/v1/admin/...).")


@attrs.frozen
class UserEnvelope:
    user: UserOut


# ---- personal tokens ------------------------------------------------------------------------

@attrs.frozen
class TokenIn:
    name: str = spec(**NAME)


@attrs.frozen
class TokenOut:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


@attrs.frozen
class TokenList:
    items: list[TokenOut]


@attrs.frozen
class TokenCreated:
    token: TokenOut
    secret: str = spec(doc="The token itself (ctp_...): shown once, never again.")


# ---- trading accounts -----------------------------------------------------------------------

@attrs.frozen
class AccountIn:
    name: str = spec(**NAME)
    role: Role = spec()


@attrs.frozen
class AccountPatchIn:
    name: str | Unset = spec(default=UNSET, **NAME)
    is_active: bool | Unset = UNSET


@attrs.frozen
class CopyModeIn:
    copy_mode: CopyModeName


@attrs.frozen
class PartnerIn:
    partner_id: int | None = spec(minimum=1, maximum=2**63 - 1)


@attrs.frozen
class FollowingIn:
    master_token: str = spec(min_length=1, max_length=100)


@attrs.frozen
class RulesIn:
    """Follower copy rules; fields left out keep their current value."""

    lot_mode: LotModeName | Unset = UNSET
    lot_value: Decimal | Unset = spec(default=UNSET, pattern=DECIMAL_PATTERN)
    reverse: bool | Unset = UNSET
    min_lot_to_copy: Decimal | Unset = spec(default=UNSET, pattern=DECIMAL_PATTERN)
    max_lot: Decimal | Unset | None = spec(default=UNSET, pattern=DECIMAL_PATTERN,
                                           doc="null = no cap")
    symbol_map: str | Unset = spec(default=UNSET, max_length=4000,
                                   doc="MASTER=FOLLOWER pairs: 'XAUUSD=GOLD, US30=DJ30'")
    allowed_symbols: list[str] | Unset = spec(default=UNSET, max_items=SYMBOL_LIST_MAX)
    blocked_symbols: list[str] | Unset = spec(default=UNSET, max_items=SYMBOL_LIST_MAX)
    signal_expiry_seconds: int | Unset = spec(default=UNSET, minimum=1, maximum=86400)
    max_deviation_points: int | Unset = spec(default=UNSET, minimum=0, maximum=100000)
    stale_open_policy: StalePolicyName | Unset = UNSET
    copy_existing: bool | Unset = spec(
        default=UNSET, doc="copy the master's open trades on a new follow or a resume")
    copy_existing_max_age_minutes: int | Unset = spec(default=UNSET, minimum=1, maximum=10080)
    copy_existing_max_points: int | Unset = spec(default=UNSET, minimum=1, maximum=100000)
    max_spread_points: int | Unset = spec(
        default=UNSET, minimum=0, maximum=100000,
        doc="the follower EA opens no copy while its spread is wider (points); 0 = no limit")


@attrs.frozen
class RulesOut:
    lot_mode: LotModeName
    lot_value: Decimal
    reverse: bool
    min_lot_to_copy: Decimal
    max_lot: Decimal | None
    symbol_map: str
    allowed_symbols: list[str]
    blocked_symbols: list[str]
    signal_expiry_seconds: int
    max_deviation_points: int
    stale_open_policy: StalePolicyName
    copy_existing: bool
    copy_existing_max_age_minutes: int
    copy_existing_max_points: int
    max_spread_points: int
    updated_at: datetime | None


@attrs.frozen
class RulesEnvelope:
    rules: RulesOut


@attrs.frozen
class AccountStateOut:
    balance: Decimal
    equity: Decimal
    margin_level: Decimal
    currency: str
    leverage: int
    updated_at: datetime


@attrs.frozen
class AccountOut:
    id: int
    name: str
    role: Role
    api_key_prefix: str
    master_token: str | None
    copy_mode: CopyModeName
    partner_id: int | None
    following_id: int | None
    following_name: str | None
    is_active: bool
    online: bool
    state: AccountStateOut | None
    open_pairs: int
    rules: RulesOut | None
    created_at: datetime
    # A master: new followers wait for approval (PUT .../approve-followers). A follower: the
    # master it asked to follow that has not approved it yet (it gets no copies meanwhile).
    approve_followers: bool = False
    pending_master_id: int | None = None
    pending_master_name: str | None = None


@attrs.frozen
class AccountEnvelope:
    account: AccountOut


@attrs.frozen
class AccountWithKey:
    account: AccountOut
    api_key: str = spec(doc="The EA API key (sk_live_...): shown once, never again.")


@attrs.frozen
class AccountList:
    items: list[AccountOut]


@attrs.frozen
class FollowerOut:
    """One follower in its provider's view (docs/api.md, Followers)."""

    id: int
    name: str
    is_active: bool
    online: bool
    ea_connected_at: datetime | None = None
    ea_disconnected_at: datetime | None = None
    realised_profit: Decimal = Decimal(0)
    """Profit of its CLOSED copies of this master's trades."""
    floating_profit: Decimal = Decimal(0)
    """Floating profit of its OPEN copies."""
    open_copies: int = 0
    copies: int = 0
    """Copy attempts (not SKIPPED by its rules, not PENDING)."""
    failed: int = 0
    """Attempts that FAILED, EXPIRED or ended UNKNOWN."""
    failure_rate: float | None = None
    recent_copies: int = 0
    recent_failed: int = 0
    flagged: bool = False
    """At least 3 of its last 10 attempts failed."""
    avg_latency_ms: float | None = None
    avg_slippage_points: float | None = None


@attrs.frozen
class FollowerList:
    items: list[FollowerOut]


@attrs.frozen
class RemovedFollowerOut:
    id: int
    name: str
    removed_at: datetime


@attrs.frozen
class RemovedFollowerList:
    items: list[RemovedFollowerOut]


@attrs.frozen
class ApproveFollowersIn:
    approve_followers: bool


@attrs.frozen
class PendingFollowerOut:
    """A follower waiting for its provider's approval (docs/api.md, Followers)."""

    id: int
    name: str
    requested_at: datetime
    online: bool


@attrs.frozen
class PendingFollowerList:
    items: list[PendingFollowerOut]


# ---- trades, pairs, stats -------------------------------------------------------------------

@attrs.frozen
class TradeQuery:
    status: list[TradeStatusName] | Unset = spec(default=UNSET, doc="repeatable")
    since: datetime | Unset = spec(default=UNSET, fmt="date-time")
    until: datetime | Unset = spec(default=UNSET, fmt="date-time")
    cursor: str | Unset = spec(default=UNSET, max_length=20, pattern=r"^[0-9]{1,19}$")
    limit: int = spec(default=50, minimum=1, maximum=200)


@attrs.frozen
class PairQuery:
    status: list[PairStatusName] | Unset = spec(default=UNSET, doc="repeatable")
    since: datetime | Unset = spec(default=UNSET, fmt="date-time")
    until: datetime | Unset = spec(default=UNSET, fmt="date-time")
    cursor: str | Unset = spec(default=UNSET, max_length=20, pattern=r"^[0-9]{1,19}$")
    limit: int = spec(default=50, minimum=1, maximum=200)


@attrs.frozen
class SeriesQuery:
    range: RangeName = "30d"


@attrs.frozen
class TradeOut:
    id: int
    ticket: int
    symbol: str
    side: Side
    price: Decimal
    volume: Decimal
    open_volume: Decimal
    sl: Decimal
    tp: Decimal
    status: TradeStatusName
    opened_at: datetime
    closed_at: datetime | None
    close_price: Decimal | None
    close_reason: str | None
    profit: Decimal
    current_price: Decimal | None = spec(default=None, doc="latest PNL report (open trades)")
    floating_profit: Decimal | None = spec(default=None, doc="floating profit, swap excluded")
    swap: Decimal | None = None
    floating_at: datetime | None = None
    pips: float | None = spec(default=None, doc="open → close (or current) price, in pips")


@attrs.frozen
class TradePage:
    items: list[TradeOut]
    next_cursor: str | None


@attrs.frozen
class TradeList:
    items: list[TradeOut]


@attrs.frozen
class PairOut:
    id: int
    master_trade_id: int
    master_ticket: int
    master_account_id: int
    symbol: str
    follower_symbol: str | None
    side: Side
    follower_side: Side | None
    master_volume: Decimal
    requested_volume: Decimal | None
    volume: Decimal | None
    follower_ticket: int | None
    open_price: Decimal
    close_price: Decimal | None
    status: PairStatusName
    reason_code: str | None
    reason: str | None
    retcode: int | None
    profit: Decimal | None
    created_at: datetime
    sent_at: datetime | None
    acked_at: datetime | None
    closed_at: datetime | None
    latency_ms: float | None
    fill_price: Decimal | None = spec(default=None, doc="the copy's own open price (from PNL)")
    current_price: Decimal | None = None
    floating_profit: Decimal | None = None
    swap: Decimal | None = None
    floating_at: datetime | None = None
    pips: float | None = None
    slippage_points: float | None = spec(default=None,
                                         doc="fill vs master price; positive = worse")


@attrs.frozen
class PairPage:
    items: list[PairOut]
    next_cursor: str | None


@attrs.frozen
class PairList:
    items: list[PairOut]


@attrs.frozen
class LatencyOut:
    p50: float | None
    p95: float | None
    count: int


@attrs.frozen
class StatsOut:
    total_profit: Decimal
    closed_count: int
    win_rate: float | None
    best: Decimal | None
    worst: Decimal | None
    open_count: int
    latency_ms: LatencyOut


@attrs.frozen
class SeriesPoint:
    t: datetime
    profit: Decimal
    cumulative: Decimal


@attrs.frozen
class SeriesOut:
    range: RangeName
    bucket: Literal["minute", "hour", "day"]
    points: list[SeriesPoint]


@attrs.frozen
class ConnectionInfo:
    ea_host: str
    ea_port: int
    tls: bool


@attrs.frozen
class ErrorDetail:
    code: Literal["bad_request", "unauthorized", "forbidden", "not_found",
                  "method_not_allowed", "conflict", "payload_too_large",
                  "validation_failed", "rate_limited", "internal"]
    message: str
    # The message's stable code and parameters (docs/api.md "Errors", api/error_codes.py).
    message_code: str
    params: dict[str, str]
    fields: dict[str, str]
    # A stable code per field of ``fields`` (the key "" is the request as a whole) and its
    # parameters.
    field_codes: dict[str, str]
    field_params: dict[str, dict[str, str]]


@attrs.frozen
class ErrorOut:
    error: ErrorDetail
