"""The engine: master intake, routing, the follower ledger and live events.

One ``Engine`` per process. The gateway authenticates EAs through it, attaches each session
as a :class:`~copytrade.engine.state.Peer` and hands it every message. Master signals are
stored before anything else (then acknowledged with STORED) and passed to that master's
broadcast channel; its fan-out task (:mod:`copytrade.engine.fanout`) plans and writes each
follower's command in one pass with no await per follower. Follower answers go to the
:class:`~copytrade.engine.ledger.Ledger`, which applies them in batches.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import trio

from ..config import Settings
from ..db import equity as equity_sql
from ..db import orders as order_sql
from ..db import trades as sql
from ..db.accounts import AccountRepository
from ..db.approvals import announce, audit_request
from ..db.audit import AuditEntry, AuditLog
from ..db.database import Database
from ..db.errors import Conflict, DatabaseUnavailable, NotFound
from ..db.master_tokens import ROTATED_TEXT, MasterTokens
from ..db.shapes import json_row
from ..domain.errors import DomainError
from ..domain.existing_price import worse_by
from ..domain.lots import SymbolSpec
from ..domain.models import CopyMode, LotMode, Role
from ..domain.rules import FollowerView
from ..protocol import (
    SPREAD_TOO_WIDE,
    AccountState,
    AckClose,
    AckModify,
    AckOpen,
    AckOrder,
    AckOrderCancel,
    AckOrderModify,
    CloseReason,
    CommandKind,
    CopyClosed,
    ErrorCode,
    FloatingPnl,
    MasterClose,
    MasterModify,
    MasterOpen,
    MasterOrder,
    MasterOrderCancel,
    MasterOrderModify,
    Message,
    Nack,
    OrderReport,
    Position,
    PriceGuardRefusal,
    Rules,
    StopOut,
    Stored,
    SymbolInfo,
    SyncDone,
    encode,
    is_already_copied,
    parse_price_guard,
)
from . import rule_forms
from .control import AccountControl
from .copyexisting import CopyExistingDue
from .events import EventBus, decimal_text
from .fanout import CloseSignal, MasterChannel, ModifySignal, OpenSignal, Signal
from .floating import FloatingBook
from .guards import Guards
from .ledger import Ledger
from .metrics import Metrics
from .orders import MAX_ORDERS, ORDER_COMMANDS, OrderDesk, OrderRefused
from .state import AccountInfo, FollowerLive, Peer

log = logging.getLogger(__name__)

MAX_SYMBOLS = 5000
MAX_POSITIONS = 5000
FOLLOWS_ANOTHER_TEXT = (
    "this follower follows master account {id} as set in the web app, which decides; nothing "
    "was changed: leave the master token empty in the EA, or change the master in the web app")
"""The ``UNKNOWN_MASTER_TOKEN`` text for a token of a master other than the one the
follower follows (docs/protocol.md, AUTH)."""
_EQUITY_SIZED = frozenset({LotMode.EQUITY_RATIO, LotMode.RISK_PERCENT})
"""Lot modes whose copies size on the follower's equity (its view follows every ACCOUNT)."""


