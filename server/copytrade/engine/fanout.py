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
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import trio

from ..db import trades as sql
from ..db.database import Database
from ..db.errors import DatabaseUnavailable
from ..db.trades import MasterTrade, NewPair
from ..domain.lots import SymbolSpec
from ..domain.plan import OpenOrder, Skip, plan_modify, plan_open
from ..protocol import CopyClose, CopyModify, ErrorCode, encode
from .closing import copy_target
from .guards import Guards
from .ledger import Ledger
from .metrics import Metrics
from .routing import Routing
from .signals import CloseSignal, ModifySignal, OpenSignal, Signal, copy_open_line, signal_from_row
from .state import AccountInfo, FollowerLive, Peer

log = logging.getLogger(__name__)

CHANNEL_SIZE = 10_000
RETRY_DELAYS = (0.05, 0.25, 1.0)
"""Waits between the attempts of a fan-out that failed for a reason other than an outage."""
OUTAGE_RETRY_MAX = 2.0
"""Longest wait between two attempts while the database is away (doubling from 0.05 s)."""


@attrs.define
class DeciderLocks:
    """master id → the lock that makes one decider per follower: the master's fan-out task
    holds it for each signal, a follower's login resync for its whole decision
    (engine/resync.py)."""

    _locks: dict[int, trio.Lock] = attrs.field(factory=dict)

    def __call__(self, master_id: int) -> trio.Lock:
        lock = self._locks.get(master_id)
        if lock is None:
            lock = self._locks[master_id] = trio.Lock()
        return lock


@attrs.define
class FanOut:
    """What the fan-out reads and writes: the routing, the followers' sessions and live state,
    the ledger, the risk guards and the counters."""

    db: Database
    ledger: Ledger
    routing: Routing
    sessions: Mapping[int, Peer]
    live: Mapping[int, FollowerLive]
    master_equity: Mapping[int, Decimal]
    guards: Guards
    counters: Metrics
    decider_lock: DeciderLocks
    spawn: Callable[..., Any]
    """Starts a background task (the engine's nursery): a master's fan-out task."""
    channels: dict[int, MasterChannel] = attrs.field(factory=dict)
    """master id → its channel, made at its first signal."""
    fault: Callable[[Signal], None] | None = None
    """Fault seam for tests: called before every fan-out attempt; raising fails that attempt."""

    def channel(self, master_id: int) -> MasterChannel:
        """The master's channel; the first call starts its fan-out task."""
        channel = self.channels.get(master_id)
        if channel is None:
            channel = self.channels[master_id] = MasterChannel(self, master_id)
            self.spawn(channel.run)
        return channel


@attrs.define
class MasterChannel:
    """The broadcast channel of one master and its fan-out task."""

    fanout: FanOut
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
        f = self.fanout
        if f.fault is not None:
            f.fault(signal)
        # The followers' login resyncs take the same lock: one decider at a time.
        async with f.decider_lock(self.master_id):
            master = await f.routing.info(self.master_id)
            if master is None:
                return
            targets = await f.routing.targets(master)
            if isinstance(signal, OpenSignal):
                fan_out_open(f, master, targets, signal.row)
            elif isinstance(signal, CloseSignal):
                await fan_out_close(f, signal)
            else:
                await fan_out_modify(f, signal)

    def _force_resync(self) -> None:
        """Close the sessions of every online follower this master's signals go to."""
        dropped = 0
        for fid in self.fanout.routing.reach(self.master_id):
            peer = self.fanout.sessions.get(fid)
            if peer is not None:
                peer.close(ErrorCode.SLOW_CONSUMER,
                           "a command could not be delivered; reconnect and resync")
                dropped += 1
        log.error("fan-out of a signal from master %d given up: %d follower session(s) closed "
                  "to resync at their reconnect", self.master_id, dropped)

    async def _targets(self, master: AccountInfo) -> list[int]:
        # engine/orders.py asks the channel; the answer is the routing's.
        return await self.fanout.routing.targets(master)


def fan_out_open(f: FanOut, master: AccountInfo, targets: list[int], row: MasterTrade
                 ) -> None:
    """Plan and write one open to every target follower; no await inside."""
    now = datetime.now(UTC)
    mono = time.monotonic()
    trade_id, ticket = row.id, row.ticket
    signal = signal_from_row(row)
    master_equity = f.master_equity.get(master.id)
    plans: dict[int, tuple[Any, bytes | None]] = {}
    rows: list[NewPair] = []
    sessions, live_by_id, guards = f.sessions, f.live, f.guards
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
    f.counters.commands_total += sent
    f.counters.skips_total += skipped
    f.ledger.enqueue_many(sql.insert_fanout_pairs, rows)


async def fan_out_close(f: FanOut, signal: CloseSignal) -> None:
    row = signal.row
    await f.ledger.flush()

    async def load(con: Any) -> tuple[list[Any], list[Decimal]]:
        pairs = await sql.live_pairs_of_trade(con, row.id)
        history = await sql.close_remainders(con, [row.id])
        return pairs, history.get(row.id, [])

    pairs, remainders = await f.db.run(load)
    lines: dict[Decimal, bytes] = {}
    sent = 0
    for pair in pairs:
        fid = pair["account_id"]
        peer = f.sessions.get(fid)
        live = f.live.get(fid)
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
    f.counters.commands_total += sent


async def fan_out_modify(f: FanOut, signal: ModifySignal) -> None:
    row = signal.row
    await f.ledger.flush()
    pairs = await f.db.run(lambda con: sql.live_pairs_of_trade(con, row.id))
    lines: dict[bool, bytes] = {}
    sent = 0
    for pair in pairs:
        fid = pair["account_id"]
        peer = f.sessions.get(fid)
        info = f.routing.accounts.get(fid)
        live = f.live.get(fid)
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
    f.counters.commands_total += sent
