"""What the engine keeps in memory about accounts and connected EAs."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Protocol

import attrs

from ..db.models import TradingAccount
from ..domain.lots import SymbolSpec
from ..domain.models import CopyMode, Role
from ..domain.rules import CopyRules, FollowerView
from ..protocol import ErrorCode
from . import rule_forms


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
                   rules=rule_forms.from_stored(a.rules))


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
