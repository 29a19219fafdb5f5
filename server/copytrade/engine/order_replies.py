"""Pending orders: the follower EA's answers (``ACK_ORDER``, ``ACK_ORDER_MODIFY``,
``ACK_ORDER_CANCEL``, ``NACK_ORDER*``; docs/protocol.md §9a).

- ``ACK_ORDER`` makes the pair PLACED with the copy's ticket, volume and type;
- ``NACK_ORDER`` makes a PENDING pair FAILED (``ORDER_REJECTED``); a refused change or
  removal only notes the reason (``ORDER_MODIFY_REJECTED`` / ``ORDER_CANCEL_REJECTED``);
- ``ACK_ORDER_CANCEL|T|SLV|0`` makes the pair CANCELLED; ``…|1`` (the copy had filled) also
  closes the copy (``CLOSE|T|0|EXPERT``) when the master's order ended unfilled, recorded
  ``FILLED_BEFORE_CANCEL``.

Collaborators: the database, the ledger, the open sessions, the metrics, a way to find the
follower's master and one to start a task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ..db import orders as sql
from ..db.database import Database
from ..db.errors import DatabaseUnavailable
from ..protocol import (
    AckOrder,
    AckOrderCancel,
    AckOrderModify,
    CloseReason,
    CommandKind,
    CopyClose,
    Nack,
    encode,
)
from .ledger import Ledger
from .metrics import Metrics
from .order_wire import LIVE
from .state import AccountInfo, Peer

log = logging.getLogger(__name__)

_WHAT = {CommandKind.ORDER: "pending order",
         CommandKind.ORDER_MODIFY: "pending order change",
         CommandKind.ORDER_CANCEL: "removal of the pending order"}


@attrs.define
class OrderReplies:
    """See the module docstring."""

    db: Database
    ledger: Ledger
    sessions: Mapping[int, Peer]
    metrics: Metrics
    master_of: Callable[[AccountInfo], int | None]
    spawn: Callable[..., None]

    def reply(self, info: AccountInfo, msg: AckOrder | AckOrderModify | AckOrderCancel | Nack
              ) -> None:
        if isinstance(msg, Nack):
            self.metrics.nacks_total += 1
            failed = msg.command is CommandKind.ORDER
            self.ledger.enqueue(sql.note_order_pairs, (
                info.id, msg.master_ticket, "FAILED" if failed else None, msg.retcode,
                f"{msg.command.value}_REJECTED",
                f"{_WHAT[msg.command]} refused by the follower terminal: {msg.text} "
                f"(retcode {msg.retcode})", ("PENDING",) if failed else LIVE))
            return
        self.metrics.acks_total += 1
        if isinstance(msg, AckOrder):
            self.ledger.enqueue(sql.ack_orders, (info.id, msg.master_ticket, msg.slave_ticket,
                                                 msg.volume, msg.order_type.value))
        elif isinstance(msg, AckOrderCancel):
            self.ledger.enqueue(sql.note_order_pairs, (
                info.id, msg.master_ticket, "CANCELLED", 0,
                "FILLED_BEFORE_CANCEL" if msg.filled else None,
                "the copy had filled; closed as the master's order did not" if msg.filled
                else None, LIVE))
            if msg.filled:
                self.spawn(self._close_lone_fill, info, msg.master_ticket)

    async def _close_lone_fill(self, info: AccountInfo, ticket: int) -> None:
        """A follower's copy filled but the master's order ended unfilled: close the copy."""
        master_id = self.master_of(info)
        if master_id is None:
            return
        try:
            rows: list[Any] = await self.db.run(
                lambda con: sql.orders_by_tickets(con, master_id, [ticket]))
        except DatabaseUnavailable as exc:
            log.warning("follower %d: copy of order %d filled alone, not closed: %s",
                        info.id, ticket, exc)
            return
        if rows and rows[0]["status"] in ("CANCELLED", "EXPIRED"):
            peer = self.sessions.get(info.id)
            if peer is not None:
                log.info("follower %d: copy of master order %d filled, the master's did not: "
                         "closing it", info.id, ticket)
                peer.send(encode(CopyClose(ticket, Decimal(0), CloseReason.EXPERT)))