class EngineError(Exception):
    """A message the engine refuses; carries the protocol error code to answer with."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def utcnow() -> datetime:
    return datetime.now(UTC)


@attrs.define
class Engine:
    """Routing state and the entry points the gateway and the API call."""

    db: Database
    events: EventBus
    settings: Settings
    metrics_: Metrics = attrs.field(factory=Metrics)
    sessions: dict[int, Peer] = attrs.field(factory=dict)
    accounts: dict[int, AccountInfo] = attrs.field(factory=dict)
    followers_of: dict[int, set[int]] = attrs.field(factory=dict)
    """master id → ids of the accounts following it (loaded per master on first use)."""
    partner_of: dict[int, int] = attrs.field(factory=dict)
    """follower id → the 1TO1 master whose partner it is."""
    live: dict[int, FollowerLive] = attrs.field(factory=dict)
    master_equity: dict[int, Decimal] = attrs.field(factory=dict)
    channels: dict[int, MasterChannel] = attrs.field(factory=dict)
    kill_switch_episodes: dict[tuple[int, int, str], Any] = attrs.field(factory=dict)
    copy_existing_due: CopyExistingDue = attrs.field(init=False)
    """Followers that started following a master or resumed, with ``copy_existing`` on: their
    next login resync copies the master's open trades (engine/resync.py); stored
    (engine/copyexisting.py, sql/033_due_marks.sql), so a restart keeps them."""
    """(master id, follower id, side) → the recent kill switch (engine/killswitch.py)."""
    _view_ids: dict[tuple[Any, ...], int] = attrs.field(factory=dict)
    """(rules, reported symbols) → a small id: followers alike share one plan per signal."""
    _fresh_view_ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    fanout_fault: Callable[[Signal], None] | None = None
    """Fault seam for tests: called before every fan-out attempt; raising fails that attempt."""
    _decider_locks: dict[int, trio.Lock] = attrs.field(factory=dict)
    """master id → the lock its fan-out task and its followers' login resyncs share."""
    _nursery: trio.Nursery | None = None
    ledger: Ledger = attrs.field(init=False)
    floating: FloatingBook = attrs.field(init=False)
    repo: AccountRepository = attrs.field(init=False)
    guards: Guards = attrs.field(init=False)
    """The followers' risk guards (engine/guards.py)."""
    orders: OrderDesk = attrs.field(init=False)
    """Pending orders (engine/orders.py)."""
    control: AccountControl = attrs.field(init=False)
    """The one write path for account settings (engine/control.py)."""

    def __attrs_post_init__(self) -> None:
        self.ledger = Ledger(self.db, self._on_ledger_result)
        self.repo = AccountRepository(self.db)
        self.floating = FloatingBook(self.ledger, self._publish_pnl)
        self.copy_existing_due = CopyExistingDue(self.db, self.ledger)
        self.guards = Guards(self)
        self.orders = OrderDesk(self)
        self.control = AccountControl(self.db, self.repo, self)

    # ----------------------------------------------------------------- lifecycle

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(self.ledger.run)
            await nursery.start(self.floating.run)
            await nursery.start(self.guards.run)
            await self._load_routing()
            await self.copy_existing_due.load()
            recovered = await self.db.run(sql.recover_unrecorded_pairs)
            if recovered:
                log.warning("%d master trades had pair rows lost in a crash; recorded them "
                            "PENDING for their followers' next login resync", recovered)
            nursery.start_soon(self._sweep_unanswered)
            task_status.started()
            await trio.sleep_forever()

    def decider_lock(self, master_id: int) -> trio.Lock:
        """The lock that makes one decider per follower: the master's fan-out task holds it
        for each signal, a follower's login resync for its whole decision (engine/resync.py)."""
        lock = self._decider_locks.get(master_id)
        if lock is None:
            lock = self._decider_locks[master_id] = trio.Lock()
        return lock

    async def _sweep_unanswered(self) -> None:
        """Copies sent with no ACK/NACK within ``ack_timeout`` become UNKNOWN (NO_ANSWER)."""
        timeout = self.settings.ack_timeout
        while True:
            await trio.sleep(min(max(timeout / 4, 0.05), 5.0))
            try:
                rows = await self.db.run(lambda con: sql.mark_no_answer(con, timeout))
            except Exception as exc:  # an outage: try again on the next round
                log.warning("no-answer sweep failed: %s", exc)
                continue
            if rows:
                log.info("%d copies got no answer within %gs: marked UNKNOWN", len(rows),
                         timeout)
                self._on_ledger_result(sql.mark_no_answer, rows)

    async def _load_routing(self) -> None:
        rows = await self.db.fetch(
            "SELECT id, following_id FROM trading_accounts WHERE following_id IS NOT NULL")
        for r in rows:
            self.followers_of.setdefault(r["following_id"], set()).add(r["id"])
        rows = await self.db.fetch(
            "SELECT id, partner_id FROM trading_accounts WHERE partner_id IS NOT NULL")
        for r in rows:
            self.partner_of[r["partner_id"]] = r["id"]

    async def close_all_sessions(self) -> None:
        for peer in list(self.sessions.values()):
            peer.close(ErrorCode.SHUTDOWN, "server is shutting down")
        self.floating.flush_now()
        with trio.move_on_after(5):
            await self.ledger.flush()

    # ------------------------------------------------------------- accounts cache

    async def _info(self, account_id: int) -> AccountInfo | None:
        info = self.accounts.get(account_id)
        if info is None:
            try:
                info = AccountInfo.from_account(await self.repo.get_any(account_id))
            except NotFound:
                return None
            self.accounts[account_id] = info
        return info

    def _remember(self, info: AccountInfo) -> None:
        old = self.accounts.get(info.id)
        self.accounts[info.id] = info
        if old is not None and old.following_id != info.following_id and old.following_id:
            self.followers_of.get(old.following_id, set()).discard(info.id)
        if info.following_id:
            self.followers_of.setdefault(info.following_id, set()).add(info.id)
        if old is not None and old.partner_id and old.partner_id != info.partner_id:
            self.partner_of.pop(old.partner_id, None)
        if info.partner_id:
            self.partner_of[info.partner_id] = info.id
        live = self.live.get(info.id)
        if live is not None and live.view is not None:
            self._rebuild_view(info, live)

    async def account_changed(self, account_id: int) -> None:
        try:
            account = await self.repo.get_any(account_id)
        except NotFound:  # deleted
            old = self.accounts.pop(account_id, None)
            if old and old.following_id:
                self.followers_of.get(old.following_id, set()).discard(account_id)
            if old and old.partner_id:
                self.partner_of.pop(old.partner_id, None)
            peer = self.sessions.get(account_id)
            if peer is not None:
                peer.close(ErrorCode.AUTH_FAILED, "account deleted")
            return
        info = AccountInfo.from_account(account)
        self._remember(info)
        peer = self.sessions.get(account_id)
        if peer is not None:
            if not info.is_active:
                peer.close(ErrorCode.ACCOUNT_INACTIVE, "account deactivated")
            elif info.role is Role.FOLLOWER:
                peer.send(encode(rule_forms.to_wire(info.rules)))
        if info.role is Role.MASTER:
            self.events.publish(info.user_id, "account.mode",
                                {"copy_mode": info.copy_mode.value,
                                 "partner_id": info.partner_id}, account_id)

    def copy_existing_on_next_resync(self, follower_id: int, why: str) -> None:
        """The follower started following a master or resumed: with ``copy_existing`` on, its
        next login resync copies the master's open trades; a connected EA is told to
        reconnect (``ERR|RESYNC``) so that the resync happens now."""
        info = self.accounts.get(follower_id)
        if info is None or info.role is not Role.FOLLOWER or not info.rules.copy_existing:
            return
        self.copy_existing_due.add(follower_id, why)
        peer = self.sessions.get(follower_id)
        if peer is not None:
            peer.close(ErrorCode.RESYNC, f"{why}: reconnect to resync")

    async def set_copy_mode(self, account_id: int, mode: CopyMode) -> None:
        """Switch a master's mode (``control.set_copy_mode`` for its owner): takes effect on
        its next signal, without restart."""
        info = await self._info(account_id)
        if info is None or info.role is not Role.MASTER:
            raise NotFound("master account not found")
        await self.control.set_copy_mode(account_id, info.user_id, mode)

    # ---------------------------------------------------------------- sessions

    def is_online(self, account_id: int) -> bool:
        return account_id in self.sessions

    async def authenticate(self, api_key: str) -> AccountInfo | None:
        account = await self.repo.by_api_key(api_key)
        if account is None:
            return None
        info = AccountInfo.from_account(account)
        self._remember(info)
        return info

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
            current = await self._info(info.following_id)
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
        stale_partner_master = self.partner_of.get(info.id)
        info = AccountInfo.from_account(updated)
        self._remember(info)
        if info.rules.copy_existing:  # the login resync that follows copies them
            self.copy_existing_due.add(info.id, "now following a master (EA AUTH)")
        if stale_partner_master is not None and stale_partner_master != master.id:
            await self.account_changed(stale_partner_master)  # its partner was cleared
        log.info("follower %d follows master %d: set by the master token its EA logged in "
                 "with", info.id, master.id)
        self.events.publish(info.user_id, "account.following", {
            "following_id": master.id, "following_name": master.name, "source": "ea"},
            info.id)
        return info

    async def attach(self, peer: Peer, info: AccountInfo, client: str) -> None:
        old = self.sessions.get(info.id)
        if old is not None and old is not peer:
            old.close(ErrorCode.REPLACED, "a newer connection for this account logged in")
        self.sessions[info.id] = peer
        if info.role is Role.FOLLOWER:
            self.live[info.id] = FollowerLive()
        else:
            self.orders.forget(info.id)  # its live orders are read again at its first open
        self.ledger.enqueue(_presence, (info.id, True, client))
        self.events.publish(info.user_id, "ea.status", {"online": True, "client": client}, info.id)

    def detach(self, peer: Peer) -> None:
        account_id = peer.account_id
        if self.sessions.get(account_id) is not peer:
            return  # already replaced by a newer connection
        del self.sessions[account_id]
        self.live.pop(account_id, None)
        self.ledger.enqueue(_presence, (account_id, False, None))
        info = self.accounts.get(account_id)
        if info is not None:
            self.events.publish(info.user_id, "ea.status", {"online": False}, account_id)

    async def disconnect(self, account_id: int, code: ErrorCode) -> None:
        peer = self.sessions.get(account_id)
        if peer is not None:
            peer.close(code, "disconnected by the server")

    def metrics(self) -> dict[str, Any]:
        roles = {"master": 0, "follower": 0}
        for account_id in self.sessions:
            info = self.accounts.get(account_id)
            if info is not None:
                roles[info.role.value] += 1
        m = self.metrics_
        return {
            "ea_connected": roles,
            "signals_total": m.signals_total,
            "commands_total": m.commands_total,
            "acks_total": m.acks_total,
            "nacks_total": m.nacks_total,
            "skips_total": m.skips_total,
            "slow_consumers_total": m.slow_consumers_total,
            "auth_failures_total": m.auth_failures_total,
            "protocol_errors_total": m.protocol_errors_total,
            "kill_switch_total": m.kill_switch_total,
            "ledger_backlog": self.ledger.backlog,
            "ledger_dropped_total": self.ledger.dropped,
            "copy_latency_seconds": m.copy_latency.snapshot(),
            "kill_switch_latency_seconds": m.kill_switch_latency.snapshot(),
        }

    # ---------------------------------------------------------------- messages

    async def handle(self, peer: Peer, info: AccountInfo, msg: Message) -> None:
        """Act on one message from an authenticated EA (raises EngineError to refuse it).

        The protocol's ``Connection`` has already refused what this account's role may not
        send (``protocol.ROLE_ONLY``); here each message only goes to its handler.
        """
        if info.role is Role.FOLLOWER:
            self.guards.observe(info, msg)
        if isinstance(msg, MasterOpen):
            await self._master_open(peer, info, msg)
        elif isinstance(msg, MasterClose):
            await self._master_close(peer, info, msg, time.monotonic())
        elif isinstance(msg, MasterModify):
            await self._master_modify(peer, info, msg)
        elif isinstance(msg, MasterOrder | MasterOrderModify | MasterOrderCancel):
            try:
                await self.orders.master(peer, info, msg)
            except OrderRefused as exc:
                raise EngineError(exc.code, exc.text) from None
        elif isinstance(msg, AccountState):
            self._account_state(info, msg)
        elif isinstance(msg, FloatingPnl):
            self.floating.note(info.id, info.user_id, info.role is Role.MASTER, msg)
        elif isinstance(msg, StopOut):
            why = f"stop-out at margin level {msg.margin_level}%"
            await self._stop_out(info, time.monotonic(), why)
        elif isinstance(msg, AckOrder | AckOrderModify | AckOrderCancel) or (
                isinstance(msg, Nack) and msg.command in ORDER_COMMANDS):
            self.orders.follower(info, msg)
        elif isinstance(msg, AckOpen):
            self._ack_open(info, msg)
        elif isinstance(msg, Nack):
            self._nack(info, msg)
        elif isinstance(msg, AckClose):
            self._ack_close(info, msg)
        elif isinstance(msg, AckModify):
            self.metrics_.acks_total += 1
        elif isinstance(msg, CopyClosed):
            await self._copy_closed(info, msg)
        elif isinstance(msg, SymbolInfo | Position | SyncDone | Rules | OrderReport):
            await self._login_sync(peer, info, msg)
        else:
            raise EngineError(ErrorCode.UNKNOWN_COMMAND,
                              f"{type(msg).__name__} is not expected here")

    # ---- master side

    def _channel(self, info: AccountInfo) -> MasterChannel:
        channel = self.channels.get(info.id)
        if channel is None:
            assert self._nursery is not None
            channel = MasterChannel(self, info.id)
            self.channels[info.id] = channel
            self._nursery.start_soon(channel.run)
        return channel

    async def _master_open(self, peer: Peer, info: AccountInfo, msg: MasterOpen) -> None:
        received = time.monotonic()
        opened_at = (datetime.fromtimestamp(msg.open_time_ms / 1000, UTC)
                     if msg.open_time_ms else utcnow())
        async def record(con: Any) -> tuple[Any, bool]:
            # A position opened by a pending order has the order's ticket: the order becomes
            # FILLED (engine/orders.py). Both writes are idempotent and STORED follows both,
            # so a failure between them is healed by the EA's resend. Only a ticket the master
            # has a live order for costs the second statement (OrderDesk.may_fill).
            stored = await sql.record_open(
                con, info.id, msg.ticket, msg.symbol, msg.side.value, msg.price, msg.volume,
                msg.sl, msg.tp, opened_at)
            if await self.orders.may_fill(con, info.id, msg.ticket):
                await order_sql.fill_order(con, info.id, msg.ticket)
            return stored

        # Stored and handed to the fan-out as one step that a cancellation cannot split (the
        # master's session closed mid-line: idle timeout, a newer login, a hang-up). The EA
        # resends what got no STORED, and a resend of a stored signal is not new: a signal
        # stored but never handed off would never reach the online followers.
        with trio.CancelScope(shield=True):
            row, new = await self.db.run(record)
            self.orders.filled(info.id, msg.ticket)
            if new:
                self.metrics_.signals_total += 1
                await self._channel(info).send(OpenSignal(row=row, received=received))
        peer.send(encode(Stored(CommandKind.OPEN, msg.ticket, 0)))
        if not new:
            return
        if self.events.wants(info.user_id):
            self.events.publish(info.user_id, "trade.opened", row.rest(), info.id)

    async def _master_close(
        self, peer: Peer, info: AccountInfo, msg: MasterClose, received: float
    ) -> None:
        with trio.CancelScope(shield=True):  # stored and handed off as one step
            try:
                row, new, before = await self.db.run(lambda con: sql.record_close(
                    con, info.id, msg.ticket, msg.deal, msg.volume, msg.price, msg.profit,
                    msg.remaining, msg.reason.value))
            except NotFound:
                raise EngineError(ErrorCode.UNKNOWN_TICKET,
                                  f"unknown ticket {msg.ticket}") from None
            if new:
                self.metrics_.signals_total += 1
                await self._channel(info).send(CloseSignal(row=row, volume_before=before,
                                                           reason=msg.reason, received=received))
        peer.send(encode(Stored(CommandKind.CLOSE, msg.ticket, msg.deal)))
        if not new:
            return
        kind = "trade.closed" if row.status == "CLOSED" else "trade.partial"
        self.events.publish(info.user_id, kind, row.rest(), info.id)
        if msg.reason is CloseReason.SO:
            await self._stop_out(info, received, "master position closed by stop-out")

    async def _master_modify(self, peer: Peer, info: AccountInfo, msg: MasterModify) -> None:
        with trio.CancelScope(shield=True):  # stored and handed off as one step
            try:
                row, changed = await self.db.run(lambda con: sql.record_modify(
                    con, info.id, msg.ticket, msg.sl, msg.tp))
            except NotFound:
                raise EngineError(ErrorCode.UNKNOWN_TICKET,
                                  f"unknown ticket {msg.ticket}") from None
            if changed:
                self.metrics_.signals_total += 1
                await self._channel(info).send(ModifySignal(row=row))
        peer.send(encode(Stored(CommandKind.MODIFY, msg.ticket, 0)))
        if not changed:
            return
        self.events.publish(info.user_id, "trade.modified", row.rest(), info.id)

    def _account_state(self, info: AccountInfo, msg: AccountState) -> None:
        if info.role is Role.MASTER:
            self.master_equity[info.id] = msg.equity
        else:
            live = self.live.get(info.id)
            if live is not None and live.equity != msg.equity:
                live.equity = msg.equity
                if live.view is not None and info.rules.lot_mode in _EQUITY_SIZED:
                    self._rebuild_view(info, live)
        self.ledger.enqueue(_save_state, (info.id, msg.balance, msg.equity, msg.margin_level,
                                          msg.currency, msg.leverage, datetime.now(UTC)))
        if self.events.wants(info.user_id):
            self.events.publish(info.user_id, "account.state", {
                "balance": decimal_text(msg.balance), "equity": decimal_text(msg.equity),
                "margin_level": decimal_text(msg.margin_level), "currency": msg.currency,
                "leverage": msg.leverage}, info.id)

    async def _stop_out(self, info: AccountInfo, received: float, why: str) -> None:
        from .killswitch import trigger_kill_switch

        try:
            await trigger_kill_switch(self, info, received, why)
        except DatabaseUnavailable as exc:
            # The stop-out line is not resent by the EA, so the kill switch must not be lost:
            # it runs again in the background until the database answers.
            log.warning("kill switch for account %d waits for the database: %s", info.id, exc)
            assert self._nursery is not None
            self._nursery.start_soon(self._stop_out_later, info, received, why)

    async def _stop_out_later(self, info: AccountInfo, received: float, why: str) -> None:
        from .killswitch import trigger_kill_switch

        delay = 0.1
        while True:
            await trio.sleep(delay)
            try:
                await trigger_kill_switch(self, info, received, why)
                return
            except DatabaseUnavailable:
                delay = min(delay * 2, 2.0)

    # ---- follower side

    def _ack_open(self, info: AccountInfo, msg: AckOpen) -> None:
        self.metrics_.acks_total += 1
        live = self.live.get(info.id)
        sent = live.sent_at.pop(msg.master_ticket, None) if live is not None else None
        if sent is not None:
            self.metrics_.copy_latency.observe(time.monotonic() - sent)
        self.ledger.enqueue(sql.ack_opens, (info.id, msg.master_ticket, msg.slave_ticket,
                                            msg.volume, msg.side.value, utcnow()))

    def _nack(self, info: AccountInfo, msg: Nack) -> None:
        self.metrics_.nacks_total += 1
        if msg.command is CommandKind.OPEN:
            live = self.live.get(info.id)
            if live is not None:
                live.sent_at.pop(msg.master_ticket, None)
            guard = parse_price_guard(msg.retcode, msg.text)
            if guard is not None:
                self._price_guard_refused(info, msg, guard)
                return
            if is_already_copied(msg.retcode, msg.text):
                log.warning("follower %d refused a second copy of master ticket %d: %s",
                            info.id, msg.master_ticket, msg.text)
                self.ledger.enqueue(sql.already_copied_opens, (
                    info.id, msg.master_ticket,
                    f"the follower EA had already copied this master ticket and that copy is "
                    f"closed; it refused a second one ({msg.text})", utcnow()))
                return
            self.ledger.enqueue(sql.fail_opens, (info.id, msg.master_ticket, msg.retcode,
                                                 f"{msg.text} (retcode {msg.retcode})", utcnow()))
        else:
            what = "close" if msg.command is CommandKind.CLOSE else "SL/TP change"
            self.ledger.enqueue(sql.note_pairs, (
                info.id, msg.master_ticket, msg.retcode, f"{msg.command.value}_REJECTED",
                f"{what} refused by the follower terminal: {msg.text} (retcode {msg.retcode})"))

    def _price_guard_refused(self, info: AccountInfo, msg: Nack,
                             guard: PriceGuardRefusal) -> None:
        """The follower EA's price guard refused an open (docs/protocol.md §9): SKIPPED with
        ``PRICE_MOVED`` / ``SPREAD_TOO_WIDE`` (``EXISTING_PRICE_MOVED`` for a copy of an
        existing position) and the figures it saw in the reason."""
        live = self.live.get(info.id)
        existing = live is not None and msg.master_ticket in live.existing_opens
        if live is not None:
            live.existing_opens.discard(msg.master_ticket)
        known = guard.seen is not None and guard.limit is not None
        what = "existing position" if existing else "trade"
        if guard.code == SPREAD_TOO_WIDE:
            code = "SPREAD_TOO_WIDE"   # the reason codes spell the wire words
            why = (f"spread was {guard.seen} points, more than the limit of {guard.limit}"
                   if known else "spread was too wide")
        else:
            code = "EXISTING_PRICE_MOVED" if existing else "PRICE_MOVED"
            price = "the master's open price" if existing else "the master's price"
            why = (f"price was {guard.seen} points from {price}, more than the limit of "
                   f"{guard.limit}" if known else f"price is too far from {price}")
            if existing and known:  # a one-sided check (domain/existing_price.py)
                x = info.rules.copy_existing_max_points
                why = (f"price was {worse_by(guard.seen or 0, guard.limit or 0, x)} points "
                       f"worse than {price}, more than the limit of {x}")
        self.ledger.enqueue(sql.skip_opens, (
            info.id, msg.master_ticket, code,
            f"{what} not copied: the follower's {why} ({msg.text})", utcnow()))

    def _ack_close(self, info: AccountInfo, msg: AckClose) -> None:
        self.metrics_.acks_total += 1
        self.ledger.enqueue(sql.ack_closes, (info.id, msg.master_ticket, msg.volume,
                                             msg.remaining, msg.price, msg.profit, utcnow(),
                                             msg.slave_ticket))

    async def _copy_closed(self, info: AccountInfo, msg: CopyClosed) -> None:
        reasons = {CloseReason.SL: "stop loss hit on the follower",
                   CloseReason.TP: "take profit hit on the follower",
                   CloseReason.SO: "stopped out on the follower",
                   CloseReason.CLIENT: "closed by hand on the follower terminal"}
        why = reasons.get(msg.reason, "closed on the follower terminal")
        self.ledger.enqueue(sql.close_pairs_externally, (
            info.id, msg.master_ticket, msg.price, msg.profit, f"FOLLOWER_{msg.reason.value}",
            why, utcnow()))
        if msg.reason is CloseReason.SO:
            await self._stop_out(info, time.monotonic(), "follower position closed by stop-out")

    async def _login_sync(self, peer: Peer, info: AccountInfo, msg: Message) -> None:
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
            self._rebuild_view(info, live)
            if self.guards.paused(info.id):
                # Nothing is sent while paused (resuming makes it reconnect, guards.py) but
                # the ORDER_CANCEL of copies a trip or kill switch removed (order_removal.py).
                if msg.orders is not None:
                    await self.orders.paused_login(peer, info, reports)
                return
            from .resync import resync_follower

            await resync_follower(self, peer, info, live, positions)
            if msg.orders is not None:  # an EA that copies pending orders (§9a)
                await self.orders.resync(peer, info, live, reports,
                                         {p.master_ticket for p in positions})

    async def _ea_rules(self, peer: Peer, info: AccountInfo, msg: Rules) -> None:
        try:
            rules = rule_forms.from_wire(msg)
        except DomainError as exc:
            raise EngineError(ErrorCode.MALFORMED, f"RULES {exc.field}: {exc.message}") from None
        await self.control.ea_rules(info.id, rules)  # answers the EA with the rules in effect

    def _rebuild_view(self, info: AccountInfo, live: FollowerLive) -> None:
        equity = live.equity if info.rules.lot_mode in _EQUITY_SIZED else None
        live.view = FollowerView(rules=info.rules, symbols=live.symbols, equity=equity)
        if equity is not None:
            # Equity changes with every account report: such a view is this follower's own,
            # and remembering it would grow the table for as long as the server runs.
            live.view_id = next(self._fresh_view_ids)
            return
        key = (info.rules, tuple(sorted(live.symbols.items())))
        view_id = self._view_ids.get(key)
        if view_id is None:
            view_id = self._view_ids[key] = next(self._fresh_view_ids)
        live.view_id = view_id

    def _publish_pnl(self, account_id: int, user_id: int, items: list[dict[str, Any]]) -> None:
        if items and self.events.wants(user_id):
            self.events.publish(user_id, "position.pnl", {"positions": items}, account_id)

    # ---------------------------------------------------------------- ledger results

    def _on_ledger_result(self, fn: Any, rows: Any) -> None:
        """Pairs a ledger statement changed (REST shape plus ``account_id``, db/trades.py)
        → ``pair.status`` events, one batch per user."""
        if fn not in sql.PAIR_STATEMENTS:
            return
        batches: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        for row in rows:
            info = self.accounts.get(row["account_id"])
            if info is not None and self.events.wants(info.user_id):
                batches.setdefault(info.user_id, []).append(
                    (info.id, json_row(row, drop=("account_id",))))
        for user_id, items in batches.items():
            self.events.publish_many(user_id, "pair.status", items)


async def _presence(con: Any, rows: Any) -> None:
    for account_id, online, client in rows:
        await sql.set_presence(con, account_id, online, client)


async def _save_state(con: Any, rows: Any) -> None:
    # One transaction: a retried batch (the ledger retries after an outage) must not merge
    # its reports into the per-minute series twice.
    async with con.transaction():
        await equity_sql.save_points(con, [(r[0], r[1], r[2], r[6]) for r in rows])
        await _save_latest_state(con, rows)


async def _save_latest_state(con: Any, rows: Any) -> None:
    latest = {r[0]: r[:6] for r in rows}  # only the newest report per account matters
    cols = [list(c) for c in zip(*latest.values(), strict=True)]
    await con.execute(
        "INSERT INTO account_states (account_id, balance, equity, margin_level, currency, "
        "leverage) SELECT * FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], "
        "$4::numeric[], $5::text[], $6::int[]) ON CONFLICT (account_id) DO UPDATE SET "
        "balance = EXCLUDED.balance, equity = EXCLUDED.equity, "
        "margin_level = EXCLUDED.margin_level, currency = EXCLUDED.currency, "
        "leverage = EXCLUDED.leverage, updated_at = now()", *cols)
