"""Follower login resync: reconcile what the EA holds with what the ledger says.

Runs after a follower's SYNC line (it has reported its account, symbols and open copies).

- A reported copy whose pair is PENDING becomes OPEN (the ACK was lost).
- A reported copy with no pair is adopted, when its master ticket is a trade of the master
  (after a crash between the order and the ledger write): never opened twice.
- A reported copy whose master trade is closed (or partly closed) gets its CLOSE now;
  one whose SL/TP differ from the master's gets a MODIFY.
- An OPEN pair whose position the EA no longer has is CLOSED "outside the system".
- Missed opens (PENDING pairs never sent, or open master trades within the follower's expiry
  that it has no pair for) are planned again with ``catching_up=True``: fresh ones are sent,
  stale ones follow the follower's stale-open policy (EXPIRED by default).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from ..db import trades as sql
from ..domain.models import CopyMode, PairStatus
from ..domain.plan import OpenOrder, plan_close, plan_modify, plan_open
from ..protocol import CloseReason, CopyClose, CopyModify, Position, encode
from .fanout import copy_open_line, signal_from_row

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo, FollowerLive, Peer

log = logging.getLogger(__name__)


def _master_of(engine: Engine, info: AccountInfo) -> int | None:
    """The master whose signals this follower takes now (PUBSUB following or 1TO1 partner)."""
    partner_master = engine.partner_of.get(info.id)
    if partner_master is not None:
        master = engine.accounts.get(partner_master)
        if master is not None and master.copy_mode is CopyMode.ONE_TO_ONE:
            return partner_master
    return info.following_id


async def resync_follower(
    engine: Engine, peer: Peer, info: AccountInfo, live: FollowerLive,
    positions: list[Position],
) -> None:
    now = datetime.now(UTC)
    await engine.ledger.flush()
    pairs = await engine.db.run(lambda con: sql.live_pairs_of_follower(con, info.id))
    by_ticket = {p["master_ticket"]: p for p in pairs}
    reported = {p.master_ticket: p for p in positions}
    master_id = _master_of(engine, info)
    if master_id is not None and master_id not in engine.accounts:
        await engine._info(master_id)

    # Copies the EA holds that the ledger does not know: adopt them when the ticket is ours.
    unknown = [t for t in reported if t not in by_ticket]
    known_trades: dict[int, Any] = {}
    if unknown and master_id is not None:
        rows = await engine.db.run(lambda con: sql.trades_by_tickets(con, master_id, unknown))
        known_trades = {r["ticket"]: r for r in rows}
    for ticket in unknown:
        trade = known_trades.get(ticket)
        pos = reported[ticket]
        if trade is None:
            log.warning("follower %d holds copy of unknown master ticket %d; left alone",
                        info.id, ticket)
            continue
        await engine.db.run(partial(
            sql.adopt_pair, master_trade_id=trade["id"], follower_id=info.id, symbol=pos.symbol,
            slave_ticket=pos.slave_ticket, volume=pos.volume, side=pos.side.value, at=now))
        _reconcile_position(peer, info, live, pos, trade["status"], trade["volume"],
                            trade["open_volume"], trade["sl"], trade["tp"])

    acks: list[tuple[Any, ...]] = []
    gone: list[tuple[Any, ...]] = []
    unsent: list[Any] = []
    for ticket, pair in by_ticket.items():
        held = reported.get(ticket)
        if held is not None:
            if pair["status"] == PairStatus.PENDING.value:
                acks.append((info.id, ticket, held.slave_ticket, held.volume, held.side.value,
                             now))
            _reconcile_position(peer, info, live, held, pair["m_status"], pair["m_volume"],
                                pair["m_open_volume"], pair["m_sl"], pair["m_tp"])
        elif pair["status"] == PairStatus.OPEN.value:
            gone.append((info.id, ticket, None, None, "CLOSED_OUTSIDE",
                         "position no longer on the follower terminal at login "
                         "(closed outside CopyTradePro)", now))
        else:  # PENDING, and the EA has no such position: it never opened it
            unsent.append(pair)
    engine.ledger.enqueue_many(sql.ack_opens, acks)
    engine.ledger.enqueue_many(sql.close_pairs_externally, gone)

    live.ready = True  # from here on the fan-out writes to this follower directly
    await engine.ledger.flush()
    await _send_missed_opens(engine, peer, info, live, unsent, master_id, now)


def _reconcile_position(
    peer: Peer, info: AccountInfo, live: FollowerLive, pos: Position, m_status: str,
    m_volume: Decimal, m_open: Decimal, m_sl: Decimal, m_tp: Decimal,
) -> None:
    if m_status == "CLOSED":
        peer.send(encode(CopyClose(pos.master_ticket, Decimal(0), CloseReason.EXPERT)))
        return
    if m_open < m_volume:
        target = plan_close(m_volume, m_open, pos.volume, pos.volume, live.symbols.get(pos.symbol))
        if target < pos.volume:
            peer.send(encode(CopyClose(pos.master_ticket, target, CloseReason.EXPERT)))
    sl, tp = plan_modify(m_sl, m_tp, info.rules.reverse)
    if (sl, tp) != (pos.sl, pos.tp):
        peer.send(encode(CopyModify(pos.master_ticket, sl, tp)))


async def _send_missed_opens(
    engine: Engine, peer: Peer, info: AccountInfo, live: FollowerLive, unsent: list[Any],
    master_id: int | None, now: datetime,
) -> None:
    candidates: list[tuple[Any, int | None]] = []  # (master trade row-ish, pair id or None)
    for pair in unsent:
        if pair["m_status"] == "CLOSED":
            await engine.db.run(partial(
                sql.set_pair_outcome, pair_id=pair["id"], status=PairStatus.EXPIRED.value,
                reason_code="MASTER_CLOSED",
                reason="the master closed the trade before the follower was online"))
            continue
        candidates.append(({
            "id": pair["master_trade_id"], "ticket": pair["master_ticket"],
            "symbol": pair["m_symbol"], "type": pair["m_type"], "price": pair["m_price"],
            "volume": pair["m_volume"], "sl": pair["m_sl"], "tp": pair["m_tp"],
            "opened_at": pair["m_opened_at"]}, pair["id"]))
    if master_id is not None:
        since = now - timedelta(seconds=max(info.rules.expiry_seconds, 3600))
        rows = await engine.db.run(
            lambda con: sql.open_trades_without_pair(con, master_id, info.id, since))
        candidates.extend((r, None) for r in rows)
    if not candidates or live.view is None:
        return
    master_equity = engine.master_equity.get(master_id) if master_id else None
    new_rows: list[tuple[Any, ...]] = []
    sent_rows: list[tuple[Any, ...]] = []
    for trade, pair_id in candidates:
        plan = plan_open(signal_from_row(trade), live.view, master_equity, now, catching_up=True)
        if isinstance(plan, OpenOrder):
            if not peer.send(copy_open_line(trade["ticket"], plan)):
                return
            engine.metrics_.commands_total += 1
            if pair_id is None:
                new_rows.append((trade["id"], info.id, "PENDING", plan.symbol, plan.volume,
                                 plan.side.value, None, None, now))
            else:
                sent_rows.append((pair_id, plan.symbol, plan.volume, plan.side.value))
        elif pair_id is None:
            new_rows.append((trade["id"], info.id, plan.status.value, None, None, None,
                             str(plan.code), plan.reason, None))
        else:
            await engine.db.run(partial(
                sql.set_pair_outcome, pair_id=pair_id, status=plan.status.value,
                reason_code=str(plan.code), reason=plan.reason))
    engine.ledger.enqueue_many(sql.insert_pairs, new_rows)
    if sent_rows:
        await engine.db.run(lambda con: sql.mark_sent(con, sent_rows, now))

