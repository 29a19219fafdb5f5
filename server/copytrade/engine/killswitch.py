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
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ..db import trades as sql
from ..domain.models import CopyMode, Role
from ..notify import db as notify_db
from ..notify.events import KillSwitchAlert
from ..protocol import CloseReason, CopyClose, encode

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo

log = logging.getLogger(__name__)

EPISODE_SECONDS = 60.0
"""How long after a kill switch a repeat trigger for the same pair belongs to it."""

_LIVE_COPIES = (
    "SELECT t.ticket FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id "
    "WHERE p.account_id = $1 AND t.account_id = $2 AND p.status IN ('PENDING', 'OPEN')")
# The master's open trades that the follower copied (or is copying): a copy the stop-out
# just closed counts too, trades it skipped or never got do not.
_COPIED_MASTER_TRADES = (
    "SELECT t.ticket FROM master_trades t JOIN trade_pairs p ON p.master_trade_id = t.id "
    "WHERE t.account_id = $1 AND t.status = 'OPEN' AND p.account_id = $2 "
    "AND p.status IN ('PENDING', 'OPEN', 'CLOSED')")


@attrs.define
class _Episode:
    started: float
    commanded: set[int] = attrs.field(factory=set)


async def trigger_kill_switch(
    engine: Engine, info: AccountInfo, received: float, why: str
) -> None:
    if info.role is Role.MASTER:
        master = info
        if master.copy_mode is not CopyMode.ONE_TO_ONE or not master.partner_id:
            return
        follower_id = master.partner_id
        await engine.ledger.flush()
        rows = await engine.db.fetch(_LIVE_COPIES, follower_id, master.id)
        target = engine.sessions.get(follower_id)
        side = "follower"
    else:
        master_id = engine.partner_of.get(info.id)
        found = await engine._info(master_id) if master_id else None
        if found is None or found.copy_mode is not CopyMode.ONE_TO_ONE \
                or found.partner_id != info.id:
            return
        master, follower_id = found, info.id
        await engine.ledger.flush()
        rows = await engine.db.fetch(_COPIED_MASTER_TRADES, master.id, follower_id)
        target = engine.sessions.get(master.id)
        side = "master"

    episodes = engine.kill_switch_episodes
    key = (master.id, follower_id, side)
    episode = episodes.get(key)
    repeat = episode is not None and received - episode.started <= EPISODE_SECONDS
    if episode is None or not repeat:
        episode = episodes[key] = _Episode(started=received)
    tickets = [r["ticket"] for r in rows if r["ticket"] not in episode.commanded]
    if repeat and not tickets:
        return  # the same stop-out again: everything is already being closed
    sent = 0
    if target is not None:
        for ticket in tickets:
            if target.send(encode(CopyClose(ticket, Decimal(0), CloseReason.SO))):
                sent += 1
                episode.commanded.add(ticket)
    elapsed = time.monotonic() - received
    engine.metrics_.kill_switch_total += 1
    engine.metrics_.kill_switch_latency.observe(elapsed)
    reason = f"kill switch: {why}; closing the {side} side"
    engine.ledger.enqueue_many(sql.note_pairs, [
        (follower_id, t, None, "KILL_SWITCH", reason) for t in tickets])
    engine.ledger.enqueue(notify_db.record_kill_switch, (KillSwitchAlert(
        user_id=master.user_id, master_id=master.id, follower_id=follower_id,
        account_id=info.id, reason=why, closing=side, tickets=tuple(tickets),
        commands_sent=sent),))
    log.warning("kill switch (master %d, follower %d): %s; %d close command(s) to the %s in "
                "%.2f ms%s", master.id, follower_id, why, sent, side, elapsed * 1000,
                "" if target is not None else " (that EA is offline: no command could be sent)")
    engine.events.publish(master.user_id, "alert.killswitch", {
        "master_id": master.id, "follower_id": follower_id, "reason": why,
        "closing": side, "tickets": tickets, "commands_sent": sent,
        "latency_ms": round(elapsed * 1000, 3)}, info.id)
    if side == "follower":  # a pending copy left behind could fill and reopen a trade
        await engine.orders.cancel_copies(follower_id, "KILL_SWITCH", reason, master.id)
