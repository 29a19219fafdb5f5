"""Emergency kill switch for 1TO1 pairs.

When either side of a 1TO1 pair stops out (a STOPOUT line, or a close whose reason is SO),
the other side is told at once to close every position paired with it: the partner follower
gets ``CLOSE|ticket|0|SO`` for each copy, or the master gets ``CLOSE|its ticket|0|SO`` for
each of its open trades the follower copied. The pairs get the reason, the owner an alert
event, and the time from the stop-out line to the close commands goes into a histogram.

One stop-out usually arrives as several lines (a STOPOUT, then a close with reason SO for
every position the broker liquidates). They are one **episode**: within
``EPISODE_SECONDS`` of the first trigger for the same pair and side, a repeat only commands
what was not commanded yet, and alerts (and counts) only if there was such a thing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import trio

from ..db import copies as copies_sql
from ..db import trades as sql
from ..db.database import Database
from ..db.errors import DatabaseUnavailable
from ..domain.models import CopyMode, Role
from ..notify import db as notify_db
from ..notify.events import KillSwitchAlert
from ..protocol import CloseReason, CopyClose, encode
from .events import EventBus
from .ledger import Ledger
from .metrics import Metrics
from .orders import OrderDesk
from .routing import Routing
from .state import AccountInfo, Peer

log = logging.getLogger(__name__)

EPISODE_SECONDS = 60.0
"""How long after a kill switch a repeat trigger for the same pair belongs to it."""


@attrs.define
class _Episode:
    started: float
    commanded: set[int] = attrs.field(factory=set)


@attrs.define
class KillSwitch:
    """Runs the kill switch of a stop-out; remembers the recent episodes."""

    db: Database
    ledger: Ledger
    routing: Routing
    sessions: Mapping[int, Peer]
    events: EventBus
    counters: Metrics
    orders: OrderDesk
    spawn: Callable[..., Any]
    """Starts a background task (the engine's nursery): a retry that waits for the database."""
    episodes: dict[tuple[int, int, str], _Episode] = attrs.field(factory=dict)
    """(master id, follower id, side) → the recent kill switch."""

    async def stop_out(self, info: AccountInfo, received: float, why: str) -> None:
        """A stop-out on this account: trigger the kill switch, now or once the database
        answers."""
        try:
            await self.trigger(info, received, why)
        except DatabaseUnavailable as exc:
            # The stop-out line is not resent by the EA, so the kill switch must not be lost:
            # it runs again in the background until the database answers.
            log.warning("kill switch for account %d waits for the database: %s", info.id, exc)
            self.spawn(self._stop_out_later, info, received, why)

    async def _stop_out_later(self, info: AccountInfo, received: float, why: str) -> None:
        delay = 0.1
        while True:
            await trio.sleep(delay)
            try:
                await self.trigger(info, received, why)
                return
            except DatabaseUnavailable:
                delay = min(delay * 2, 2.0)

    async def trigger(self, info: AccountInfo, received: float, why: str) -> None:
        if info.role is Role.MASTER:
            master = info
            if master.copy_mode is not CopyMode.ONE_TO_ONE or not master.partner_id:
                return
            follower_id = master.partner_id
            await self.ledger.flush()
            found_tickets = await copies_sql.live_copy_tickets(self.db, follower_id, master.id)
            target = self.sessions.get(follower_id)
            side = "follower"
        else:
            found = await self.routing.one_to_one_master(info.id)
            if found is None:
                return
            master, follower_id = found, info.id
            await self.ledger.flush()
            found_tickets = await copies_sql.copied_master_tickets(self.db, master.id,
                                                                   follower_id)
            target = self.sessions.get(master.id)
            side = "master"

        episodes = self.episodes
        key = (master.id, follower_id, side)
        episode = episodes.get(key)
        repeat = episode is not None and received - episode.started <= EPISODE_SECONDS
        if episode is None or not repeat:
            episode = episodes[key] = _Episode(started=received)
        tickets = [t for t in found_tickets if t not in episode.commanded]
        if repeat and not tickets:
            return  # the same stop-out again: everything is already being closed
        sent = 0
        if target is not None:
            for ticket in tickets:
                if target.send(encode(CopyClose(ticket, Decimal(0), CloseReason.SO))):
                    sent += 1
                    episode.commanded.add(ticket)
        elapsed = time.monotonic() - received
        self.counters.kill_switch_total += 1
        self.counters.kill_switch_latency_seconds.observe(elapsed)
        reason = f"kill switch: {why}; closing the {side} side"
        self.ledger.enqueue_many(sql.note_pairs, [
            (follower_id, t, None, "KILL_SWITCH", reason) for t in tickets])
        self.ledger.enqueue(notify_db.record_kill_switch, (KillSwitchAlert(
            user_id=master.user_id, master_id=master.id, follower_id=follower_id,
            account_id=info.id, reason=why, closing=side, tickets=tuple(tickets),
            commands_sent=sent),))
        log.warning("kill switch (master %d, follower %d): %s; %d close command(s) to the %s "
                    "in %.2f ms%s", master.id, follower_id, why, sent, side, elapsed * 1000,
                    "" if target is not None
                    else " (that EA is offline: no command could be sent)")
        self.events.publish(master.user_id, "alert.killswitch", {
            "master_id": master.id, "follower_id": follower_id, "reason": why,
            "closing": side, "tickets": tickets, "commands_sent": sent,
            "latency_ms": round(elapsed * 1000, 3)}, info.id)
        if side == "follower":  # a pending copy left behind could fill and reopen a trade
            await self.orders.cancel_copies(follower_id, "KILL_SWITCH", reason, master.id)
