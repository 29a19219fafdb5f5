"""Follower login resync: reconcile what the EA holds with what the ledger says.

Runs after a follower's SYNC line (it has reported its account, symbols and open copies).

**One decider per follower at a time.** Whether a copy is opened is decided either by the
master's fan-out task (once the follower is ready) or by this resync (before), never by both:
the resync runs under the master's decider lock (:class:`~.fanout.DeciderLocks`), which the
fan-out holds for each signal it handles. Under the lock it flushes the ledger, reads the
follower's pairs and the master's trades in **one** repeatable-read snapshot (the latest stored
state: every signal the fan-out handled before is in it, and so is every signal stored but not
yet handled), decides everything from that snapshot, writes the outcome, sends the commands,
and marks the follower ready. So no OPEN is ever planned from rows read before a close was
stored, and a signal the fan-out handles later either finds the follower ready (and the
resync's pairs written) or, for an open the resync already decided, is left alone
(``live.resync_decided``).

- A reported copy whose pair is PENDING or UNKNOWN (the ACK_OPEN was lost or never came)
  becomes OPEN: never opened again.
- A reported copy with no live pair is adopted, when its master ticket is a trade of the
  master (after a crash between the order and the ledger write): never opened twice.
- A reported copy whose master trade is closed gets its CLOSE now; one whose master trade was
  partly closed is brought to the volume the deals so far call for (replayed from the copy's
  opening volume, :mod:`copytrade.engine.closing`, so a partial close is never applied twice);
  one whose SL/TP differ from the master's gets a MODIFY.
- An OPEN pair whose position the EA no longer has is CLOSED: ``CLOSED_OUTSIDE`` while the
  master trade is open (closed by hand, or by the broker, while the EA was away),
  ``CLOSED_WITH_MASTER`` when the master trade is closed too (the close went out but its
  acknowledgement was lost, e.g. in a server crash).
- Missed opens (PENDING/UNKNOWN pairs the EA does not hold, or open master trades it has no
  pair for): master trade closed → EXPIRED ``MASTER_CLOSED``; else planned again with
  ``catching_up=True``: fresh ones are sent, stale ones follow the follower's stale-open
  policy (EXPIRED by default, or opened at market).
- **Copy existing positions** (rules ``copy_existing``, off by default): the first resync
  after the follower *started following a master* (a new master in the dashboard or in the
  EA's ``AUTH``) or *resumed from pause* (the trader's switch, or a pausing trip's end) —
  :attr:`Resync.copy_existing_due` — also sends the stale ones among those missed opens (the
  master's open trades the follower has no copy of, and the opens held back while it was
  paused) that are at most ``copy_existing_max_age_minutes`` old, with
  ``copy_existing_max_points`` as the OPEN's deviation limit from the master's open price;
  the EA's refusal is recorded SKIPPED ``EXISTING_PRICE_MOVED``. Older ones, and every other
  resync (a reconnect, a restart), keep the rules above.

Every command is a target state, so one sent twice is harmless.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from ..db import trades as sql
from ..db.database import Database
from ..domain.models import PairStatus
from ..domain.plan import OpenOrder, Skip, SkipCode, plan_modify, plan_open
from ..protocol import CloseReason, CopyClose, CopyModify, Position, encode
from .closing import copy_target
from .fanout import DeciderLocks
from .guards import Guards
from .ledger import Ledger
from .metrics import Metrics
from .routing import Routing
from .signals import copy_open_line, signal_from_row
from .state import AccountInfo, FollowerLive, FollowerPhase, Peer

log = logging.getLogger(__name__)

History = dict[int, list[Decimal]]
"""master trade id → the master's remaining volume after each closing deal, in order."""
LIVE_UNANSWERED = (PairStatus.PENDING.value, PairStatus.UNKNOWN.value)


@attrs.frozen
class Snapshot:
    """What the resync decides from: one consistent read of the follower's ledger."""

    pairs: list[Any]
    """The follower's live pairs (PENDING, OPEN, UNKNOWN) joined with their master trades."""
    adoptable: dict[int, Any]
    """Master ticket → trade row, for reported copies that have no live pair."""
    missed: list[Any]
    """The master's open trades (recent enough) that have no pair for this follower."""
    history: History


