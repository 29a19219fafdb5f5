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

Followers of the same master whose SYNC comes while another's resync holds the master's decider
lock are resynced together by whichever gets the lock first: one flush, one snapshot
transaction, one write for all of them (issue 14: a wave of thousands of logins costs a few
round trips per master, not three per follower one after the other). Each follower's decisions
depend only on its own rows, so the outcome is the same as one at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from ..db import trades as sql
from ..db.database import Database
from ..protocol import Position
from .copyexisting import CopyExistingDue
from .fanout import DeciderLocks
from .guards import Guards
from .ledger import Ledger
from .metrics import Metrics
from .reconcile import Snapshot, decide
from .routing import Routing
from .state import AccountInfo, FollowerLive, FollowerPhase, Peer

log = logging.getLogger(__name__)


async def _snapshot(con: Any, follower_id: int, owner: int | None, master_id: int | None,
                    reported: Sequence[int], since: datetime) -> Snapshot:
    pairs, trades = await sql.live_pairs_of_follower(con, follower_id)
    known = {p["master_ticket"] for p in pairs}
    unknown = [t for t in reported if t not in known]
    adoptable = await sql.trades_by_tickets(con, owner, unknown) \
        if unknown and owner is not None else []
    missed = await sql.open_trades_without_pair(con, master_id, follower_id, since) \
        if master_id is not None else []
    partly = {t.id for t in (*trades.values(), *adoptable, *missed)
              if t.open_volume < t.volume}
    history = await sql.close_remainders(con, sorted(partly)) if partly else {}
    return Snapshot(pairs=pairs, trades=trades, adoptable={t.ticket: t for t in adoptable},
                    missed=missed, history=history)


@attrs.define(eq=False)
class _Job:
    """One follower waiting for its resync (see :meth:`Resync.follower`)."""

    peer: Peer
    info: AccountInfo
    live: FollowerLive
    positions: list[Position]
    master_id: int | None
    done: bool = False


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
    copy_existing_due: CopyExistingDue
    """Followers that started following a master or resumed, with ``copy_existing`` on: their
    next login resync copies the master's open trades (stored, engine/copyexisting.py)."""
    _waiting: dict[int, list[_Job]] = attrs.field(factory=dict)
    """owner id → its followers whose SYNC came while another resync held the lock."""

    async def follower(
        self, peer: Peer, info: AccountInfo, live: FollowerLive, positions: list[Position],
    ) -> None:
        """Resync one follower after its SYNC (the module docstring), with whoever of the same
        master waits for the lock meanwhile."""
        master_id = await self.routing.master_of(info)
        owner = master_id or info.following_id or self.routing.partner_of.get(info.id)
        job = _Job(peer, info, live, positions, master_id)
        if owner is None:
            await self._batch(None, [job])
            return
        self._waiting.setdefault(owner, []).append(job)
        async with self.decider_lock(owner):
            if job.done:
                return  # another follower's resync took this one along
            batch = self._waiting.pop(owner, [])
            if job not in batch:
                batch.append(job)
            try:
                await self._batch(owner, batch)
            except BaseException:
                # The others wait for the lock: they resync themselves after this one.
                rest = [j for j in batch if j is not job and not j.done]
                if rest:
                    self._waiting.setdefault(owner, []).extend(rest)
                raise

    async def _load_many(self, jobs: Sequence[_Job], owner: int | None,
                         reported: Sequence[dict[int, Position]], since: Sequence[datetime],
                         ) -> list[Snapshot]:
        """Every job's snapshot from **one** repeatable-read transaction (one crossing)."""
        async def load(con: Any) -> list[Snapshot]:
            snaps = []
            async with con.transaction(isolation="repeatable_read", readonly=True):
                for job, held, after in zip(jobs, reported, since, strict=True):
                    snaps.append(await _snapshot(con, job.info.id, owner, job.master_id,
                                                 list(held), after))
            return snaps

        return await self.db.run(load)

    async def _batch(self, owner: int | None, batch: list[_Job]) -> None:
        """Under the owner's decider lock: decide and write every job, then send."""
        now = datetime.now(UTC)
        await self.ledger.flush()
        jobs: list[_Job] = []
        for job in batch:
            if self.sessions.get(job.info.id) is not job.peer:
                job.done = True  # replaced or gone meanwhile: the newer session resyncs
            else:
                jobs.append(job)
        if not jobs:
            return
        existing: list[bool] = []
        since: list[datetime] = []
        reported: list[dict[int, Position]] = []
        for job in jobs:
            info = job.info
            copy_existing = info.id in self.copy_existing_due and info.rules.copy_existing
            existing.append(copy_existing)
            window = max(info.rules.signal_expiry_seconds, 3600,
                         info.rules.copy_existing_max_age_minutes * 60 if copy_existing else 0)
            since.append(now - timedelta(seconds=window))
            reported.append({p.master_ticket: p for p in job.positions})
        snaps = await self._load_many(jobs, owner, reported, since)
        outs = [decide(self.guards, job.info, job.live, held, snap,
                       self.master_equity.get(job.master_id) if job.master_id else None,
                       now, copy_existing)
                for job, held, snap, copy_existing in zip(jobs, reported, snaps, existing,
                                                           strict=True)]
        ledger = self.ledger
        for job, out in zip(jobs, outs, strict=True):
            ledger.enqueue_many(sql.adopt_pairs, out.adopted)
            ledger.enqueue_many(sql.ack_opens, out.acks)
            ledger.enqueue_many(sql.set_held, out.fixes)
            ledger.enqueue_many(sql.close_pairs_externally, out.gone)
            ledger.enqueue_many(sql.set_outcomes, out.outcomes)
            ledger.enqueue_many(sql.insert_pairs, out.new_pairs)
            ledger.enqueue_many(sql.mark_sent, out.sent)
            self.copy_existing_due.discard(job.info.id)  # done: cleared with these writes
        await ledger.flush()  # the pairs exist before the commands go out (and a crash now
        # leaves rows the next resync resolves against the EA's report)
        for job, out, held, snap in zip(jobs, outs, reported, snaps, strict=True):
            for line in out.lines:
                job.peer.send(line)
            for line in out.opens:
                if job.peer.send(line):
                    self.counters.commands_total += 1
            job.live.resync_decided = out.decided
            job.live.existing_opens = out.existing
            job.live.phase = FollowerPhase.READY  # from here on the fan-out decides for it
            job.done = True
            log.debug("resync of follower %d: %d reported, %d live pairs, %d opens sent",
                      job.info.id, len(held), len(snap.pairs), len(out.opens))
