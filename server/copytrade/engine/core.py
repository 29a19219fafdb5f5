"""The engine: one per process; wires the parts and is what the gateway and the API call.

The gateway authenticates EAs through it, attaches each session as a
:class:`~copytrade.engine.state.Peer` and hands it every message; :meth:`Engine.handle` only
sends each to the part that owns it:

- master signals → :mod:`~copytrade.engine.intake` (stored, then STORED, then handed to the
  master's fan-out task, :mod:`~copytrade.engine.fanout`, which plans and writes each
  follower's command in one pass with no await per follower);
- pending orders → :mod:`~copytrade.engine.orders`;
- follower answers and ACCOUNT lines → :mod:`~copytrade.engine.reports` (ledger writes,
  applied in batches by :class:`~copytrade.engine.ledger.Ledger`);
- a follower's login report → :mod:`~copytrade.engine.login`, then the login resync
  (:mod:`~copytrade.engine.resync`);
- stop-outs → the 1TO1 kill switch (:mod:`~copytrade.engine.killswitch`).

Who a signal goes to is :class:`~copytrade.engine.routing.Routing`'s to say; the engine keeps
the connected sessions and the followers' live state, and publishes the live events about
presence, modes and ledger outcomes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import trio

from ..config import Settings
from ..db import trades as sql
from ..db.accounts import AccountRepository
from ..db.database import Database
from ..db.errors import NotFound
from ..db.shapes import json_row
from ..domain.models import CopyMode, Role
from ..protocol import (
    AccountState,
    AckClose,
    AckModify,
    AckOpen,
    AckOrder,
    AckOrderCancel,
    AckOrderModify,
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
    Rules,
    StopOut,
    SymbolInfo,
    SyncDone,
)
from .accounts import AccountSync
from .control import AccountControl
from .copyexisting import CopyExistingDue
from .errors import EngineError
from .events import EventBus
from .fanout import DeciderLocks, FanOut, MasterChannel
from .floating import FloatingBook
from .guards import Guards
from .intake import MasterIntake
from .killswitch import KillSwitch
from .ledger import Ledger
from .login import Login
from .metrics import Metrics
from .orders import ORDER_COMMANDS, OrderDesk, OrderRefused
from .presence import Presence
from .reports import Reports
from .resync import Resync
from .routing import Routing
from .state import AccountInfo, FollowerLive, Peer
from .views import FollowerViews

__all__ = ["Engine", "EngineError"]

log = logging.getLogger(__name__)


@attrs.define
class Engine:
    """The parts of the engine, and the entry points the gateway and the API call."""

    db: Database
    events: EventBus
    settings: Settings
    counters: Metrics = attrs.field(factory=Metrics)
    """The process counters and latency histograms (``/metrics``, :meth:`metrics`)."""
    sessions: dict[int, Peer] = attrs.field(factory=dict)
    """account id → its authenticated EA connection."""
    live: dict[int, FollowerLive] = attrs.field(factory=dict)
    """follower id → what its connected EA reported since it logged in."""
    master_equity: dict[int, Decimal] = attrs.field(factory=dict)
    """master id → the equity of its last ACCOUNT line."""
    _nursery: trio.Nursery | None = None
    ledger: Ledger = attrs.field(init=False)
    floating: FloatingBook = attrs.field(init=False)
    repo: AccountRepository = attrs.field(init=False)
    routing: Routing = attrs.field(init=False)
    """The account cache and who follows whom (engine/routing.py)."""
    views: FollowerViews = attrs.field(init=False)
    guards: Guards = attrs.field(init=False)
    """The followers' risk guards (engine/guards.py)."""
    orders: OrderDesk = attrs.field(init=False)
    """Pending orders (engine/orders.py)."""
    fanout: FanOut = attrs.field(init=False)
    resync: Resync = attrs.field(init=False)
    killswitch: KillSwitch = attrs.field(init=False)
    intake: MasterIntake = attrs.field(init=False)
    reports: Reports = attrs.field(init=False)
    accounts_sync: AccountSync = attrs.field(init=False)
    """Account changes (engine/accounts.py)."""
    login: Login = attrs.field(init=False)
    presence: Presence = attrs.field(init=False)
    copy_existing_due: CopyExistingDue = attrs.field(init=False)
    """Followers whose next login resync copies the master's open trades; stored
    (engine/copyexisting.py, sql/033_due_marks.sql), so a restart keeps them."""
    control: AccountControl = attrs.field(init=False)
    """The one write path for account settings (engine/control.py)."""

    def __attrs_post_init__(self) -> None:
        self.ledger = Ledger(self.db, self._on_ledger_result)
        self.copy_existing_due = CopyExistingDue(self.db, self.ledger)
        self.repo = AccountRepository(self.db)
        self.control = AccountControl(self.db, self.repo, self)
        self.routing = Routing(self.repo)
        self.views = FollowerViews()
        self.floating = FloatingBook(self.ledger, self._publish_pnl)
        self.guards = Guards(self)
        self.orders = OrderDesk(self)
        locks = DeciderLocks()
        self.fanout = FanOut(
            db=self.db, ledger=self.ledger, routing=self.routing, sessions=self.sessions,
            live=self.live, master_equity=self.master_equity, guards=self.guards,
            counters=self.counters, decider_lock=locks, spawn=self._spawn)
        self.resync = Resync(
            db=self.db, ledger=self.ledger, routing=self.routing, sessions=self.sessions,
            master_equity=self.master_equity, guards=self.guards, counters=self.counters,
            decider_lock=locks, copy_existing_due=self.copy_existing_due)
        self.killswitch = KillSwitch(
            db=self.db, ledger=self.ledger, routing=self.routing, sessions=self.sessions,
            events=self.events, counters=self.counters, orders=self.orders, spawn=self._spawn)
        self.intake = MasterIntake(
            db=self.db, fanout=self.fanout, orders=self.orders, killswitch=self.killswitch,
            events=self.events, counters=self.counters)
        self.reports = Reports(
            db=self.db, ledger=self.ledger, live=self.live, master_equity=self.master_equity,
            views=self.views, killswitch=self.killswitch, events=self.events,
            counters=self.counters)
        self.accounts_sync = AccountSync(
            repo=self.repo, routing=self.routing, views=self.views, sessions=self.sessions,
            live=self.live, copy_existing_due=self.copy_existing_due, events=self.events)
        self.login = Login(
            db=self.db, repo=self.repo, routing=self.routing, accounts=self.accounts_sync,
            live=self.live, views=self.views, guards=self.guards, orders=self.orders,
            resync=self.resync, events=self.events, control=self.control)
        self.presence = Presence(
            sessions=self.sessions, live=self.live, routing=self.routing, ledger=self.ledger,
            orders=self.orders, events=self.events)

    # -------------------------------------------------- what other modules and tests read

    @property
    def accounts(self) -> dict[int, AccountInfo]:
        """account id → its cached routing facts (:attr:`Routing.accounts`)."""
        return self.routing.accounts

    @property
    def followers_of(self) -> dict[int, set[int]]:
        """master id → ids of the accounts following it (:attr:`Routing.followers_of`)."""
        return self.routing.followers_of

    @property
    def partner_of(self) -> dict[int, int]:
        """follower id → the 1TO1 master whose partner it is (:attr:`Routing.partner_of`)."""
        return self.routing.partner_of

    def decider_lock(self, master_id: int) -> trio.Lock:
        """The master's decider lock (:class:`~copytrade.engine.fanout.DeciderLocks`)."""
        return self.fanout.decider_lock(master_id)

    def _channel(self, info: AccountInfo) -> MasterChannel:
        return self.fanout.channel(info.id)

    # ----------------------------------------------------------------- lifecycle

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(self.ledger.run)
            await nursery.start(self.floating.run)
            await nursery.start(self.guards.run)
            await self.routing.load(self.db)
            await self.copy_existing_due.load()
            recovered = await self.db.run(sql.recover_unrecorded_pairs)
            if recovered:
                log.warning("%d master trades had pair rows lost in a crash; recorded them "
                            "PENDING for their followers' next login resync", recovered)
            nursery.start_soon(self.reports.sweep_unanswered, self.settings.ack_timeout,
                               self._on_ledger_result)
            task_status.started()
            await trio.sleep_forever()

    def _spawn(self, fn: Callable[..., Any], *args: Any) -> None:
        assert self._nursery is not None
        self._nursery.start_soon(fn, *args)

    async def close_all_sessions(self) -> None:
        for peer in list(self.sessions.values()):
            peer.close(ErrorCode.SHUTDOWN, "server is shutting down")
        self.floating.flush_now()
        with trio.move_on_after(5):
            await self.ledger.flush()

    # ------------------------------------------------------------- accounts

    async def account_changed(self, account_id: int) -> None:
        """The account changed in the database (:meth:`AccountSync.changed`)."""
        await self.accounts_sync.changed(account_id)

    def copy_existing_on_next_resync(self, follower_id: int, why: str) -> None:
        """:meth:`AccountSync.copy_existing_on_next_resync`."""
        self.accounts_sync.copy_existing_on_next_resync(follower_id, why)

    async def set_copy_mode(self, account_id: int, mode: CopyMode) -> None:
        """Switch a master's mode: takes effect on its next signal, without restart."""
        info = await self.routing.info(account_id)
        if info is None or info.role is not Role.MASTER:
            raise NotFound("master account not found")
        await self.control.set_copy_mode(account_id, info.user_id, mode)

    # ---------------------------------------------------------------- sessions

    def is_online(self, account_id: int) -> bool:
        return account_id in self.sessions

    async def authenticate(self, api_key: str) -> AccountInfo | None:
        return await self.accounts_sync.authenticate(api_key)

    async def follow_by_token(self, info: AccountInfo, master_token: str) -> AccountInfo:
        """A follower EA named a master token in ``AUTH`` (:meth:`Login.follow_by_token`)."""
        return await self.login.follow_by_token(info, master_token)

    async def attach(self, peer: Peer, info: AccountInfo, client: str) -> None:
        self.presence.attach(peer, info, client)

    def detach(self, peer: Peer) -> None:
        self.presence.detach(peer)

    async def disconnect(self, account_id: int, code: ErrorCode) -> None:
        self.presence.disconnect(account_id, code, "disconnected by the server")

    def metrics(self) -> dict[str, Any]:
        """What /metrics shows: the connected EAs by role, every counter and histogram of
        :attr:`counters` (:meth:`Metrics.snapshot`), and the ledger's backlog."""
        return {"ea_connected": self.presence.connected_by_role(), **self.counters.snapshot(),
                "ledger_backlog": self.ledger.backlog,
                "ledger_dropped_total": self.ledger.dropped}

    # ---------------------------------------------------------------- messages

    async def handle(self, peer: Peer, info: AccountInfo, msg: Message) -> None:
        """Act on one message from an authenticated EA (raises EngineError to refuse it).

        The protocol's ``Connection`` has already refused what this account's role may not
        send (``protocol.ROLE_ONLY``); here each message only goes to its handler.
        """
        if info.role is Role.FOLLOWER:
            self.guards.observe(info, msg)
        if isinstance(msg, MasterOpen):
            await self.intake.open(peer, info, msg)
        elif isinstance(msg, MasterClose):
            await self.intake.close(peer, info, msg, time.monotonic())
        elif isinstance(msg, MasterModify):
            await self.intake.modify(peer, info, msg)
        elif isinstance(msg, MasterOrder | MasterOrderModify | MasterOrderCancel):
            try:
                await self.orders.master(peer, info, msg)
            except OrderRefused as exc:
                raise EngineError(exc.code, exc.text) from None
        elif isinstance(msg, AccountState):
            self.reports.account_state(info, msg)
        elif isinstance(msg, FloatingPnl):
            self.floating.note(info.id, info.user_id, info.role is Role.MASTER, msg)
        elif isinstance(msg, StopOut):
            why = f"stop-out at margin level {msg.margin_level}%"
            await self.killswitch.stop_out(info, time.monotonic(), why)
        elif isinstance(msg, AckOrder | AckOrderModify | AckOrderCancel) or (
                isinstance(msg, Nack) and msg.command in ORDER_COMMANDS):
            self.orders.follower(info, msg)
        elif isinstance(msg, AckOpen):
            self.reports.ack_open(info, msg)
        elif isinstance(msg, Nack):
            self.reports.nack(info, msg)
        elif isinstance(msg, AckClose):
            self.reports.ack_close(info, msg)
        elif isinstance(msg, AckModify):
            self.counters.acks_total += 1
        elif isinstance(msg, CopyClosed):
            await self.reports.copy_closed(info, msg)
        elif isinstance(msg, SymbolInfo | Position | SyncDone | Rules | OrderReport):
            await self.login.sync(peer, info, msg)
        else:
            raise EngineError(ErrorCode.UNKNOWN_COMMAND,
                              f"{type(msg).__name__} is not expected here")

    # ---------------------------------------------------------------- live events

    def _publish_pnl(self, account_id: int, user_id: int, items: list[dict[str, Any]]) -> None:
        if items and self.events.wants(user_id):
            self.events.publish(user_id, "position.pnl", {"positions": items}, account_id)

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

