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
- **Filled on the follower only.** A copy that filled while the master's order was then
  cancelled is reported by ``ACK_ORDER_CANCEL|T|0|1``: the server closes it
  (``CLOSE|T|0|EXPERT``) and records ``FILLED_BEFORE_CANCEL``.
- **Resync at login** (:meth:`OrderDesk.resync`): the ``ORD`` lines of the login report are
  compared with the master's orders; see the method.
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
from ..db.errors import DatabaseUnavailable, NotFound
from ..domain.errors import SignalError
from ..domain.models import CopyMode
from ..domain.pending import (
    MasterPendingOrder,
    OrderSkip,
    OrderType,
    PendingCopy,
    check_stoplimit,
    plan_order,
)
from ..domain.plan import plan_modify
from ..domain.risk import check_new_copy
from ..protocol import (
    AckOrder,
    AckOrderCancel,
    AckOrderModify,
    CloseReason,
    CommandKind,
    CopyClose,
    CopyOrder,
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

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo, FollowerLive, Peer

log = logging.getLogger(__name__)

ORDER_COMMANDS = frozenset({CommandKind.ORDER, CommandKind.ORDER_MODIFY,
                            CommandKind.ORDER_CANCEL})
MAX_ORDERS = 5000
"""Most ``ORD`` lines one login report may carry."""
_LIVE = ("PENDING", "PLACED")


def order_from_row(row: Any) -> MasterPendingOrder:
    return MasterPendingOrder(
        ticket=row["ticket"], symbol=row["symbol"], order_type=OrderType(row["order_type"]),
        price=row["price"], volume=row["volume"], sl=row["sl"], tp=row["tp"],
        stoplimit=row["stoplimit"], expiration_ms=row["expiration_ms"])


def order_line(ticket: int, copy: PendingCopy) -> bytes:
    return encode(CopyOrder(
        master_ticket=ticket, symbol=copy.symbol, order_type=copy.order_type,
        volume=copy.volume, price=copy.price, sl=copy.sl, tp=copy.tp, stoplimit=copy.stoplimit,
        expiration_ms=copy.expiration_ms))


def _copy_values(row: Any, reverse: bool) -> tuple[Decimal, Decimal, Decimal, Decimal, int]:
    """(price, sl, tp, stoplimit, expiration) a follower's copy should have now."""
    sl, tp = plan_modify(row["sl"], row["tp"], reverse)
    return row["price"], sl, tp, row["stoplimit"], row["expiration_ms"]


def _end_reason(status: str) -> OrderEnd:
    return OrderEnd.EXPIRED if status == "EXPIRED" else OrderEnd.CANCELLED


class OrderRefused(Exception):
    """A master order line the engine refuses (answered ``ERR|code|text``)."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@attrs.define
class OrderDesk:
    """The engine's pending-order side (one per engine)."""

    engine: Engine
    placed: dict[int, set[int]] = attrs.field(factory=dict)
    """Per master: the tickets of its live (PLACED) orders, read from the database at its first
    open after a login and kept up to date here, so that a market open (nearly always not from
    an order) costs no extra statement."""

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
        self.engine.metrics_.signals_total += 1
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
                msg.expiration_ms))
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
        self.engine.metrics_.signals_total += 1
        try:
            await self._send_modify(info, msg, row)
        except Exception:
            self._give_up(info, "modifying")
            return
        self._publish(info, "order.modified", row)

    async def _send_modify(self, info: AccountInfo, msg: MasterOrderModify, row: Any) -> None:
        async with self.engine.decider_lock(info.id):
            await self.engine.ledger.flush()
            pairs = await self.engine.db.run(lambda con: sql.live_pairs_of_order(con, row["id"]))
            updates = []
            for pair in pairs:
                fid = pair["account_id"]
                follower = self.engine.accounts.get(fid)
                reverse = follower.rules.reverse if follower is not None else False
                values = _copy_values(row, reverse)
                updates.append((pair["id"], *values))
                if self._sendable(fid, pair):
                    self.engine.sessions[fid].send(encode(CopyOrderModify(msg.ticket, *values)))
                    self.engine.metrics_.commands_total += 1
            self.engine.ledger.enqueue_many(sql.set_pair_values, updates)

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
        self.engine.metrics_.signals_total += 1
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
                    self.engine.metrics_.commands_total += 1
                elif pair["status"] == "PENDING" and pair["sent_at"] is None:
                    unsent.append((fid, msg.ticket, "CANCELLED", 0, None,
                                   "the master's order ended before it was sent", _LIVE))
            self.engine.ledger.enqueue_many(sql.note_order_pairs, unsent)

    async def cancel_copies(self, fid: int, code: str, reason: str,
                            master_id: int | None = None) -> int:
        """Remove every pending copy the follower holds or was sent (a ``CLOSE_ALL_AND_PAUSE``
        trip, the 1TO1 kill switch: a pending copy left behind could fill and reopen a
        trade). Online: ``ORDER_CANCEL`` is sent and the pair is CANCELLED with ``code``;
        a copy never sent is CANCELLED at once; offline, a placed copy keeps its status with
        the reason noted (it is on the follower's terminal until its EA is back).
        Returns how many pairs were touched."""
        engine = self.engine
        await engine.ledger.flush()
        rows = await engine.db.fetch(
            "SELECT o.ticket, p.status, p.sent_at FROM order_pairs p "
            "JOIN master_orders o ON o.id = p.order_id WHERE p.account_id = $1 "
            "AND p.status = ANY($2::text[]) AND ($3::bigint IS NULL OR o.account_id = $3)",
            fid, list(_LIVE), master_id)
        peer = engine.sessions.get(fid)
        notes = []
        for row in rows:
            on_terminal = row["status"] == "PLACED" or row["sent_at"] is not None
            if on_terminal and peer is not None:
                peer.send(encode(CopyOrderCancel(row["ticket"], OrderEnd.CANCELLED)))
                engine.metrics_.commands_total += 1
            status = None if on_terminal and peer is None else "CANCELLED"
            notes.append((fid, row["ticket"], status, 0, code, reason, _LIVE))
        engine.ledger.enqueue_many(sql.note_order_pairs, notes)
        return len(rows)

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
                rows.append(_pair_row(row["id"], fid, "PENDING", None, None, None, False))
                continue  # offline, syncing or paused: the login resync places it
            if not live.copies_orders:
                rows.append(_pair_row(row["id"], fid, "SKIPPED", None, "EA_NO_PENDING_ORDERS",
                                      "This follower's EA does not copy pending orders; the "
                                      "order's fill is copied as a market open.", False))
                continue
            rows.append(self._decide(fid, peer, live, order, row["id"], equity, now))
        engine.ledger.enqueue_many(sql.insert_pairs, rows)

    def _decide(self, fid: int, peer: Peer, live: FollowerLive, order: MasterPendingOrder,
                order_id: int, equity: Decimal | None, now: datetime) -> tuple[Any, ...]:
        assert live.view is not None
        plan = plan_order(order, live.view, equity, now)
        if isinstance(plan, OrderSkip):
            self.engine.metrics_.skips_total += 1
            return _pair_row(order_id, fid, "SKIPPED", None, plan.code, plan.reason, False)
        blocked = self._blocked(fid, plan)
        if blocked is not None:
            self.engine.metrics_.skips_total += 1
            return _pair_row(order_id, fid, "SKIPPED", plan, str(blocked.code), blocked.reason,
                             False)
        sent = peer.send(order_line(order.ticket, plan))
        self.engine.metrics_.commands_total += sent
        return _pair_row(order_id, fid, "PENDING", plan, None, None, sent)

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
        from .core import _jsonable

        if self.engine.events.wants(info.user_id):
            self.engine.events.publish(info.user_id, kind, _jsonable(row), info.id)

    # ------------------------------------------------------------------ follower side

    def follower(self, info: AccountInfo, msg: AckOrder | AckOrderModify | AckOrderCancel | Nack
                 ) -> None:
        engine = self.engine
        if isinstance(msg, Nack):
            engine.metrics_.nacks_total += 1
            failed = msg.command is CommandKind.ORDER
            what = {CommandKind.ORDER: "pending order",
                    CommandKind.ORDER_MODIFY: "pending order change",
                    CommandKind.ORDER_CANCEL: "removal of the pending order"}[msg.command]
            engine.ledger.enqueue(sql.note_order_pairs, (
                info.id, msg.master_ticket, "FAILED" if failed else None, msg.retcode,
                f"{msg.command.value}_REJECTED",
                f"{what} refused by the follower terminal: {msg.text} (retcode {msg.retcode})",
                ("PENDING",) if failed else _LIVE))
            return
        engine.metrics_.acks_total += 1
        if isinstance(msg, AckOrder):
            engine.ledger.enqueue(sql.ack_orders, (info.id, msg.master_ticket, msg.slave_ticket,
                                                   msg.volume, msg.order_type.value))
        elif isinstance(msg, AckOrderCancel):
            engine.ledger.enqueue(sql.note_order_pairs, (
                info.id, msg.master_ticket, "CANCELLED", 0,
                "FILLED_BEFORE_CANCEL" if msg.filled else None,
                "the copy had filled; closed as the master's order did not" if msg.filled
                else None, _LIVE))
            if msg.filled:
                assert engine._nursery is not None
                engine._nursery.start_soon(self._close_lone_fill, info, msg.master_ticket)

    async def _close_lone_fill(self, info: AccountInfo, ticket: int) -> None:
        """A follower's copy filled but the master's order ended unfilled: close the copy."""
        master_id = info.following_id or self.engine.partner_of.get(info.id)
        if master_id is None:
            return
        try:
            rows = await self.engine.db.run(
                lambda con: sql.orders_by_tickets(con, master_id, [ticket]))
        except DatabaseUnavailable as exc:
            log.warning("follower %d: copy of order %d filled alone, not closed: %s",
                        info.id, ticket, exc)
            return
        if rows and rows[0]["status"] in ("CANCELLED", "EXPIRED"):
            peer = self.engine.sessions.get(info.id)
            if peer is not None:
                log.info("follower %d: copy of master order %d filled, the master's did not: "
                         "closing it", info.id, ticket)
                peer.send(encode(CopyClose(ticket, Decimal(0), CloseReason.EXPERT)))

    # ------------------------------------------------------------------ login resync

    async def resync(self, peer: Peer, info: AccountInfo, live: FollowerLive,
                     reports: list[OrderReport], position_tickets: set[int]) -> None:
        """Bring the follower's pending copies to the master's orders, after its login report.

        Under the master's decider lock, from one read:

        - a reported copy of a live master order: its pair becomes PLACED (adopted if it had
          none); values that differ from the master's get ``ORDER_MODIFY``; one whose pair
          says no copy should exist (SKIPPED, FAILED, CANCELLED) gets ``ORDER_CANCEL``;
        - a reported copy of an order that filled, was cancelled or expired, or that the server
          does not know: ``ORDER_CANCEL`` (a filled one is then caught up as a trade by the
          trade resync's OPEN, which the EA answers with its position or a market fill);
        - a live master order the follower holds no copy of: never sent (or sent and never
          answered) → planned and sent now, whatever its age; PLACED before but gone now →
          the pair is CANCELLED ``ORDER_CANCELLED_OUTSIDE`` (removed by hand) unless the
          follower reports a position with that ticket (its copy filled: left to the trade);
        - a live pair of an order that ended while the follower was away, not reported →
          CANCELLED.
        """
        master_id = await self.engine.routing.master_of(info)
        if master_id is None:
            return
        engine = self.engine
        async with engine.decider_lock(master_id):
            await engine.ledger.flush()

            async def load(con: Any) -> tuple[list[Any], list[Any], list[Any]]:
                async with con.transaction(isolation="repeatable_read", readonly=True):
                    orders, pairs = await sql.follower_view(con, master_id, info.id)
                    known = {o["ticket"] for o in orders}
                    others = [r.master_ticket for r in reports if r.master_ticket not in known]
                    extra = await sql.orders_by_tickets(con, master_id, others) if others else []
                    return orders, pairs, extra

            orders, pairs, extra = await engine.db.run(load)
            by_ticket = {o["ticket"]: o for o in (*orders, *extra)}
            pair_of = {p["master_ticket"]: p for p in pairs}
            reported = {r.master_ticket: r for r in reports}
            reverse = info.rules.reverse
            lines: list[bytes] = []
            adopted: list[tuple[Any, ...]] = []
            notes: list[tuple[Any, ...]] = []
            modified: list[tuple[Any, ...]] = []
            for ticket, report in reported.items():
                order = by_ticket.get(ticket)
                if order is None or order["status"] != "PLACED":
                    end = _end_reason(order["status"]) if order is not None else \
                        OrderEnd.CANCELLED
                    lines.append(encode(CopyOrderCancel(ticket, end)))
                    continue
                pair = pair_of.get(ticket)
                if pair is not None and pair["status"] not in _LIVE:
                    # decided against (SKIPPED, FAILED) or ended here: no copy should exist
                    lines.append(encode(CopyOrderCancel(ticket, OrderEnd.CANCELLED)))
                    continue
                if pair is None:  # placed, but its pair row was lost: adopt the copy
                    adopted.append(_pair_row(order["id"], info.id, "PENDING", _reported(report),
                                             None, None, True))
                adopted_ack = (info.id, ticket, report.slave_ticket, report.volume,
                               report.order_type.value)
                values = _copy_values(order, reverse)
                have = (report.price, report.sl, report.tp, report.stoplimit,
                        report.expiration_ms)
                if have != values:
                    lines.append(encode(CopyOrderModify(ticket, *values)))
                    if pair is not None:
                        modified.append((pair["id"], *values))
                notes.append(adopted_ack)
            placing: list[tuple[Any, ...]] = []
            now = datetime.now(UTC)
            equity = engine.master_equity.get(master_id)
            for order in orders:
                ticket = order["ticket"]
                pair = pair_of.get(ticket)
                if ticket in reported:
                    continue
                if order["status"] != "PLACED":
                    if pair is not None and pair["status"] in _LIVE:
                        notes_end = (info.id, ticket, "CANCELLED", 0, None,
                                     "the master's order ended while the follower was away",
                                     _LIVE)
                        engine.ledger.enqueue(sql.note_order_pairs, notes_end)
                    continue
                if ticket in position_tickets:
                    continue  # its copy filled on the follower: the master's fill will follow
                if pair is not None and pair["status"] == "PLACED":
                    engine.ledger.enqueue(sql.note_order_pairs, (
                        info.id, ticket, "CANCELLED", 0, "ORDER_CANCELLED_OUTSIDE",
                        "the pending copy was removed on the follower terminal", ("PLACED",)))
                    continue
                if pair is not None and pair["status"] != "PENDING":
                    continue  # SKIPPED, FAILED, CANCELLED: decided already
                if live.view is None:
                    continue
                placing.append(self._decide(info.id, peer, live, order_from_row(order),
                                            order["id"], equity, now))
            engine.ledger.enqueue_many(sql.insert_pairs, adopted + placing)
            engine.ledger.enqueue_many(sql.ack_orders, notes)
            engine.ledger.enqueue_many(sql.set_pair_values, modified)
            for line in lines:
                peer.send(line)
            engine.metrics_.commands_total += len(lines)
            await engine.ledger.flush()


def _reported(report: OrderReport) -> PendingCopy:
    return PendingCopy(symbol=report.symbol, order_type=report.order_type, volume=report.volume,
                       price=report.price, sl=report.sl, tp=report.tp, stoplimit=report.stoplimit,
                       expiration_ms=report.expiration_ms)


def _pair_row(order_id: int, fid: int, status: str, plan: PendingCopy | None,
              code: str | None, reason: str | None, sent: bool) -> tuple[Any, ...]:
    if plan is None:
        return (order_id, fid, status, None, None, None, None, None, None, None, None, code,
                reason, sent)
    return (order_id, fid, status, plan.symbol, plan.order_type.value, plan.volume, plan.price,
            plan.sl, plan.tp, plan.stoplimit, plan.expiration_ms, code, reason, sent)
