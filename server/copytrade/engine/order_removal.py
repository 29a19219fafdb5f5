"""Removing a follower's pending copies for a protective action (a ``CLOSE_ALL_AND_PAUSE``
risk trip, the 1TO1 kill switch): a pending copy left behind could fill and reopen a trade.

- **Online** (:meth:`CopyRemoval.cancel_copies`): ``ORDER_CANCEL|T|CANCELLED`` is sent for
  every copy on the follower's terminal and its pair is CANCELLED with the action's reason
  code (``RISK_<KIND>`` / ``KILL_SWITCH``); a copy never sent is CANCELLED at once.
- **Offline**: a copy that is (or may be) on the terminal keeps its status (PLACED, or PENDING
  and sent) with the reason noted and is marked *cancel due* (``order_pairs.cancel_due``,
  sql/033_due_marks.sql), so the mark survives a server restart.
- **At the follower's next login** (:meth:`CopyRemoval.at_login`, after its ``SYNC``, also
  while it is paused — the one command a paused follower is sent): every marked copy its
  ``ORD`` lines still report gets ``ORDER_CANCEL|T|CANCELLED``; every marked pair becomes
  CANCELLED (the noted reason kept), whether it was reported or is gone already. The pending
  order resync then leaves those tickets alone, so such a copy is never adopted, re-placed
  or left to fill. A paused follower gets no order resync, so its login also cancels every
  reported copy the server holds no live pair for (one whose ``ORDER_CANCEL`` was sent at
  the trip but never reached the terminal); copies of live pairs stay, as while online.

Collaborators: the database, the ledger, the open sessions and the metrics — nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ..db import orders as sql
from ..db.database import Database
from ..protocol import CopyOrderCancel, OrderEnd, encode
from .ledger import Ledger
from .metrics import Metrics
from .order_wire import LIVE
from .state import Peer


@attrs.define
class CopyRemoval:
    """See the module docstring."""

    db: Database
    ledger: Ledger
    sessions: Mapping[int, Peer]
    metrics: Metrics

    async def cancel_copies(self, fid: int, code: str, reason: str,
                            master_id: int | None = None) -> int:
        """Remove every pending copy ``fid`` holds or was sent (of ``master_id``'s orders
        only, when given). Returns how many pairs were touched."""
        await self.ledger.flush()
        rows = await self.db.fetch(
            "SELECT o.ticket, p.status, p.sent_at FROM order_pairs p "
            "JOIN master_orders o ON o.id = p.order_id WHERE p.account_id = $1 "
            "AND p.status = ANY($2::text[]) AND ($3::bigint IS NULL OR o.account_id = $3)",
            fid, list(LIVE), master_id)
        peer = self.sessions.get(fid)
        notes, due = [], []
        for row in rows:
            on_terminal = row["status"] == "PLACED" or row["sent_at"] is not None
            if on_terminal and peer is None:
                due.append((fid, row["ticket"], code, reason))
                continue
            if on_terminal and peer is not None:
                peer.send(encode(CopyOrderCancel(row["ticket"], OrderEnd.CANCELLED)))
                self.metrics.commands_total += 1
            notes.append((fid, row["ticket"], "CANCELLED", 0, code, reason, LIVE))
        self.ledger.enqueue_many(sql.note_order_pairs, notes)
        self.ledger.enqueue_many(sql.mark_cancel_due, due)
        return len(rows)

    async def at_login(self, peer: Peer, fid: int, reported: Iterable[int],
                       paused: bool = False) -> set[int]:
        """Cancel the marked copies after ``fid``'s login report (``reported``: the master
        tickets of its ``ORD`` lines). ``paused``: the follower is paused, so no order resync
        follows; then every reported copy whose pair says it should not exist (CANCELLED,
        SKIPPED, FAILED, FILLED) or whose master order ended is cancelled too (e.g. an
        ``ORDER_CANCEL`` sent at the trip that never reached the terminal). Returns the
        tickets cancelled or marked (the order resync skips them)."""
        held = set(reported)
        await self.ledger.flush()
        rows = await self.db.run(lambda con: sql.cancel_due_pairs(con, fid))
        tickets = {r["ticket"] for r in rows}
        if tickets:
            self.ledger.enqueue_many(sql.end_cancel_due, [(fid, t) for t in sorted(tickets)])
            await self.ledger.flush()  # CANCELLED before the commands go out
        cancel = tickets & held
        if paused and held - tickets:
            others = await self.db.fetch(
                "SELECT o.ticket FROM order_pairs p JOIN master_orders o ON o.id = p.order_id "
                "WHERE p.account_id = $1 AND o.ticket = ANY($2::bigint[]) "
                "AND (p.status <> ALL($3::text[]) OR o.status <> 'PLACED')",
                fid, sorted(held - tickets), list(LIVE))
            cancel |= {r["ticket"] for r in others}
        for ticket in sorted(cancel):
            if peer.send(encode(CopyOrderCancel(ticket, OrderEnd.CANCELLED))):
                self.metrics.commands_total += 1
        return tickets | cancel
