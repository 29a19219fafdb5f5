"""Follower login resync: reconcile what the EA holds with what the ledger says.

Runs after a follower's SYNC line (it has reported its account, symbols and open copies).

- A reported copy whose pair is PENDING becomes OPEN (the ACK was lost): never opened again.
- A reported copy with no pair is adopted, when its master ticket is a trade of the master
  (after a crash between the order and the ledger write): never opened twice.
- A reported copy whose master trade is closed gets its CLOSE now; one whose master trade was
  partly closed is brought to the volume the deals so far call for (replayed from the copy's
  opening volume, :mod:`copytrade.engine.closing`, so a partial close is never applied twice);
  one whose SL/TP differ from the master's gets a MODIFY.
- An OPEN pair whose position the EA no longer has is CLOSED: ``CLOSED_OUTSIDE`` while the
  master trade is open (closed by hand, or by the broker, while the EA was away),
  ``CLOSED_WITH_MASTER`` when the master trade is closed too (the close went out but its
  acknowledgement was lost, e.g. in a server crash).
- Missed opens (PENDING pairs the EA does not hold, or open master trades it has no pair for)
  are planned again with ``catching_up=True``: fresh ones are sent, stale ones follow the
  follower's stale-open policy (EXPIRED by default, or opened at market).

Signals keep arriving while this runs. Until ``live.ready`` the fan-out leaves this follower
to the resync (pairs PENDING, nothing sent), so after setting it the resync looks once more:
pairs queued meanwhile are sent, and copies whose master trade changed meanwhile are
reconciled again. Every command is a target state, so one sent twice is harmless.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import attrs

from ..db import trades as sql
from ..domain.models import CopyMode, PairStatus
from ..domain.plan import OpenOrder, Skip, SkipCode, plan_modify, plan_open
from ..protocol import CloseReason, CopyClose, CopyModify, Position, encode
from .closing import copy_target
from .fanout import copy_open_line, signal_from_row

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo, FollowerLive, Peer

log = logging.getLogger(__name__)

MasterState = tuple[str, Decimal, Decimal, Decimal]
History = dict[int, list[Decimal]]
"""master trade id → the master's remaining volume after each closing deal, in order."""
"""(status, open volume, sl, tp) of a master trade, to notice changes during the resync."""


async def _master_of(engine: Engine, info: AccountInfo) -> int | None:
    """The master whose signals this follower takes now: its 1TO1 master if it is the partner
    of one in 1TO1 mode, else the master it follows if that one is in PUBSUB mode. A RECORD
    master sends nothing, so there is nothing to catch up on."""
    partner_master = engine.partner_of.get(info.id)
    if partner_master is not None:
        master = await engine._info(partner_master)
        if master is not None and master.copy_mode is CopyMode.ONE_TO_ONE \
                and master.partner_id == info.id:
            return partner_master
    if info.following_id is not None:
        master = await engine._info(info.following_id)
        if master is not None and master.copy_mode is CopyMode.PUBSUB:
            return info.following_id
    return None


def _state(pair: Any) -> MasterState:
    return (pair["m_status"], pair["m_open_volume"], pair["m_sl"], pair["m_tp"])


async def _live_pairs(engine: Engine, follower_id: int) -> tuple[list[Any], History]:
    """The follower's live pairs, and the closing history of their partly closed trades."""

    async def load(con: Any) -> tuple[list[Any], History]:
        pairs = await sql.live_pairs_of_follower(con, follower_id)
        partly = [p["master_trade_id"] for p in pairs
                  if p["m_status"] == "OPEN" and p["m_open_volume"] < p["m_volume"]]
        history = await sql.close_remainders(con, partly) if partly else {}
        return pairs, history

    return await engine.db.run(load)


async def resync_follower(
    engine: Engine, peer: Peer, info: AccountInfo, live: FollowerLive,
    positions: list[Position],
) -> None:
    live.resyncing = True
    try:
        await _resync(engine, peer, info, live, positions)
    finally:
        live.resyncing = False
        live.decided.clear()


