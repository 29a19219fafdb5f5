"""Pending orders: the master's limit/stop orders copied to its followers (docs/protocol.md §9a).

- **Place.** ``CMD_ORDER`` is stored (idempotent on master account + ticket) and answered
  ``STORED|ORDER`` once committed; for a new order, under the master's decider lock (the same
  one as its fan-out and its followers' login resyncs), each target follower's copy is planned
  with the follower's rules (:func:`copytrade.domain.pending.plan_order`: symbol map, lot
  sizing, filters, the reverse table) and its risk guards (close-only, skip-new, paused,
  trading hours, caps: a guard that stops new copies stops new pending copies too), and
  ``ORDER`` is written to every online, synced follower. Each outcome is an order pair:
  PENDING (sent, or waiting for the follower's login), SKIPPED with a reason code, then
  PLACED (``ACK_ORDER``) or FAILED (``NACK_ORDER``).
- **Modify / cancel / expire.** ``CMD_ORDER_MODIFY`` (target values) and ``CMD_ORDER_CANCEL``
  (CANCELLED or EXPIRED) are stored, answered ``STORED``, and sent as ``ORDER_MODIFY`` /
  ``ORDER_CANCEL`` to the followers holding a live copy; ``ACK_ORDER_CANCEL`` makes the pair
  CANCELLED.
- **Fill.** In MT5 the position an order opens has the order's ticket, so the master's
  ``CMD_OPEN`` for that ticket marks the order FILLED (before ``STORED|OPEN``) and its live
  pairs FILLED. The trade then goes out as a normal ``OPEN``: a follower whose own copy
  filled answers ``ACK_OPEN`` with that position (§11: it holds a copy tagged with the ticket);
  one whose copy is still pending removes it and opens at market, subject to the OPEN's
  ``MAX_DEV_POINTS`` (the price guard), or refuses with ``NACK_OPEN``. From then on the
  position is an ordinary trade pair, so its closes and SL/TP changes follow.

This module is the intake of the master's order lines and the placing of new copies; the
rest of the pending-order side lives in its neighbours:

- engine/order_replies.py — the follower EA's answers (incl. a copy filled on the follower
  only, ``ACK_ORDER_CANCEL|T|0|1``: closed, ``FILLED_BEFORE_CANCEL``);
- engine/order_removal.py — removing a follower's copies for a trip or the kill switch,
  online at once, offline at its next login (even while paused);
- engine/order_resync.py — the follower's login resync of its copies;
- engine/order_wire.py — the shared pure pieces (rows, lines, pair rows).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import trio

from ..db import orders as sql
from ..db.errors import NotFound
from ..db.shapes import json_row
from ..domain.errors import SignalError
from ..domain.models import CopyMode
from ..domain.pending import (
    MasterPendingOrder,
    OrderSkip,
    OrderType,
    PendingCopy,
    check_stoplimit,
    plan_order,
    resize_copy,
)
from ..domain.risk import check_new_copy
from ..protocol import (
    AckOrder,
    AckOrderCancel,
    AckOrderModify,
    CommandKind,
    CopyOrderCancel,
    CopyOrderModify,
    ErrorCode,
    MasterOrder,
    MasterOrderCancel,
    MasterOrderModify,
    Nack,
    OrderEnd,
    OrderReport,
    Stored,
    encode,
)
from .order_removal import CopyRemoval
from .order_replies import OrderReplies
from .order_resync import resync_orders
from .order_wire import (
    LIVE,
    MAX_ORDERS,
    ORDER_COMMANDS,
    OrderRefused,
    copy_values,
    order_from_row,
    order_line,
    pair_row,
)

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo, FollowerLive, Peer

__all__ = ["MAX_ORDERS", "ORDER_COMMANDS", "OrderDesk", "OrderRefused", "order_from_row",
           "order_line"]

log = logging.getLogger(__name__)


@attrs.define
class OrderDesk:
    """The engine's pending-order side (one per engine)."""

    engine: Engine
    placed: dict[int, set[int]] = attrs.field(factory=dict)
    """Per master: the tickets of its live (PLACED) orders, read from the database at its first
    open after a login and kept up to date here, so that a market open (nearly always not from
    an order) costs no extra statement."""
    removal: CopyRemoval = attrs.field(init=False)
    replies: OrderReplies = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        engine = self.engine
        self.removal = CopyRemoval(engine.db, engine.ledger, engine.sessions, engine.counters)
        self.replies = OrderReplies(
            engine.db, engine.ledger, engine.sessions, engine.counters,
            lambda info: info.following_id or engine.partner_of.get(info.id), self._spawn)

    def _spawn(self, fn: Any, *args: Any) -> None:
        assert self.engine._nursery is not None
        self.engine._nursery.start_soon(fn, *args)

    async def may_fill(self, con: Any, master_id: int, ticket: int) -> bool:
        """Could the master's new position ``ticket`` have come from one of its live orders?"""
        known = self.placed.get(master_id)
        if known is None:
            known = {r["ticket"] for r in await con.fetch(
                "SELECT ticket FROM master_orders WHERE account_id = $1 AND status = 'PLACED'",
                master_id)}
            self.placed[master_id] = known
        return ticket in known

    def filled(self, master_id: int, ticket: int) -> None:
        """The open of ``ticket`` is committed (its order, if any, is FILLED)."""
        known = self.placed.get(master_id)
        if known is not None:
            known.discard(ticket)

    def forget(self, master_id: int) -> None:
        self.placed.pop(master_id, None)

    # ------------------------------------------------------------------ master side

    async def master(self, peer: Peer, info: AccountInfo,
                     msg: MasterOrder | MasterOrderModify | MasterOrderCancel) -> None:
        # Stored and sent on as one step a cancellation cannot split (the master's session
        # closing mid-line): a resend of a stored event is not new and would send nothing.
        with trio.CancelScope(shield=True):
            if isinstance(msg, MasterOrder):
                await self._placed(peer, info, msg)
            elif isinstance(msg, MasterOrderModify):
                await self._modified(peer, info, msg)
            else:
                await self._ended(peer, info, msg)

    async def _placed(self, peer: Peer, info: AccountInfo, msg: MasterOrder) -> None:
        try:
            check_stoplimit(msg.order_type, msg.stoplimit)
        except SignalError as exc:
            raise OrderRefused(ErrorCode.MALFORMED, f"{exc.field}: {exc.message}") from None
        row, new = await self.engine.db.run(lambda con: sql.record_order(
            con, info.id, msg.ticket, msg.symbol, msg.order_type.value, msg.price, msg.volume,
            msg.sl, msg.tp, msg.stoplimit, msg.expiration_ms))
        if row["status"] == "PLACED" and (known := self.placed.get(info.id)) is not None:
            known.add(msg.ticket)
        peer.send(encode(Stored(CommandKind.ORDER, msg.ticket, 0)))
        if not new:
            return
        self.engine.counters.signals_total += 1
        try:
            async with self.engine.decider_lock(info.id):
                targets = await self._targets(info)
                self._place(info, targets, row)
        except Exception:  # stored and STORED already: the followers' login resync copies it
            self._give_up(info, "placing")
            return
        self._publish(info, "order.placed", row)

    async def _modified(self, peer: Peer, info: AccountInfo, msg: MasterOrderModify) -> None:
        try:
            row, changed = await self.engine.db.run(lambda con: sql.modify_order(
                con, info.id, msg.ticket, msg.price, msg.sl, msg.tp, msg.stoplimit,
                msg.expiration_ms, msg.volume))
        except NotFound:
            raise OrderRefused(ErrorCode.UNKNOWN_TICKET,
                               f"unknown order ticket {msg.ticket}") from None
        if changed:
            try:
                check_stoplimit(OrderType(row["order_type"]), msg.stoplimit)
            except SignalError as exc:  # stored already: the copy keeps its old stop-limit
                log.warning("order %d of master %d: %s", msg.ticket, info.id, exc.message)
        peer.send(encode(Stored(CommandKind.ORDER_MODIFY, msg.ticket, 0)))
        if not changed:
            return
        self.engine.counters.signals_total += 1
        try:
            await self._send_modify(info, msg, row)
        except Exception:
            self._give_up(info, "modifying")
            return
        self._publish(info, "order.modified", row)

    async def _send_modify(self, info: AccountInfo, msg: MasterOrderModify, row: Any) -> None:
        """``ORDER_MODIFY`` to every live copy; a changed volume resizes each copy in
        proportion (:func:`~copytrade.domain.pending.resize_copy`): ``VOLUME`` is sent when the
        copy's volume changes, and a copy that would fall below its symbol's minimum is
        removed (``ORDER_CANCEL``, CANCELLED ``VOLUME_BELOW_SYMBOL_MIN``)."""
        engine = self.engine
        resized = row["old_volume"] != row["volume"]
        async with engine.decider_lock(info.id):
            await engine.ledger.flush()
            pairs = await engine.db.run(lambda con: sql.live_pairs_of_order(con, row["id"]))
            updates, volumes, removed = [], [], []
            for pair in pairs:
                fid = pair["account_id"]
                follower = engine.accounts.get(fid)
                reverse = follower.rules.reverse if follower is not None else False
                values = copy_values(row, reverse)
                volume = None
                if resized and pair["volume"] is not None:
                    volume = self._resized(fid, pair, row)
                    if volume is None:
                        removed.append((fid, msg.ticket, "CANCELLED", 0,
                                        "VOLUME_BELOW_SYMBOL_MIN",
                                        f"the master's order volume fell to "
                                        f"{row['volume']}; the copy would be below "
                                        f"{pair['symbol']}'s minimum", LIVE))
                        if self._sendable(fid, pair):
                            engine.sessions[fid].send(encode(CopyOrderCancel(
                                msg.ticket, OrderEnd.CANCELLED)))
                            engine.counters.commands_total += 1
                        continue
                    if volume == pair["volume"]:
                        volume = None
                    else:
                        volumes.append((pair["id"], volume))
                updates.append((pair["id"], *values))
                if self._sendable(fid, pair):
                    engine.sessions[fid].send(encode(CopyOrderModify(msg.ticket, *values,
                                                                     volume)))
                    engine.counters.commands_total += 1
            engine.ledger.enqueue_many(sql.set_pair_values, updates)
            engine.ledger.enqueue_many(sql.set_pair_volumes, volumes)
            engine.ledger.enqueue_many(sql.note_order_pairs, removed)

    def _resized(self, fid: int, pair: Any, row: Any) -> Decimal | None:
        live = self.engine.live.get(fid)
        spec = live.view.symbols.get(pair["symbol"]) if live and live.view else None
        return resize_copy(pair["volume"], row["old_volume"], row["volume"], spec)

    async def _ended(self, peer: Peer, info: AccountInfo, msg: MasterOrderCancel) -> None:
        status = "EXPIRED" if msg.reason is OrderEnd.EXPIRED else "CANCELLED"
        try:
            row, changed = await self.engine.db.run(lambda con: sql.end_order(
                con, info.id, msg.ticket, status))
        except NotFound:
            raise OrderRefused(ErrorCode.UNKNOWN_TICKET,
                               f"unknown order ticket {msg.ticket}") from None
        self.filled(info.id, msg.ticket)  # no longer live
        peer.send(encode(Stored(CommandKind.ORDER_CANCEL, msg.ticket, 0)))
        if not changed:
            return
        self.engine.counters.signals_total += 1
        try:
            await self._send_cancel(info, msg, row)
        except Exception:
            self._give_up(info, "cancelling")
            return
        self._publish(info, "order.ended", row)

    async def _send_cancel(self, info: AccountInfo, msg: MasterOrderCancel, row: Any) -> None:
        async with self.engine.decider_lock(info.id):
            await self.engine.ledger.flush()
            pairs = await self.engine.db.run(lambda con: sql.live_pairs_of_order(con, row["id"]))
            line = encode(CopyOrderCancel(msg.ticket, msg.reason))
            unsent = []
            for pair in pairs:
                fid = pair["account_id"]
                if self._sendable(fid, pair):
                    self.engine.sessions[fid].send(line)
                    self.engine.counters.commands_total += 1
                elif pair["status"] == "PENDING" and pair["sent_at"] is None:
                    unsent.append((fid, msg.ticket, "CANCELLED", 0, None,
                                   "the master's order ended before it was sent", LIVE))
            self.engine.ledger.enqueue_many(sql.note_order_pairs, unsent)

    def _give_up(self, master: AccountInfo, what: str) -> None:
        """The event is stored (and STORED) but could not be sent on (e.g. the database went
        away meanwhile): the followers it was for reconnect, and their login resync brings
        their pending copies to the stored state (as the trade fan-out does)."""
        log.exception("%s an order of master %d failed after it was stored; its followers "
                      "resync", what, master.id)
        self.engine._channel(master)._force_resync()

    def _sendable(self, fid: int, pair: Any) -> bool:
        live = self.engine.live.get(fid)
        return (fid in self.engine.sessions and live is not None and live.ready
                and live.copies_orders and not self.engine.guards.paused(fid)
                and (pair["status"] == "PLACED" or pair["sent_at"] is not None))

    async def _targets(self, master: AccountInfo) -> list[int]:
        if master.copy_mode is CopyMode.RECORD:
            return []
        return await self.engine._channel(master)._targets(master)

    def _place(self, master: AccountInfo, targets: Sequence[int], row: Any) -> None:
        """Plan and write one new order to each target follower; no await inside."""
        engine = self.engine
        order = order_from_row(row)
        now = datetime.now(UTC)
        equity = engine.master_equity.get(master.id)
        rows: list[tuple[Any, ...]] = []
        for fid in targets:
            live = engine.live.get(fid)
            peer = engine.sessions.get(fid)
            if live is None or peer is None or not live.ready or live.view is None \
                    or engine.guards.paused(fid):
                rows.append(pair_row(row["id"], fid, "PENDING", None, None, None, False))
                continue  # offline, syncing or paused: the login resync places it
            if not live.copies_orders:
                rows.append(pair_row(row["id"], fid, "SKIPPED", None, "EA_NO_PENDING_ORDERS",
                                      "This follower's EA does not copy pending orders; the "
                                      "order's fill is copied as a market open.", False))
                continue
            rows.append(self.decide(fid, peer, live, order, row["id"], equity, now))
        engine.ledger.enqueue_many(sql.insert_pairs, rows)

    def decide(self, fid: int, peer: Peer, live: FollowerLive, order: MasterPendingOrder,
                order_id: int, equity: Decimal | None, now: datetime) -> tuple[Any, ...]:
        assert live.view is not None
        plan = plan_order(order, live.view, equity, now)
        if isinstance(plan, OrderSkip):
            self.engine.counters.skips_total += 1
            return pair_row(order_id, fid, "SKIPPED", None, plan.code, plan.reason, False)
        blocked = self._blocked(fid, plan)
        if blocked is not None:
            self.engine.counters.skips_total += 1
            return pair_row(order_id, fid, "SKIPPED", plan, str(blocked.code), blocked.reason,
                             False)
        sent = peer.send(order_line(order.ticket, plan))
        self.engine.counters.commands_total += sent
        return pair_row(order_id, fid, "PENDING", plan, None, None, sent)

    def _blocked(self, fid: int, plan: PendingCopy) -> Any:
        """The guard that stops a new copy (without counting the order as exposure: it is
        not a position yet; its fill is checked again as an OPEN)."""
        guards = self.engine.guards
        guard = guards.book.get(fid)
        if guard is None:
            return None
        return check_new_copy(guard.limits, guard.control, list(guard.trips.values()),
                              guard.exposure(), plan.symbol, plan.volume, guards.clock())

    def _publish(self, info: AccountInfo, kind: str, row: Any) -> None:
        if self.engine.events.wants(info.user_id):
            self.engine.events.publish(info.user_id, kind, json_row(row), info.id)

    # ------------------------------------------------------------------ delegates

    def follower(self, info: AccountInfo, msg: AckOrder | AckOrderModify | AckOrderCancel | Nack
                 ) -> None:
        """The follower EA's answer to an order command (engine/order_replies.py)."""
        self.replies.reply(info, msg)

    async def cancel_copies(self, fid: int, code: str, reason: str,
                            master_id: int | None = None) -> int:
        """Remove the follower's pending copies for a protective action
        (engine/order_removal.py)."""
        return await self.removal.cancel_copies(fid, code, reason, master_id)

    async def resync(self, peer: Peer, info: AccountInfo, live: FollowerLive,
                     reports: list[OrderReport], position_tickets: set[int]) -> None:
        """The follower's login resync of its pending copies (engine/order_resync.py)."""
        await resync_orders(self, peer, info, live, reports, position_tickets)

    async def paused_login(self, peer: Peer, info: AccountInfo,
                           reports: list[OrderReport]) -> None:
        """A paused follower's login: only copies that must go are cancelled
        (engine/order_removal.py); nothing else is sent."""
        await self.removal.at_login(peer, info.id, [r.master_ticket for r in reports],
                                    paused=True)
