"""What the engine keeps in memory about accounts and connected EAs."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Protocol

import attrs

from ..db.models import FollowerRules, TradingAccount
from ..domain.errors import DomainError
from ..domain.lots import SymbolSpec
from ..domain.models import CopyMode, Role
from ..domain.rules import CopyRules, FollowerView
from ..protocol import ErrorCode


class Peer(Protocol):
    """One authenticated EA connection, as the engine sees it (the gateway implements it)."""

    account_id: int

    def send(self, data: bytes) -> bool:
        """Write a line without waiting: straight to the socket, or to a bounded backlog.

        Returns False when the peer is gone or was just dropped for falling behind.
        """
        ...

    def close(self, code: ErrorCode, text: str) -> None:
        """Send ``ERR|code|text`` and close the connection (does not wait)."""
        ...


def copy_rules_from(stored: FollowerRules) -> CopyRules:
    """The domain's rules from the stored columns; invalid stored rules fall back to defaults."""
    try:
        return CopyRules(
            lot_mode=stored.lot_mode, lot_value=stored.lot_value, reverse=stored.reverse,
            min_lot_to_copy=stored.min_lot_to_copy, max_lot=stored.max_lot,
            symbol_map=stored.symbol_map, allowed_symbols=stored.allowed_symbols,
            blocked_symbols=stored.blocked_symbols, expiry_seconds=stored.signal_expiry_seconds,
            max_deviation_points=stored.max_deviation_points,
            stale_open_policy=stored.stale_open_policy,
            copy_existing=stored.copy_existing,
            copy_existing_max_age_minutes=stored.copy_existing_max_age_minutes,
            copy_existing_max_points=stored.copy_existing_max_points,
            max_spread_points=stored.max_spread_points,
        )
    except DomainError:
        return CopyRules()


@attrs.define
class AccountInfo:
    """Cached routing facts of one trading account (reloaded by ``account_changed``)."""

    id: int
    user_id: int
    name: str
    role: Role
    is_active: bool
    copy_mode: CopyMode
    partner_id: int | None
    following_id: int | None
    rules: CopyRules

    @classmethod
    def from_account(cls, a: TradingAccount) -> AccountInfo:
        return cls(id=a.id, user_id=a.user_id, name=a.name, role=a.role, is_active=a.is_active,
                   copy_mode=a.copy_mode, partner_id=a.partner_id, following_id=a.following_id,
                   rules=copy_rules_from(a.rules))


class FollowerPhase(enum.Enum):
    """Who decides a connected follower's copies (engine/resync.py, "one decider")."""

    SYNCING = "SYNCING"
    """Logged in; its login report, and the resync after it, are not done: the login resync
    decides, and the master's fan-out only records PENDING pairs for it."""
    READY = "READY"
    """The login resync is done: from now on the master's fan-out decides its copies."""
    PAUSED = "PAUSED"
    """A pausing risk guard or the trader's switch holds it (engine/guards.py): the fan-out
    records PENDING pairs and sends nothing; resuming makes the EA reconnect and resync."""


@attrs.define
class FollowerLive:
    """What a connected follower EA reported since it logged in."""

    symbols: dict[str, SymbolSpec] = attrs.field(factory=dict)
    equity: Decimal | None = None
    phase: FollowerPhase = FollowerPhase.SYNCING
    view: FollowerView | None = None
    view_id: int = 0
    """Small integer naming (rules, symbols, equity-if-used): equal ids plan alike."""
    existing_opens: set[int] = attrs.field(factory=set)
    """Master tickets the login resync sent as copies of existing positions (a new follow or
    a resume): their deviation refusal is a SKIPPED ``EXISTING_PRICE_MOVED``, not a failure."""
    resync_decided: set[int] = attrs.field(factory=set)
    """Master tickets whose copy the login resync decided (opened, adopted, skipped...). An
    open stored before the resync's read but handed to the fan-out only after it is left
    alone by the fan-out (its pair is the resync's). Bounded by what one resync looked at;
    the fan-out forgets a ticket when it meets its open."""
    sent_at: dict[int, float] = attrs.field(factory=dict)
    """Master ticket → monotonic time its OPEN was written, until the ACK (copy latency)."""
    pending_symbols: dict[str, SymbolSpec] = attrs.field(factory=dict)
    positions: list[object] = attrs.field(factory=list)
    """POS lines of the login report being received."""
    orders: list[object] = attrs.field(factory=list)
    """ORD lines of the login report being received (engine/orders.py)."""
    copies_orders: bool = False
    """Its last SYNC carried N_ORDERS: the EA copies pending orders (docs/protocol.md §9a)."""

    @property
    def ready(self) -> bool:
        """The fan-out decides this follower's copies (:attr:`FollowerPhase.READY`)."""
        return self.phase is FollowerPhase.READY