async def _load(
    db: Database, follower_id: int, owner: int | None, master_id: int | None,
    reported: Sequence[int], since: datetime,
) -> Snapshot:
    async def load(con: Any) -> Snapshot:
        async with con.transaction(isolation="repeatable_read", readonly=True):
            pairs = await sql.live_pairs_of_follower(con, follower_id)
            known = {p["master_ticket"] for p in pairs}
            unknown = [t for t in reported if t not in known]
            adoptable = await sql.trades_by_tickets(con, owner, unknown) \
                if unknown and owner is not None else []
            missed = await sql.open_trades_without_pair(con, master_id, follower_id, since) \
                if master_id is not None else []
            partly = {p["master_trade_id"] for p in pairs
                      if p["m_open_volume"] < p["m_volume"]}
            partly |= {t["id"] for t in (*adoptable, *missed) if t["open_volume"] < t["volume"]}
            history = await sql.close_remainders(con, sorted(partly)) if partly else {}
        return Snapshot(pairs=pairs, adoptable={t["ticket"]: t for t in adoptable},
                        missed=missed, history=history)

    return await db.run(load)


@attrs.define
class Decisions:
    """The resync's outcome: ledger writes (in order) and the lines to send after them."""

    acks: list[tuple[Any, ...]] = attrs.field(factory=list)
    fixes: list[tuple[Any, ...]] = attrs.field(factory=list)
    gone: list[tuple[Any, ...]] = attrs.field(factory=list)
    adopted: list[tuple[Any, ...]] = attrs.field(factory=list)
    new_pairs: list[tuple[Any, ...]] = attrs.field(factory=list)
    outcomes: list[tuple[Any, ...]] = attrs.field(factory=list)
    sent: list[tuple[Any, ...]] = attrs.field(factory=list)
    lines: list[bytes] = attrs.field(factory=list)
    opens: list[bytes] = attrs.field(factory=list)
    decided: set[int] = attrs.field(factory=set)
    existing: set[int] = attrs.field(factory=set)


@attrs.define
class Resync:
    """What a login resync reads and writes: the routing, the sessions, the ledger, the risk
    guards, the counters and the decider locks it shares with the fan-out."""

    db: Database
    ledger: Ledger
    routing: Routing
    sessions: Mapping[int, Peer]
    master_equity: Mapping[int, Decimal]
    guards: Guards
    counters: Metrics
    decider_lock: DeciderLocks
    copy_existing_due: set[int] = attrs.field(factory=set)
    """Followers that started following a master or resumed, with ``copy_existing`` on: their
    next login resync copies the master's open trades. In memory only."""

    async def follower(
        self, peer: Peer, info: AccountInfo, live: FollowerLive, positions: list[Position],
    ) -> None:
        """Resync one follower after its SYNC (the module docstring)."""
        master_id = await self.routing.master_of(info)
        owner = master_id or info.following_id or self.routing.partner_of.get(info.id)
        lock = self.decider_lock(owner) if owner is not None else contextlib.nullcontext()
        async with lock:
            if self.sessions.get(info.id) is not peer:
                return  # replaced or gone meanwhile: the newer session resyncs
            now = datetime.now(UTC)
            await self.ledger.flush()
            existing = info.id in self.copy_existing_due and info.rules.copy_existing
            self.copy_existing_due.discard(info.id)
            window = max(info.rules.expiry_seconds, 3600,
                         info.rules.copy_existing_max_age_minutes * 60 if existing else 0)
            since = now - timedelta(seconds=window)
            reported = {p.master_ticket: p for p in positions}
            snap = await _load(self.db, info.id, owner, master_id, list(reported), since)
            master_equity = self.master_equity.get(master_id) if master_id else None
            out = _decide(self.guards, info, live, reported, snap, master_equity, now,
                          existing)
            ledger = self.ledger
            ledger.enqueue_many(sql.adopt_pairs, out.adopted)
            ledger.enqueue_many(sql.ack_opens, out.acks)
            ledger.enqueue_many(sql.set_held, out.fixes)
            ledger.enqueue_many(sql.close_pairs_externally, out.gone)
            ledger.enqueue_many(sql.set_outcomes, out.outcomes)
            ledger.enqueue_many(sql.insert_pairs, out.new_pairs)
            ledger.enqueue_many(sql.mark_sent, out.sent)
            await ledger.flush()  # the pairs exist before the commands go out (and a crash
            # now leaves rows the next resync resolves against the EA's report)
            for line in out.lines:
                peer.send(line)
            for line in out.opens:
                if peer.send(line):
                    self.counters.commands_total += 1
            live.resync_decided = out.decided
            live.existing_opens = out.existing
            live.phase = FollowerPhase.READY  # from here on the fan-out decides for it
        log.debug("resync of follower %d: %d reported, %d live pairs, %d opens sent", info.id,
                  len(reported), len(snap.pairs), len(out.opens))


