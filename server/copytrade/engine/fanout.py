"""Per-master broadcast channel and fan-out task (the hot path).

Each master has one bounded channel and one task. For an open, the task walks the target
followers once, without awaiting anything per follower: it plans the copy with the pure
domain rules (cached per distinct follower view, so N identical followers cost one plan and
one encoded line), writes the line straight to the follower's socket (``Peer.send``: a
non-blocking write, or a bounded backlog), and collects the PENDING pair rows, which the
ledger then inserts with one ``unnest`` statement. Closes and modifies wait for the ledger
to flush (so the pairs they act on are visible) and then do the same walk.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import trio

from ..db import trades as sql
from ..db.errors import DatabaseUnavailable
from ..db.trades import MasterTrade, NewPair
from ..domain.lots import SymbolSpec
from ..domain.models import CopyMode, Side
from ..domain.plan import MasterOpenSignal, OpenOrder, Skip, plan_modify, plan_open
from ..protocol import CloseReason, CopyClose, CopyModify, CopyOpen, ErrorCode, encode
from .closing import copy_target

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo

log = logging.getLogger(__name__)

CHANNEL_SIZE = 10_000
RETRY_DELAYS = (0.05, 0.25, 1.0)
"""Waits between the attempts of a fan-out that failed for a reason other than an outage."""
OUTAGE_RETRY_MAX = 2.0
"""Longest wait between two attempts while the database is away (doubling from 0.05 s)."""


@attrs.frozen
class OpenSignal:
    """A stored, new master open."""

    row: MasterTrade
    received: float


@attrs.frozen
class CloseSignal:
    """A stored, new closing deal (full or partial)."""

    row: MasterTrade
    volume_before: Decimal
    reason: CloseReason
    received: float


@attrs.frozen
class ModifySignal:
    """A stored SL/TP change."""

    row: MasterTrade


Signal = OpenSignal | CloseSignal | ModifySignal


def signal_from_row(row: MasterTrade) -> MasterOpenSignal:
    return MasterOpenSignal(
        ticket=row.ticket, symbol=row.symbol, side=Side(row.side), price=row.price,
        volume=row.volume, sl=row.sl, tp=row.tp, opened_at=row.opened_at)


def copy_open_line(ticket: int, order: OpenOrder) -> bytes:
    return encode(CopyOpen(
        master_ticket=ticket, symbol=order.symbol, side=order.side, volume=order.volume,
        price=order.price, sl=order.sl, tp=order.tp,
        max_deviation_points=order.max_deviation_points,
        max_spread_points=order.max_spread_points or None))


@attrs.define
class MasterChannel:
    """The broadcast channel of one master and its fan-out task."""

    engine: Engine
    master_id: int
    _send: trio.MemorySendChannel[Signal] = attrs.field(init=False)
    _receive: trio.MemoryReceiveChannel[Signal] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._send, self._receive = trio.open_memory_channel[Signal](CHANNEL_SIZE)

    async def send(self, signal: Signal) -> None:
        # Backpressure lands on this master's own connection only.
        await self._send.send(signal)

    async def run(self) -> None:
        async for signal in self._receive:
            await self._deliver(signal)

    async def _deliver(self, signal: Signal) -> None:
        """Fan one signal out; a failed attempt is retried, never dropped.

        While the database is away the signal waits (in order: later signals of this master
        queue behind it) and goes out when it returns. Any other failure is retried a few
        times; if it still fails, the followers it was for are made to resync: their
        connections are closed (``SLOW_CONSUMER``), and the login resync that follows their
        reconnect brings each copy to the master's state without this code path. Every
        command is a target state, so a follower that already got it before the failure
        gets it twice, harmlessly.
        """
        failures = 0
        outage_delay = RETRY_DELAYS[0]
        while True:
            try:
                await self._fan_out(signal)
                return
            except DatabaseUnavailable as exc:
                log.warning("fan-out of a signal from master %d waits for the database (%s)",
                            self.master_id, exc)
                await trio.sleep(outage_delay)
                outage_delay = min(outage_delay * 2, OUTAGE_RETRY_MAX)
            except Exception:
                log.exception("fan-out of a signal from master %d failed (attempt %d)",
                              self.master_id, failures + 1)
                if failures == len(RETRY_DELAYS):
                    self._force_resync()
                    return
                await trio.sleep(RETRY_DELAYS[failures])
                failures += 1

    async def _fan_out(self, signal: Signal) -> None:
        fault = self.engine.fanout_fault
        if fault is not None:
            fault(signal)
        # The followers' login resyncs take the same lock: one decider at a time.
        async with self.engine.decider_lock(self.master_id):
            master = await self.engine._info(self.master_id)
            if master is None:
                return
            targets = await self._targets(master)
            if isinstance(signal, OpenSignal):
                fan_out_open(self.engine, master, targets, signal.row)
            elif isinstance(signal, CloseSignal):
                await fan_out_close(self.engine, signal)
            else:
                await fan_out_modify(self.engine, signal)

    def _force_resync(self) -> None:
        """Close the sessions of every online follower this master's signals go to."""
        engine = self.engine
        ids = set(engine.followers_of.get(self.master_id, ()))
        master = engine.accounts.get(self.master_id)
        if master is not None and master.partner_id:
            ids.add(master.partner_id)
        dropped = 0
        for fid in ids:
            peer = engine.sessions.get(fid)
            if peer is not None:
                peer.close(ErrorCode.SLOW_CONSUMER,
                           "a command could not be delivered; reconnect and resync")
                dropped += 1
        log.error("fan-out of a signal from master %d given up: %d follower session(s) closed "
                  "to resync at their reconnect", self.master_id, dropped)

    async def _targets(self, master: AccountInfo) -> list[int]:
        if master.copy_mode is CopyMode.RECORD:
            return []
        if master.copy_mode is CopyMode.ONE_TO_ONE:
            ids = [master.partner_id] if master.partner_id else []
        else:
            ids = sorted(self.engine.followers_of.get(master.id, ()))
        out = []
        for fid in ids:
            info = self.engine.accounts.get(fid) or await self.engine._info(fid)
            if info is None or not info.is_active:
                continue
            if info.following_id != master.id:
                continue  # PUBSUB and 1TO1 alike: only the master's own followers get copies
            out.append(fid)
        return out


