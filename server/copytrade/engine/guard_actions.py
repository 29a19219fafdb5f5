"""What the risk guards do to a follower (engine/guards.py decides when).

- :class:`CloseAll` — a ``CLOSE_ALL_AND_PAUSE`` trip: ``CLOSE|ticket|0|EXPERT`` for every copy
  it holds or was sent, the pairs noted with the trip's reason code (``RISK_<KIND>``), and its
  pending copies removed (engine/order_removal.py: at once when online, at its next login
  when offline). Collaborators: the database, the ledger, the sessions, the metrics and the
  pending-copy removal.
- :class:`PauseEffects` — a change of the paused state: paused → the follower counts as not
  ready (the fan-out records new opens PENDING and sends nothing); resumed → with
  ``copy_existing`` on it is marked due (engine/copyexisting.py) and a connected EA is told
  ``ERR|RESYNC`` so that its login resync catches up. Collaborators: the followers' live
  state, the sessions, the accounts and the copy-existing marks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

import attrs

from ..db import trades as sql
from ..db.database import Database
from ..protocol import CloseReason, CopyClose, ErrorCode, encode
from .copyexisting import CopyExistingDue
from .guard_book import LIVE_COPIES
from .ledger import Ledger
from .metrics import Metrics
from .state import AccountInfo, FollowerLive, FollowerPhase, Peer


@attrs.define
class CloseAll:
    """See the module docstring; call it with (follower id, reason code, reason)."""

    db: Database
    ledger: Ledger
    sessions: Mapping[int, Peer]
    metrics: Metrics
    cancel_pending: Callable[[int, str, str], Awaitable[int]]

    async def __call__(self, fid: int, code: str, reason: str) -> None:
        await self.ledger.flush()
        rows = await self.db.fetch(LIVE_COPIES, fid)
        tickets = [r["ticket"] for r in rows if r["status"] == "OPEN" or r["sent_at"]]
        peer = self.sessions.get(fid)
        if peer is not None:
            for ticket in tickets:
                peer.send(encode(CopyClose(ticket, Decimal(0), CloseReason.EXPERT)))
            self.metrics.commands_total += len(tickets)
        self.ledger.enqueue_many(sql.note_pairs, [(fid, t, None, code, reason) for t in tickets])
        await self.cancel_pending(fid, code, reason)


@attrs.define
class PauseEffects:
    """See the module docstring; call it with (follower id, was paused, is paused)."""

    live: Mapping[int, FollowerLive]
    sessions: Mapping[int, Peer]
    accounts: Mapping[int, AccountInfo]
    copy_existing_due: CopyExistingDue

    def __call__(self, fid: int, was_paused: bool, now_paused: bool) -> None:
        live = self.live.get(fid)
        peer = self.sessions.get(fid)
        if now_paused and live is not None:
            live.phase = FollowerPhase.PAUSED  # the fan-out leaves it alone: nothing sent
        elif was_paused and not now_paused:
            info = self.accounts.get(fid)
            if info is not None and info.rules.copy_existing:
                self.copy_existing_due.add(fid, "resumed")  # the resync copies them
            if peer is not None:
                peer.close(ErrorCode.RESYNC, "copying resumed: reconnect to resync")
