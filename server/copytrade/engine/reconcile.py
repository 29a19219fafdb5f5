"""The login resync's decisions (engine/resync.py, whose docstring is the specification).

From one snapshot of the follower's ledger and what its EA reported: the ledger writes, in
order, and the lines to send after them. Pure but for the risk guards' ``admit``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ..db.trades import MasterTrade, NewPair
from ..domain.models import PairStatus
from ..domain.plan import OpenOrder, Skip, SkipCode, plan_modify, plan_open
from ..protocol import CloseReason, CopyClose, CopyModify, Position, encode
from .closing import copy_target
from .guards import Guards
from .signals import copy_open_line, signal_from_row
from .state import AccountInfo, FollowerLive

log = logging.getLogger(__name__)

History = dict[int, list[Decimal]]
"""master trade id → the master's remaining volume after each closing deal, in order."""
LIVE_UNANSWERED = (PairStatus.PENDING.value, PairStatus.UNKNOWN.value)


@attrs.frozen
class Snapshot:
    """What the resync decides from: one consistent read of the follower's ledger."""

    pairs: list[Any]
    """The follower's live pairs (PENDING, OPEN, UNKNOWN), REST shape (db/shapes.py)."""
    trades: dict[int, MasterTrade]
    """The master trades of those pairs, by id."""
    adoptable: dict[int, MasterTrade]
    """Master ticket → trade, for reported copies that have no live pair."""
    missed: list[MasterTrade]
    """The master's open trades (recent enough) that have no pair for this follower."""
    history: History


@attrs.define
class Decisions:
    """The resync's outcome: ledger writes (in order) and the lines to send after them."""

    acks: list[tuple[Any, ...]] = attrs.field(factory=list)
    fixes: list[tuple[Any, ...]] = attrs.field(factory=list)
    gone: list[tuple[Any, ...]] = attrs.field(factory=list)
    adopted: list[tuple[Any, ...]] = attrs.field(factory=list)
    new_pairs: list[NewPair] = attrs.field(factory=list)
    outcomes: list[tuple[Any, ...]] = attrs.field(factory=list)
    sent: list[tuple[Any, ...]] = attrs.field(factory=list)
    lines: list[bytes] = attrs.field(factory=list)
    opens: list[bytes] = attrs.field(factory=list)
    decided: set[int] = attrs.field(factory=set)
    existing: set[int] = attrs.field(factory=set)


def decide(
    guards: Guards, info: AccountInfo, live: FollowerLive, reported: dict[int, Position],
    snap: Snapshot, master_equity: Decimal | None, now: datetime, existing: bool = False,
) -> Decisions:
    """Everything the resync does for this follower, decided from ``snap`` and ``reported``
    (master ticket → the copy its EA holds), in the order of the resync's docstring."""
    out = Decisions()
    candidates: list[tuple[MasterTrade, int | None]] = []  # (master trade, pair id or None)
    by_ticket = {p["master_ticket"]: p for p in snap.pairs}
    for ticket, pos in reported.items():
        if ticket in by_ticket:
            continue
        trade = snap.adoptable.get(ticket)
        if trade is None:
            log.warning("follower %d holds copy of unknown master ticket %d; left alone",
                        info.id, ticket)
            continue
        out.adopted.append((trade.id, info.id, pos.symbol, pos.slave_ticket, pos.volume,
                            pos.side.value, now))
        out.decided.add(ticket)
        # Its opening volume is unknown; what it holds now is the best guess.
        _reconcile(out, info, live, pos, _trade_state(trade), pos.volume,
                   snap.history.get(trade.id, []))
    for ticket, pair in by_ticket.items():
        master = snap.trades[pair["master_trade_id"]]
        held = reported.get(ticket)
        if held is not None:
            if pair["status"] in LIVE_UNANSWERED:
                out.acks.append((info.id, ticket, held.slave_ticket, held.volume,
                                 held.side.value, now))
            elif (pair["volume"], pair["follower_ticket"]) != (held.volume, held.slave_ticket):
                out.fixes.append((info.id, ticket, held.slave_ticket, held.volume))
            opened = pair["requested_volume"] or pair["volume"] or held.volume
            _reconcile(out, info, live, held, _trade_state(master), opened,
                       snap.history.get(pair["master_trade_id"], []))
            out.decided.add(ticket)
        elif pair["status"] == PairStatus.OPEN.value:
            out.gone.append(_gone_row(info.id, pair, master, now))
        elif master.status == "CLOSED":  # PENDING/UNKNOWN, not held, master closed
            out.outcomes.append((pair["id"], PairStatus.EXPIRED.value, "MASTER_CLOSED",
                                 _master_closed_reason(pair)))
            out.decided.add(ticket)
        else:  # PENDING/UNKNOWN, and the EA holds no such position: it never opened it
            candidates.append((master, pair["id"]))
    candidates.extend((t, None) for t in snap.missed if t.ticket not in reported)
    if candidates and live.view is not None:
        _plan_missed(guards, info, live, out, candidates, snap.history, master_equity, now,
                     existing)
    return out