def _decide(
    guards: Guards, info: AccountInfo, live: FollowerLive, reported: dict[int, Position],
    snap: Snapshot, master_equity: Decimal | None, now: datetime, existing: bool = False,
) -> Decisions:
    out = Decisions()
    candidates: list[tuple[Any, int | None]] = []  # (master trade, existing pair id or None)
    by_ticket = {p["master_ticket"]: p for p in snap.pairs}
    for ticket, pos in reported.items():
        if ticket in by_ticket:
            continue
        trade = snap.adoptable.get(ticket)
        if trade is None:
            log.warning("follower %d holds copy of unknown master ticket %d; left alone",
                        info.id, ticket)
            continue
        out.adopted.append((trade["id"], info.id, pos.symbol, pos.slave_ticket, pos.volume,
                            pos.side.value, now))
        out.decided.add(ticket)
        # Its opening volume is unknown; what it holds now is the best guess.
        _reconcile(out, info, live, pos, _trade_state(trade), pos.volume,
                   snap.history.get(trade["id"], []))
    for ticket, pair in by_ticket.items():
        held = reported.get(ticket)
        if held is not None:
            if pair["status"] in LIVE_UNANSWERED:
                out.acks.append((info.id, ticket, held.slave_ticket, held.volume,
                                 held.side.value, now))
            elif (pair["slave_volume"], pair["slave_ticket"]) != (held.volume, held.slave_ticket):
                out.fixes.append((info.id, ticket, held.slave_ticket, held.volume))
            opened = pair["requested_volume"] or pair["slave_volume"] or held.volume
            _reconcile(out, info, live, held, _pair_state(pair), opened,
                       snap.history.get(pair["master_trade_id"], []))
            out.decided.add(ticket)
        elif pair["status"] == PairStatus.OPEN.value:
            out.gone.append(_gone_row(info.id, pair, now))
        elif pair["m_status"] == "CLOSED":  # PENDING/UNKNOWN, not held, master closed
            out.outcomes.append((pair["id"], PairStatus.EXPIRED.value, "MASTER_CLOSED",
                                 _master_closed_reason(pair)))
            out.decided.add(ticket)
        else:  # PENDING/UNKNOWN, and the EA holds no such position: it never opened it
            candidates.append((_trade_of_pair(pair), pair["id"]))
    candidates.extend((t, None) for t in snap.missed if t["ticket"] not in reported)
    if candidates and live.view is not None:
        _plan_missed(guards, info, live, out, candidates, snap.history, master_equity, now,
                     existing)
    return out


def _master_closed_reason(pair: Any) -> str:
    if pair["status"] == PairStatus.UNKNOWN.value or pair["sent_at"] is not None:
        return ("the master closed the trade before the follower confirmed a copy; at its "
                "next login the follower held none")
    return "the master closed the trade before the follower was online"


def _gone_row(follower_id: int, pair: Any, now: datetime) -> tuple[Any, ...]:
    if pair["m_status"] == "CLOSED":
        return (follower_id, pair["master_ticket"], None, None, "CLOSED_WITH_MASTER",
                "closed with the master trade; the follower's confirmation was lost", now)
    return (follower_id, pair["master_ticket"], None, None, "CLOSED_OUTSIDE",
            "position no longer on the follower terminal at login "
            "(closed outside CopyTradePro)", now)