async def _resync(
    engine: Engine, peer: Peer, info: AccountInfo, live: FollowerLive,
    positions: list[Position],
) -> None:
    now = datetime.now(UTC)
    await engine.ledger.flush()
    pairs, history = await _live_pairs(engine, info.id)
    by_ticket = {p["master_ticket"]: p for p in pairs}
    reported = {p.master_ticket: p for p in positions}
    master_id = await _master_of(engine, info)

    # Copies the EA holds that the ledger does not know: adopt them when the ticket is ours.
    unknown = [t for t in reported if t not in by_ticket]
    owner = master_id or info.following_id or engine.partner_of.get(info.id)
    if unknown and owner is not None:
        await _adopt(engine, peer, info, live, owner, [reported[t] for t in unknown], now)

    acks: list[tuple[Any, ...]] = []
    fixes: list[tuple[Any, ...]] = []
    gone: list[tuple[Any, ...]] = []
    unsent: list[Any] = []
    for ticket, pair in by_ticket.items():
        held = reported.get(ticket)
        if held is not None:
            if pair["status"] == PairStatus.PENDING.value:
                acks.append((info.id, ticket, held.slave_ticket, held.volume, held.side.value,
                             now))
            elif (pair["slave_volume"], pair["slave_ticket"]) != (held.volume, held.slave_ticket):
                fixes.append((info.id, ticket, held.slave_ticket, held.volume))
            _reconcile_pair(peer, info, live, held, pair, history)
        elif pair["status"] == PairStatus.OPEN.value:
            gone.append(_gone_row(info.id, pair, now))
        else:  # PENDING, and the EA has no such position: it never opened it
            unsent.append(pair)
    engine.ledger.enqueue_many(sql.ack_opens, acks)
    engine.ledger.enqueue_many(sql.set_held, fixes)
    engine.ledger.enqueue_many(sql.close_pairs_externally, gone)

    live.ready = True  # from here on the fan-out writes to this follower directly
    await engine.ledger.flush()

    # Second look: what changed while the fan-out still left this follower to us.
    seen = {p["id"] for p in pairs}
    pairs_now, history = await _live_pairs(engine, info.id)
    for pair in pairs_now:
        held = reported.get(pair["master_ticket"])
        before = by_ticket.get(pair["master_ticket"])
        if held is not None and before is not None and _state(before) != _state(pair):
            _reconcile_pair(peer, info, live, held, pair, history)
        elif held is None and pair["id"] not in seen and pair["sent_at"] is None \
                and pair["status"] == PairStatus.PENDING.value:
            unsent.append(pair)
    log.debug("resync of follower %d: %d reported, %d live pairs, %d to open", info.id,
              len(reported), len(pairs), len(unsent))
    await _send_missed_opens(engine, peer, info, live, unsent, master_id, now)


def _gone_row(follower_id: int, pair: Any, now: datetime) -> tuple[Any, ...]:
    if pair["m_status"] == "CLOSED":
        return (follower_id, pair["master_ticket"], None, None, "CLOSED_WITH_MASTER",
                "closed with the master trade; the follower's confirmation was lost", now)
    return (follower_id, pair["master_ticket"], None, None, "CLOSED_OUTSIDE",
            "position no longer on the follower terminal at login "
            "(closed outside CopyTradePro)", now)


async def _adopt(
    engine: Engine, peer: Peer, info: AccountInfo, live: FollowerLive, master_id: int,
    held: list[Position], now: datetime,
) -> None:
    tickets = [p.master_ticket for p in held]

    async def load(con: Any) -> tuple[list[Any], History]:
        rows = await sql.trades_by_tickets(con, master_id, tickets)
        return rows, await sql.close_remainders(con, [r["id"] for r in rows])

    rows, history = await engine.db.run(load)
    trades = {r["ticket"]: r for r in rows}
    for pos in held:
        trade = trades.get(pos.master_ticket)
        if trade is None:
            log.warning("follower %d holds copy of unknown master ticket %d; left alone",
                        info.id, pos.master_ticket)
            continue
        await engine.db.run(partial(
            sql.adopt_pair, master_trade_id=trade["id"], follower_id=info.id, symbol=pos.symbol,
            slave_ticket=pos.slave_ticket, volume=pos.volume, side=pos.side.value, at=now))
        # Its opening volume is unknown; what it holds now is the best guess.
        _reconcile_position(peer, info, live, pos.master_ticket, pos.symbol, pos.volume,
                            pos.sl, pos.tp, trade["status"], trade["volume"], trade["sl"],
                            trade["tp"], pos.volume, history.get(trade["id"], []))


def _reconcile_pair(
    peer: Peer, info: AccountInfo, live: FollowerLive, pos: Position, pair: Any,
    history: History,
) -> None:
    opened = pair["requested_volume"] or pair["slave_volume"] or pos.volume
    _reconcile_position(peer, info, live, pos.master_ticket, pos.symbol, pos.volume, pos.sl,
                        pos.tp, pair["m_status"], pair["m_volume"], pair["m_sl"], pair["m_tp"],
                        opened, history.get(pair["master_trade_id"], []))


