"""Master signal intake: each OPEN, CLOSE and MODIFY is stored, handed to the master's
fan-out (engine/fanout.py), and only then acknowledged with STORED.

Storing and handing off are one step that a cancellation cannot split; the EA resends what
got no STORED, and a resend of a stored signal is not new (nothing is handed off twice). A
close with reason SO is also a stop-out: the 1TO1 kill switch runs (engine/killswitch.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import attrs
import trio

from ..db import orders as order_sql
from ..db import trades as sql
from ..db.database import Database
from ..db.errors import NotFound
from ..protocol import (
    CloseReason,
    CommandKind,
    ErrorCode,
    MasterClose,
    MasterModify,
    MasterOpen,
    Stored,
    encode,
)
from .errors import EngineError
from .events import EventBus
from .fanout import FanOut
from .killswitch import KillSwitch
from .metrics import Metrics
from .orders import OrderDesk
from .signals import CloseSignal, ModifySignal, OpenSignal
from .state import AccountInfo, Peer


def utcnow() -> datetime:
    return datetime.now(UTC)


@attrs.define
class MasterIntake:
    """Stores a master's trade signals and hands the new ones to its fan-out."""

    db: Database
    fanout: FanOut
    orders: OrderDesk
    killswitch: KillSwitch
    events: EventBus
    counters: Metrics

    async def open(self, peer: Peer, info: AccountInfo, msg: MasterOpen) -> None:
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
                self.counters.signals_total += 1
                await self.fanout.channel(info.id).send(OpenSignal(row=row, received=received))
        peer.send(encode(Stored(CommandKind.OPEN, msg.ticket, 0)))
        if not new:
            return
        if self.events.wants(info.user_id):
            self.events.publish(info.user_id, "trade.opened", row.rest(), info.id)

    async def close(
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
                self.counters.signals_total += 1
                await self.fanout.channel(info.id).send(CloseSignal(
                    row=row, volume_before=before, reason=msg.reason, received=received))
        peer.send(encode(Stored(CommandKind.CLOSE, msg.ticket, msg.deal)))
        if not new:
            return
        kind = "trade.closed" if row.status == "CLOSED" else "trade.partial"
        self.events.publish(info.user_id, kind, row.rest(), info.id)
        if msg.reason is CloseReason.SO:
            await self.killswitch.stop_out(info, received, "master position closed by stop-out")

    async def modify(self, peer: Peer, info: AccountInfo, msg: MasterModify) -> None:
        with trio.CancelScope(shield=True):  # stored and handed off as one step
            try:
                row, changed = await self.db.run(lambda con: sql.record_modify(
                    con, info.id, msg.ticket, msg.sl, msg.tp))
            except NotFound:
                raise EngineError(ErrorCode.UNKNOWN_TICKET,
                                  f"unknown ticket {msg.ticket}") from None
            if changed:
                self.counters.signals_total += 1
                await self.fanout.channel(info.id).send(ModifySignal(row=row))
        peer.send(encode(Stored(CommandKind.MODIFY, msg.ticket, 0)))
        if not changed:
            return
        self.events.publish(info.user_id, "trade.modified", row.rest(), info.id)