MasterState = tuple[str, Decimal, Decimal, Decimal, Decimal]
"""(status, opening volume, sl, tp, open volume) of a master trade."""


def _pair_state(pair: Any) -> MasterState:
    return (pair["m_status"], pair["m_volume"], pair["m_sl"], pair["m_tp"],
            pair["m_open_volume"])


def _trade_state(trade: Any) -> MasterState:
    return (trade["status"], trade["volume"], trade["sl"], trade["tp"], trade["open_volume"])


def _trade_of_pair(pair: Any) -> dict[str, Any]:
    return {"id": pair["master_trade_id"], "ticket": pair["master_ticket"],
            "symbol": pair["m_symbol"], "type": pair["m_type"], "price": pair["m_price"],
            "volume": pair["m_volume"], "open_volume": pair["m_open_volume"],
            "status": pair["m_status"], "sl": pair["m_sl"], "tp": pair["m_tp"],
            "opened_at": pair["m_opened_at"]}


def _reconcile(
    out: Decisions, info: AccountInfo, live: FollowerLive, pos: Position, master: MasterState,
    copy_opened: Decimal, remainders: list[Decimal],
) -> None:
    """Bring one held copy to its master trade's current state: CLOSE and/or MODIFY, as
    targets."""
    m_status, m_volume, m_sl, m_tp, _open = master
    if m_status == "CLOSED":
        log.debug("resync of follower %d: %d closed on the master, CLOSE sent", info.id,
                  pos.master_ticket)
        out.lines.append(encode(CopyClose(pos.master_ticket, Decimal(0), CloseReason.EXPERT)))
        return
    if remainders:
        spec = live.symbols.get(pos.symbol)
        target = min(copy_target(copy_opened, m_volume, remainders, spec), pos.volume)
        if target < pos.volume:
            out.lines.append(encode(CopyClose(pos.master_ticket, target, CloseReason.EXPERT)))
    want_sl, want_tp = plan_modify(m_sl, m_tp, info.rules.reverse)
    if (want_sl, want_tp) != (pos.sl, pos.tp):
        out.lines.append(encode(CopyModify(pos.master_ticket, want_sl, want_tp)))


def _plan_missed(
    guards: Guards, info: AccountInfo, live: FollowerLive, out: Decisions,
    candidates: list[tuple[Any, int | None]], history: History, master_equity: Decimal | None,
    now: datetime, existing: bool = False,
) -> None:
    assert live.view is not None
    for trade, pair_id in candidates:
        out.decided.add(trade["ticket"])
        signal = signal_from_row(trade)
        plan: OpenOrder | Skip = plan_open(signal, live.view, master_equity, now,
                                           catching_up=True, existing=existing)
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
        blocked = (guards.admit(info.id, trade["ticket"], order.symbol, order.volume)
                   if isinstance(plan, OpenOrder) and isinstance(order, OpenOrder) else None)
        if blocked is not None:  # a risk guard or the follower's switch (engine/guards.py)
            order = Skip(PairStatus.SKIPPED, blocked.code, blocked.reason)  # type: ignore[arg-type]
        if isinstance(plan, OpenOrder) and isinstance(order, OpenOrder):
            log.debug("resync of follower %d: missed open of %d sent (%s %s %s, pair %s)",
                      info.id, trade["ticket"], order.side.value, order.volume, order.symbol,
                      pair_id)
            out.opens.append(copy_open_line(trade["ticket"], order))
            if existing and (now - signal.opened_at).total_seconds() > info.rules.expiry_seconds:
                out.existing.add(trade["ticket"])
            if pair_id is None:
                out.new_pairs.append((trade["id"], info.id, "PENDING", plan.symbol,
                                      plan.volume, plan.side.value, None, None, now))
            else:
                out.sent.append((pair_id, plan.symbol, plan.volume, plan.side.value, now))
            continue
        assert isinstance(order, Skip)
        if pair_id is None:
            out.new_pairs.append((trade["id"], info.id, order.status.value, None, None, None,
                                  str(order.code), order.reason, None))
        else:
            out.outcomes.append((pair_id, order.status.value, str(order.code), order.reason))