def _reconcile_position(
    peer: Peer, info: AccountInfo, live: FollowerLive, ticket: int, symbol: str,
    volume: Decimal, sl: Decimal, tp: Decimal, m_status: str, m_volume: Decimal,
    m_sl: Decimal, m_tp: Decimal, copy_opened: Decimal, remainders: list[Decimal],
) -> None:
    """Bring one copy (master ``ticket``; ``symbol``/``volume``/``sl``/``tp`` as the follower
    holds it) to the master trade's current state: CLOSE and/or MODIFY, as targets."""
    if m_status == "CLOSED":
        log.debug("resync of follower %d: %d closed on the master, CLOSE sent", info.id, ticket)
        peer.send(encode(CopyClose(ticket, Decimal(0), CloseReason.EXPERT)))
        return
    if remainders:
        spec = live.symbols.get(symbol)
        target = min(copy_target(copy_opened, m_volume, remainders, spec), volume)
        if target < volume:
            peer.send(encode(CopyClose(ticket, target, CloseReason.EXPERT)))
    want_sl, want_tp = plan_modify(m_sl, m_tp, info.rules.reverse)
    if (want_sl, want_tp) != (sl, tp):
        peer.send(encode(CopyModify(ticket, want_sl, want_tp)))


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
            "volume": pair["m_volume"], "open_volume": pair["m_open_volume"],
            "status": pair["m_status"], "sl": pair["m_sl"], "tp": pair["m_tp"],
            "opened_at": pair["m_opened_at"]}, pair["id"]))
    if master_id is not None:
        since = now - timedelta(seconds=max(info.rules.expiry_seconds, 3600))
        rows = await engine.db.run(
            lambda con: sql.open_trades_without_pair(con, master_id, info.id, since))
        candidates.extend((r, None) for r in rows)
    if not candidates or live.view is None:
        return
    partly = [t["id"] for t, _ in candidates if t["open_volume"] < t["volume"]]
    history: History = (await engine.db.run(lambda con: sql.close_remainders(con, partly))
                        if partly else {})
    master_equity = engine.master_equity.get(master_id) if master_id else None
    new_rows: list[tuple[Any, ...]] = []
    sent_rows: list[tuple[Any, ...]] = []
    sent: dict[int, tuple[MasterState, Decimal, OpenOrder]] = {}
    for trade, pair_id in candidates:
        if trade["ticket"] in live.decided:
            continue  # the fan-out decided this copy once the follower was live
        live.decided.add(trade["ticket"])
        plan: OpenOrder | Skip = plan_open(signal_from_row(trade), live.view, master_equity,
                                           now, catching_up=True)
        order = plan
        if isinstance(plan, OpenOrder) and trade["id"] in history:
            # The master already closed part of it: open only what the copy would hold now.
            # The pair keeps the full-size volume, from which later closes are replayed.
            volume = copy_target(plan.volume, trade["volume"], history[trade["id"]],
                                 live.symbols.get(plan.symbol))
            order = attrs.evolve(plan, volume=volume) if volume > 0 else Skip(
                PairStatus.SKIPPED, SkipCode.VOLUME_BELOW_SYMBOL_MIN,
                "The master closed most of this trade before the follower was online; "
                "what is left is below the follower's minimum lot.")
        blocked = (engine.guards.admit(info.id, trade["ticket"], order.symbol, order.volume)
                   if isinstance(plan, OpenOrder) and isinstance(order, OpenOrder) else None)
        if blocked is not None:  # a risk guard or the follower's switch (engine/guards.py)
            order = Skip(PairStatus.SKIPPED, blocked.code, blocked.reason)  # type: ignore[arg-type]
        if isinstance(plan, OpenOrder) and isinstance(order, OpenOrder):
            if not peer.send(copy_open_line(trade["ticket"], order)):
                break  # dropped meanwhile: record what went out; the next login does the rest
            log.debug("resync of follower %d: missed open of %d sent (%s %s %s, pair %s)",
                      info.id, trade["ticket"], order.side.value, order.volume, order.symbol,
                      pair_id)
            engine.metrics_.commands_total += 1
            sent[trade["id"]] = (_trade_state(trade), plan.volume, order)
            if pair_id is None:
                new_rows.append((trade["id"], info.id, "PENDING", plan.symbol, plan.volume,
                                 plan.side.value, None, None, now))
            else:
                sent_rows.append((pair_id, plan.symbol, plan.volume, plan.side.value))
            continue
        assert isinstance(order, Skip)
        if pair_id is None:
            new_rows.append((trade["id"], info.id, order.status.value, None, None, None,
                             str(order.code), order.reason, None))
        else:
            await engine.db.run(partial(
                sql.set_pair_outcome, pair_id=pair_id, status=order.status.value,
                reason_code=str(order.code), reason=order.reason))
    engine.ledger.enqueue_many(sql.insert_pairs, new_rows)
    if sent_rows:
        await engine.db.run(lambda con: sql.mark_sent(con, sent_rows, now))
    if sent:
        await _last_look(engine, peer, info, live, sent)


def _trade_state(trade: Any) -> MasterState:
    return (trade["status"], trade["open_volume"], trade["sl"], trade["tp"])


async def _last_look(
    engine: Engine, peer: Peer, info: AccountInfo, live: FollowerLive,
    sent: dict[int, tuple[MasterState, Decimal, OpenOrder]],
) -> None:
    """Catch-up opens were planned from a snapshot; a close or modify the master made since
    then found no pair to act on if it came before the pairs were written. Once they are
    (flush), later signals reach this follower through the fan-out; earlier ones show here."""
    await engine.ledger.flush()
    ids = list(sent)

    async def load(con: Any) -> tuple[list[Any], History]:
        return await sql.trades_by_ids(con, ids), await sql.close_remainders(con, ids)

    rows, history = await engine.db.run(load)
    for trade in rows:
        state, opened, order = sent[trade["id"]]
        if _trade_state(trade) != state:
            _reconcile_position(peer, info, live, trade["ticket"], order.symbol, order.volume,
                                order.sl, order.tp, trade["status"], trade["volume"],
                                trade["sl"], trade["tp"], opened, history.get(trade["id"], []))