def fan_out_open(engine: Engine, master: AccountInfo, targets: list[int], row: MasterTrade
                 ) -> None:
    """Plan and write one open to every target follower; no await inside."""
    now = datetime.now(UTC)
    mono = time.monotonic()
    trade_id, ticket = row.id, row.ticket
    signal = signal_from_row(row)
    master_equity = engine.master_equity.get(master.id)
    plans: dict[int, tuple[Any, bytes | None]] = {}
    rows: list[NewPair] = []
    sessions, live_by_id, guards = engine.sessions, engine.live, engine.guards
    sent = skipped = 0
    for fid in targets:
        live = live_by_id.get(fid)
        peer = sessions.get(fid)
        if live is None or peer is None or not live.ready or live.view is None:
            rows.append(NewPair(trade_id, fid, "PENDING"))
            continue  # offline or still syncing: the login resync sends it
        if live.resync_decided and ticket in live.resync_decided:
            live.resync_decided.discard(ticket)
            continue  # the login resync decided this copy (and wrote its pair)
        cached = plans.get(live.view_id)
        if cached is None:
            plan = plan_open(signal, live.view, master_equity, now)
            line = copy_open_line(ticket, plan) if isinstance(plan, OpenOrder) else None
            cached = plans[live.view_id] = (plan, line)
        plan, line = cached
        if not isinstance(plan, OpenOrder):
            assert isinstance(plan, Skip)
            rows.append(NewPair(trade_id, fid, plan.status.value, reason_code=str(plan.code),
                                reason=plan.reason))
            skipped += 1
            continue
        blocked = guards.admit(fid, ticket, plan.symbol, plan.volume) if guards.book else None
        if blocked is not None:  # a risk guard or the follower's switch (engine/guards.py)
            rows.append(NewPair(trade_id, fid, "SKIPPED", reason_code=str(blocked.code),
                                reason=blocked.reason))
            skipped += 1
            continue
        if line is not None and peer.send(line):
            live.sent_at[ticket] = mono
            rows.append(NewPair(trade_id, fid, "PENDING", plan.symbol, plan.volume,
                                plan.side.value, sent_at=now))
            sent += 1
        else:
            rows.append(NewPair(trade_id, fid, "PENDING", plan.symbol, plan.volume,
                                plan.side.value))
    engine.metrics_.commands_total += sent
    engine.metrics_.skips_total += skipped
    engine.ledger.enqueue_many(sql.insert_fanout_pairs, rows)


async def fan_out_close(engine: Engine, signal: CloseSignal) -> None:
    row = signal.row
    await engine.ledger.flush()

    async def load(con: Any) -> tuple[list[Any], list[Decimal]]:
        pairs = await sql.live_pairs_of_trade(con, row.id)
        history = await sql.close_remainders(con, [row.id])
        return pairs, history.get(row.id, [])

    pairs, remainders = await engine.db.run(load)
    lines: dict[Decimal, bytes] = {}
    sent = 0
    for pair in pairs:
        fid = pair["account_id"]
        peer = engine.sessions.get(fid)
        live = engine.live.get(fid)
        copy_volume = pair["volume"] if pair["volume"] is not None \
            else pair["requested_volume"]
        if peer is None or live is None or not live.ready or copy_volume is None \
                or (pair["sent_at"] is None and pair["status"] == "PENDING"):
            continue  # offline or never sent: the login resync reconciles it
        spec: SymbolSpec | None = live.symbols.get(pair["follower_symbol"] or "")
        # Sized from the copy's opening volume through every deal so far (engine/closing.py),
        # not from the pair's volume, which lags while an earlier close is still unacknowledged.
        target = min(copy_target(pair["requested_volume"] or copy_volume, row.volume,
                                 remainders, spec), copy_volume)
        if target >= copy_volume:
            continue
        line = lines.get(target)
        if line is None:
            line = lines[target] = encode(CopyClose(row.ticket, target, signal.reason))
        if peer.send(line):
            sent += 1
    engine.metrics_.commands_total += sent


async def fan_out_modify(engine: Engine, signal: ModifySignal) -> None:
    row = signal.row
    await engine.ledger.flush()
    pairs = await engine.db.run(lambda con: sql.live_pairs_of_trade(con, row.id))
    lines: dict[bool, bytes] = {}
    sent = 0
    for pair in pairs:
        fid = pair["account_id"]
        peer = engine.sessions.get(fid)
        info = engine.accounts.get(fid)
        live = engine.live.get(fid)
        if peer is None or info is None or live is None or not live.ready \
                or (pair["sent_at"] is None and pair["status"] == "PENDING"):
            continue  # an OPEN pair was sent even if a crash lost its sent_at
        reverse = info.rules.reverse
        line = lines.get(reverse)
        if line is None:
            sl, tp = plan_modify(row.sl, row.tp, reverse)
            line = lines[reverse] = encode(CopyModify(row.ticket, sl, tp))
        if peer.send(line):
            sent += 1
    engine.metrics_.commands_total += sent
