"""An EA's login, after the gateway checked its key: the master token a follower EA names in
``AUTH``, and a follower's login report (symbols, positions, pending orders, its RULES, then
SYNC), after which the login resync brings its copies to the ledger's state
(engine/resync.py) and the fan-out takes over.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import attrs

from ..db.accounts import AccountRepository
from ..db.approvals import announce, audit_request
from ..db.audit import AuditEntry, AuditLog
from ..db.database import Database
from ..db.errors import Conflict
from ..db.master_tokens import ROTATED_TEXT, MasterTokens
from ..domain.errors import DomainError
from ..domain.lots import SymbolSpec
from ..protocol import (
    ErrorCode,
    Message,
    OrderReport,
    Position,
    Rules,
    SymbolInfo,
    SyncDone,
)
from . import rule_forms
from .accounts import AccountSync
from .control import AccountControl
from .errors import EngineError
from .events import EventBus
from .guards import Guards
from .orders import MAX_ORDERS, OrderDesk
from .resync import Resync
from .routing import Routing
from .state import AccountInfo, FollowerLive, Peer
from .views import FollowerViews

log = logging.getLogger(__name__)

MAX_SYMBOLS = 5000
MAX_POSITIONS = 5000
FOLLOWS_ANOTHER_TEXT = (
    "this follower follows master account {id} as set in the web app, which decides; nothing "
    "was changed: leave the master token empty in the EA, or change the master in the web app")
"""The ``UNKNOWN_MASTER_TOKEN`` text for a token of a master other than the one the
follower follows (docs/protocol.md, AUTH)."""


@attrs.define
class Login:
    """A follower EA's master token and login report."""

    db: Database
    repo: AccountRepository
    routing: Routing
    accounts: AccountSync
    live: Mapping[int, FollowerLive]
    views: FollowerViews
    guards: Guards
    orders: OrderDesk
    resync: Resync
    events: EventBus
    control: AccountControl

    async def follow_by_token(self, info: AccountInfo, master_token: str) -> AccountInfo:
        """A follower EA named a master token in ``AUTH``. The web app is the source of truth
        for whom a follower follows (docs/protocol.md, AUTH):

        - it follows that master already: nothing changes;
        - it follows no master: the token sets it (``account.following`` live event);
        - it follows another master: nothing changes and the login is refused with
          ``UNKNOWN_MASTER_TOKEN`` saying so (``ea.master_token_refused`` live event).
        """
        master = await self.repo.by_master_token(master_token)
        if master is None:
            rotated = await MasterTokens(self.db).is_retired(master_token)
            raise EngineError(ErrorCode.UNKNOWN_MASTER_TOKEN,
                              ROTATED_TEXT if rotated else "no master has this token")
        if info.following_id == master.id:
            return info
        if info.following_id is not None:
            current = await self.routing.info(info.following_id)
            name = current.name if current is not None else f"#{info.following_id}"
            text = FOLLOWS_ANOTHER_TEXT.format(id=info.following_id)
            log.info("follower %d logged in with the token of master %d but follows master %d "
                     "in the web app: login refused", info.id, master.id, info.following_id)
            self.events.publish(info.user_id, "ea.master_token_refused", {
                "following_id": info.following_id, "following_name": name,
                "reason": text, "code": "follows_another_master",
                "params": {"id": str(info.following_id)}}, info.id)
            raise EngineError(ErrorCode.UNKNOWN_MASTER_TOKEN, text)
        before = await self.repo.get_any(info.id) if master.approve_followers else None
        try:
            updated = await self.repo.follow_by_id(info.id, master.id)
        except (DomainError, Conflict) as exc:
            raise EngineError(ErrorCode.UNKNOWN_MASTER_TOKEN, str(exc)) from None
        if updated.pending_master_id == master.id:
            # The master approves its followers: the login goes on, nothing is copied until
            # its owner approves (docs/protocol.md, AUTH; db/approvals.py).
            if before is None or before.pending_master_id != master.id:
                await audit_request(self.db, updated, master.id, actor_id=None, via="ea",
                                    address=None)
                await announce(self.db, self.events, "pending", updated, master.id,
                               source="ea")
            return info
        await AuditLog(self.db).write(AuditEntry(
            account_id=info.id, user_id=info.user_id, actor_id=None, via="ea", address=None,
            action="follow.started",
            detail={"master_id": master.id, "previous_master_id": info.following_id}))
        stale_partner_master = self.routing.partner_of.get(info.id)
        info = AccountInfo.from_account(updated)
        self.accounts.remember(info)
        if info.rules.copy_existing:  # the login resync that follows copies them
            self.resync.copy_existing_due.add(info.id, "now following a master (EA AUTH)")
        if stale_partner_master is not None and stale_partner_master != master.id:
            await self.accounts.changed(stale_partner_master)  # its partner was cleared
        log.info("follower %d follows master %d: set by the master token its EA logged in "
                 "with", info.id, master.id)
        self.events.publish(info.user_id, "account.following", {
            "following_id": master.id, "following_name": master.name, "source": "ea"},
            info.id)
        return info

    async def sync(self, peer: Peer, info: AccountInfo, msg: Message) -> None:
        """One line of a follower's login report (SYMBOL, POS, ORD, RULES or SYNC)."""
        live = self.live.get(info.id)
        if live is None:
            return
        if isinstance(msg, SymbolInfo):
            if len(live.pending_symbols) >= MAX_SYMBOLS:
                raise EngineError(ErrorCode.MALFORMED, f"more than {MAX_SYMBOLS} symbols")
            try:
                live.pending_symbols[msg.name] = SymbolSpec(
                    name=msg.name, volume_min=msg.volume_min, volume_max=msg.volume_max,
                    volume_step=msg.volume_step, digits=msg.digits,
                    tick_size=msg.tick_size or None, tick_value=msg.tick_value or None)
            except DomainError as exc:
                raise EngineError(ErrorCode.MALFORMED, f"symbol {msg.name}: {exc}") from None
        elif isinstance(msg, Position):
            if len(live.positions) >= MAX_POSITIONS:
                raise EngineError(ErrorCode.MALFORMED, f"more than {MAX_POSITIONS} positions")
            live.positions.append(msg)
        elif isinstance(msg, OrderReport):
            if len(live.orders) >= MAX_ORDERS:
                raise EngineError(ErrorCode.MALFORMED, f"more than {MAX_ORDERS} pending orders")
            live.orders.append(msg)
        elif isinstance(msg, Rules):
            await self._ea_rules(peer, info, msg)
        elif isinstance(msg, SyncDone):
            if live.pending_symbols or not live.symbols:
                live.symbols = live.pending_symbols
            live.pending_symbols = {}
            positions = [p for p in live.positions if isinstance(p, Position)]
            live.positions = []
            reports = [o for o in live.orders if isinstance(o, OrderReport)]
            live.orders = []
            live.copies_orders = msg.orders is not None
            self.views.rebuild(info, live)
            if self.guards.paused(info.id):
                # Nothing is sent while paused (resuming makes it reconnect, guards.py) but
                # the ORDER_CANCEL of copies a trip or kill switch removed (order_removal.py).
                if msg.orders is not None:
                    await self.orders.paused_login(peer, info, reports)
                return
            await self.resync.follower(peer, info, live, positions)
            if msg.orders is not None:  # an EA that copies pending orders (§9a)
                await self.orders.resync(peer, info, live, reports,
                                         {p.master_ticket for p in positions})

    async def _ea_rules(self, peer: Peer, info: AccountInfo, msg: Rules) -> None:
        try:
            rules = rule_forms.from_wire(msg)
        except DomainError as exc:
            raise EngineError(ErrorCode.MALFORMED, f"RULES {exc.field}: {exc.message}") from None
        await self.control.ea_rules(info.id, rules)  # answers the EA with the rules in effect
