"""Emergency kill switch for 1TO1 pairs.

When either side of a 1TO1 pair stops out (a STOPOUT line, or a close whose reason is SO),
the other side is told at once to close every position paired with it: the partner follower
gets ``CLOSE|ticket|0|SO`` for each copy, or the master gets ``CLOSE|its ticket|0|SO`` for
each of its trades the follower copied. The pairs get the reason, the owner an alert event,
and the time from the stop-out line to the last close command goes into a histogram.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from ..db import trades as sql
from ..domain.models import CopyMode, Role
from ..protocol import CloseReason, CopyClose, encode

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo

log = logging.getLogger(__name__)


async def trigger_kill_switch(
    engine: Engine, info: AccountInfo, received: float, why: str
) -> None:
    if info.role is Role.MASTER:
        master = info
        if master.copy_mode is not CopyMode.ONE_TO_ONE or not master.partner_id:
            return
        follower_id = master.partner_id
        await engine.ledger.flush()
        rows = await engine.db.fetch(
            "SELECT t.ticket FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id "
            "WHERE p.account_id = $1 AND t.account_id = $2 AND p.status IN ('PENDING', 'OPEN')",
            follower_id, master.id)
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
        rows = await engine.db.fetch(
            "SELECT t.ticket FROM master_trades t JOIN trade_pairs p ON p.master_trade_id = t.id "
            "WHERE t.account_id = $1 AND t.status = 'OPEN' AND p.account_id = $2",
            master.id, follower_id)
        target = engine.sessions.get(master.id)
        side = "master"
    tickets = [r["ticket"] for r in rows]
    sent = 0
    if target is not None:
        for ticket in tickets:
            if target.send(encode(CopyClose(ticket, Decimal(0), CloseReason.SO))):
                sent += 1
    elapsed = time.monotonic() - received
    engine.metrics_.kill_switch_total += 1
    engine.metrics_.kill_switch_latency.observe(elapsed)
    reason = f"kill switch: {why}; closing the {side} side"
    engine.ledger.enqueue_many(sql.note_pairs, [
        (follower_id, t, None, "KILL_SWITCH", reason) for t in tickets])
    log.warning("kill switch (master %d, follower %d): %s; %d close command(s) to the %s in "
                "%.2f ms%s", master.id, follower_id, why, sent, side, elapsed * 1000,
                "" if target is not None else " (that EA is offline: no command could be sent)")
    engine.events.publish(master.user_id, "alert.killswitch", {
        "master_id": master.id, "follower_id": follower_id, "reason": why,
        "closing": side, "tickets": tickets, "commands_sent": sent,
        "latency_ms": round(elapsed * 1000, 3)}, info.id)