def _master_closed_reason(pair: Any) -> str:
    if pair["status"] == PairStatus.UNKNOWN.value or pair["sent_at"] is not None:
        return ("the master closed the trade before the follower confirmed a copy; at its "
                "next login the follower held none")
    return "the master closed the trade before the follower was online"


def _gone_row(follower_id: int, pair: Any, master: MasterTrade, now: datetime
              ) -> tuple[Any, ...]:
    if master.status == "CLOSED":
        return (follower_id, pair["master_ticket"], None, None, "CLOSED_WITH_MASTER",
                "closed with the master trade; the follower's confirmation was lost", now)
    return (follower_id, pair["master_ticket"], None, None, "CLOSED_OUTSIDE",
            "position no longer on the follower terminal at login "
            "(closed outside CopyTradePro)", now)


MasterState = tuple[str, Decimal, Decimal, Decimal, Decimal]
"""(status, opening volume, sl, tp, open volume) of a master trade."""


def _trade_state(trade: MasterTrade) -> MasterState:
    return (trade.status, trade.volume, trade.sl, trade.tp, trade.open_volume)


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
    candidates: list[tuple[MasterTrade, int | None]], history: History,
    master_equity: Decimal | None, now: datetime, existing: bool = False,
) -> None:
    assert live.view is not None
    for trade, pair_id in candidates:
        out.decided.add(trade.ticket)
        signal = signal_from_row(trade)
        plan: OpenOrder | Skip = plan_open(signal, live.view, master_equity, now,
                                           catching_up=True, existing=existing)
        order = plan
        if isinstance(plan, OpenOrder) and trade.id in history:
            # The master already closed part of it: open only what the copy would hold now.
            # The pair keeps the full-size volume, from which later closes are replayed.
            volume = copy_target(plan.volume, trade.volume, history[trade.id],
                                 live.symbols.get(plan.symbol))
            order = attrs.evolve(plan, volume=volume) if volume > 0 else Skip(
                PairStatus.SKIPPED, SkipCode.VOLUME_BELOW_SYMBOL_MIN,
                "The master closed most of this trade before the follower was online; "
                "what is left is below the follower's minimum lot.")
        blocked = (guards.admit(info.id, trade.ticket, order.symbol, order.volume)
                   if isinstance(plan, OpenOrder) and isinstance(order, OpenOrder) else None)
        if blocked is not None:  # a risk guard or the follower's switch (engine/guards.py)
            order = Skip(PairStatus.SKIPPED, blocked.code, blocked.reason)  # type: ignore[arg-type]
        if isinstance(plan, OpenOrder) and isinstance(order, OpenOrder):
            log.debug("resync of follower %d: missed open of %d sent (%s %s %s, pair %s)",
                      info.id, trade.ticket, order.side.value, order.volume, order.symbol,
                      pair_id)
            out.opens.append(copy_open_line(trade.ticket, order))
            age = (now - signal.opened_at).total_seconds()
            if existing and age > info.rules.signal_expiry_seconds:
                out.existing.add(trade.ticket)
            if pair_id is None:
                out.new_pairs.append(NewPair(trade.id, info.id, "PENDING", plan.symbol,
                                             plan.volume, plan.side.value, sent_at=now))
            else:
                out.sent.append((pair_id, plan.symbol, plan.volume, plan.side.value, now))
            continue
        assert isinstance(order, Skip)
        if pair_id is None:
            out.new_pairs.append(NewPair(trade.id, info.id, order.status.value,
                                         reason_code=str(order.code), reason=order.reason))
        else:
            out.outcomes.append((pair_id, order.status.value, str(order.code), order.reason))
