"""Risk guards in the engine: what the pure rules of :mod:`copytrade.domain.risk` act on.

One :class:`Guards` per engine keeps, for every follower with stored risk settings, its limits,
its control switch, its baseline and the trips that hold (loaded at start-up, reloaded when the
API changes them), so that the hot path never waits for the database:

- **Every follower ACCOUNT report** (:meth:`Guards.observe`) advances the baseline (written
  back in the ledger's batches) and evaluates the account guards. A new trip is stored once per
  episode (a guard that still holds does not trip again), published live to the owner as
  ``risk.tripped`` (and, in the same transaction as the trip, written to the alert outbox
  for the owner's channels that selected ``risk.tripped``), and carried out:
  ``CLOSE_ALL_AND_PAUSE`` sends ``CLOSE|ticket|0|EXPERT`` for every copy the follower holds
  (the pairs get reason code ``RISK_<KIND>``) and pauses it.
- **Every new copy** (:meth:`Guards.admit`, from the fan-out and the login resync's catch-up
  opens) runs :func:`~copytrade.domain.risk.check_new_copy` against the follower's exposure,
  which this module tracks in memory from the follower's own messages (ACK_OPEN, NACK, ACK_CLOSE,
  CLOSED and the positions it reports at login). A block is recorded as a SKIPPED pair with the
  block's code (``CLOSE_ONLY``, ``RISK_TRIPPED``, ``OUTSIDE_TRADING_HOURS``, ``MAX_...``) as
  reason code. Closes and modifies are never checked.
- **Paused** (the trader's switch, or a holding ``CLOSE_ALL_AND_PAUSE`` trip): nothing is sent.
  The follower is treated like one whose login is not finished: new master opens are recorded
  PENDING and unsent, closes and modifies are not sent. **Resume** closes its connection with
  ``ERR|RESYNC``; the EA reconnects and the login resync decides what to catch up (fresh opens
  are sent, stale ones follow the follower's stale-open policy, closed master trades are closed).
- **A trip ends** at its period's end (daily guards: the next local midnight of the guard's day
  zone), checked at each report and every :data:`SWEEP_SECONDS`, or when the trader resets it
  (:meth:`Guards.reset`); a ``SKIP_NEW`` trip ends when its figure is back inside the limit.
  Each end is published as ``risk.lifted``.

The clock is injectable (``Guards.clock``) so tests can cross a day boundary without waiting.

Neighbours: engine/guard_book.py (the per-follower state, :class:`FollowerGuard`),
engine/guard_actions.py (what a close-all trip and a pause change do, with narrow
collaborators).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import asyncpg
import attrs
import trio

from ..db import risk as risk_sql
from ..db.risk import RiskRepository, RiskSettings, StoredTrip
from ..domain.risk import (
    AccountFigures,
    Blocked,
    Control,
    GuardAction,
    GuardKind,
    RiskLimits,
    Trip,
    advance,
    check_new_copy,
    evaluate_account,
    rebase,
    start_baseline,
)
from ..notify.db import record_risk_trip
from ..notify.events import RiskTrip
from ..protocol import (
    AccountState,
    AckClose,
    AckOpen,
    CommandKind,
    CopyClosed,
    Message,
    Nack,
    Position,
    SyncDone,
)
from .guard_actions import CloseAll, PauseEffects
from .guard_book import LIVE_COPIES, FollowerGuard, trip_data, utcnow

if TYPE_CHECKING:
    from .core import Engine
    from .state import AccountInfo

log = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0
"""How often trips are checked for their period's end between account reports."""

@attrs.define
class Guards:
    """The engine's risk guards (module docstring)."""

    engine: Engine
    clock: Callable[[], datetime] = utcnow
    book: dict[int, FollowerGuard] = attrs.field(factory=dict)
    repo: RiskRepository = attrs.field(init=False)
    _nursery: trio.Nursery | None = None

    close_all: CloseAll = attrs.field(init=False)
    pause_effects: PauseEffects = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        engine = self.engine
        self.repo = RiskRepository(engine.db)
        self.close_all = CloseAll(engine.db, engine.ledger, engine.sessions, engine.counters,
                                  lambda *a: engine.orders.cancel_copies(*a))
        self.pause_effects = PauseEffects(engine.live, engine.sessions, engine.accounts,
                                          engine.copy_existing_due)

    # ------------------------------------------------------------------ lifecycle

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Load every follower's settings, then lift trips whose period ended, forever."""
        settings, trips = await self.repo.load_all()
        for s in settings:
            self.book[s.account_id] = self._guard(s, [t for t in trips
                                                      if t.account_id == s.account_id])
        for fid in list(self.book):
            await self._load_copies(fid)
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            while True:
                await trio.sleep(SWEEP_SECONDS)
                self.sweep()

    @staticmethod
    def _guard(s: RiskSettings, trips: list[StoredTrip]) -> FollowerGuard:
        return FollowerGuard(account_id=s.account_id, limits=s.limits, control=s.control,
                             baseline=s.baseline, trips={t.trip.kind: t.trip for t in trips})

    async def _load_copies(self, fid: int) -> None:
        rows = await self.engine.db.fetch(LIVE_COPIES, fid)
        guard = self.book.get(fid)
        if guard is not None:
            guard.copies = {r["ticket"]: (r["symbol"], r["volume"]) for r in rows
                            if r["volume"] is not None and r["symbol"] is not None
                            and (r["status"] == "OPEN" or r["sent_at"] is not None)}

    async def set_limits(self, fid: int, limits: RiskLimits) -> RiskSettings:
        """Store ``fid``'s limits and take them at once (the baseline and trips are kept)."""
        settings = await self.repo.save_limits(fid, limits)
        await self.reload(fid)
        return settings

    async def reload(self, fid: int) -> None:
        """Take the stored settings and trips of ``fid`` (after the API changed them)."""
        settings = await self.repo.get(fid)
        if settings is None:
            self.book.pop(fid, None)
            return
        was_paused = self.paused(fid)
        old = self.book.get(fid)
        guard = self._guard(settings, await self.repo.active_trips(fid))
        if old is not None:
            guard.last = old.last
        self.book[fid] = guard
        await self._load_copies(fid)
        self._apply_pause(fid, was_paused)

    # ------------------------------------------------------------------ questions

    def paused(self, fid: int) -> bool:
        """Whether nothing may be sent to ``fid`` (its switch, or a pausing trip)."""
        guard = self.book.get(fid)
        return guard is not None and guard.paused

    def admit(self, fid: int, ticket: int, symbol: str, volume: Decimal) -> Blocked | None:
        """Why a new copy may not open (``None``: it may, and it now counts as exposure)."""
        guard = self.book.get(fid)
        if guard is None:
            return None
        blocked = check_new_copy(guard.limits, guard.control, list(guard.trips.values()),
                                 guard.exposure(), symbol, volume, self.clock())
        if blocked is None:
            guard.copies[ticket] = (symbol, volume)
        return blocked

    # ------------------------------------------------------------------ follower messages

    def observe(self, info: AccountInfo, msg: Message) -> None:
        """Follow one follower message (called before the engine acts on it)."""
        guard = self.book.get(info.id)
        if guard is None:
            return
        if isinstance(msg, AccountState):
            self._account_report(info, guard, msg)
        elif isinstance(msg, AckOpen):
            held = guard.copies.get(msg.master_ticket)
            if held is not None:
                guard.copies[msg.master_ticket] = (held[0], msg.volume)
        elif (isinstance(msg, Nack) and msg.command is CommandKind.OPEN) or \
                isinstance(msg, CopyClosed):
            guard.copies.pop(msg.master_ticket, None)
        elif isinstance(msg, AckClose):
            held = guard.copies.get(msg.master_ticket)
            if held is not None and msg.remaining <= 0:
                del guard.copies[msg.master_ticket]
            elif held is not None:
                guard.copies[msg.master_ticket] = (held[0], msg.remaining)
        elif isinstance(msg, SyncDone):
            live = self.engine.live.get(info.id)
            if live is not None:  # what the EA holds, as it reported at login
                guard.copies = {p.master_ticket: (p.symbol, p.volume)
                                for p in live.positions if isinstance(p, Position)}

    def _account_report(self, info: AccountInfo, guard: FollowerGuard,
                        msg: AccountState) -> None:
        now = self.clock()
        figures = AccountFigures(msg.balance, msg.equity, msg.margin_level, now)
        guard.last = figures
        self._lift_expired(guard, now)
        if not guard.limits.limits():
            self._recover(info, guard, set())
            return
        tz = guard.timezone
        before = guard.baseline
        guard.baseline = (start_baseline(figures, tz) if before is None
                          else advance(before, figures, tz))
        if guard.baseline != before:
            self.engine.ledger.enqueue(risk_sql.save_baselines,
                                       risk_sql.baseline_row(info.id, guard.baseline))
        trips = evaluate_account(guard.limits, guard.baseline, figures, tz)
        self._recover(info, guard, {t.kind for t in trips})
        for trip in trips:
            if trip.kind not in guard.trips:
                self._trip(info, guard, trip)

    def _trip(self, info: AccountInfo, guard: FollowerGuard, trip: Trip) -> None:
        was_paused = guard.paused
        guard.trips[trip.kind] = trip
        log.warning("risk guard %s tripped for follower %d: %s (%s)", trip.kind.value,
                    info.id, trip.reason, trip.action.value)
        if trip.action is GuardAction.CLOSE_ALL_AND_PAUSE:
            self._apply_pause(info.id, was_paused)
        self._spawn(self._store_and_act, info, trip)

    async def _store_and_act(self, info: AccountInfo, trip: Trip) -> None:
        async def alert(con: asyncpg.Connection, stored: StoredTrip) -> None:
            # The owner's alert channels that selected risk.tripped get it, committed with
            # the trip (the outbox: none lost if the server dies right after, none doubled).
            await record_risk_trip(con, RiskTrip(
                user_id=info.user_id, account_id=info.id, guard=trip.kind.value,
                detail=trip.reason, figures={
                    "trip_id": stored.id, "action": trip.action.value, "value": trip.value,
                    "limit": trip.limit}))

        stored = await self.repo.insert_trip(info.id, trip, alert)
        if stored is None:
            return  # the same episode was stored before (e.g. before a restart)
        guard = self.book.get(info.id)
        if guard is None or guard.trips.get(trip.kind) is not trip:
            # It ended while being stored: the ledger's end_trips may have found no row yet.
            await self.engine.db.run(lambda con: risk_sql.end_trips(
                con, [(info.id, trip.kind.value, max(trip.at, self.clock()), "RECOVERED")]))
        self.engine.events.publish(info.user_id, "risk.tripped",
                                   trip_data(info.id, stored, trip), info.id)
        if trip.action is GuardAction.CLOSE_ALL_AND_PAUSE:
            await self.close_all(info.id, f"RISK_{trip.kind.value}",
                                 f"closed by a risk guard: {trip.reason}")

    # ------------------------------------------------------------------ ending trips

    def _recover(self, info: AccountInfo, guard: FollowerGuard, beyond: set[GuardKind]) -> None:
        """``SKIP_NEW`` trips whose figure is back inside (or whose guard is off) end."""
        for kind, trip in list(guard.trips.items()):
            if trip.action is GuardAction.SKIP_NEW and kind not in beyond:
                self._end(info.id, guard, kind, "RECOVERED", max(trip.at, self.clock()))

    def _lift_expired(self, guard: FollowerGuard, now: datetime) -> None:
        for kind, trip in list(guard.trips.items()):
            if trip.holds_until is not None and now >= trip.holds_until:
                self._end(guard.account_id, guard, kind, "PERIOD_END", trip.holds_until)

    def sweep(self) -> None:
        """Lift every trip whose period has ended (daily guards after the day boundary)."""
        now = self.clock()
        for guard in list(self.book.values()):
            if guard.trips:
                self._lift_expired(guard, now)

    def _end(self, fid: int, guard: FollowerGuard, kind: GuardKind, how: str,
             at: datetime) -> None:
        was_paused = guard.paused
        trip = guard.trips.pop(kind)
        self.engine.ledger.enqueue(risk_sql.end_trips, (fid, kind.value, at, how))
        self._publish_lifted(fid, trip, how)
        self._apply_pause(fid, was_paused)

    def _publish_lifted(self, fid: int, trip: Trip, how: str) -> None:
        info = self.engine.accounts.get(fid)
        if info is not None:
            self.engine.events.publish(info.user_id, "risk.lifted", {
                "account_id": fid, "kind": trip.kind.value, "ended_by": how}, fid)

    async def reset(self, fid: int, trip_id: int) -> StoredTrip | None:
        """End a holding trip from the API (``None``: no such holding trip of ``fid``)."""
        await self.engine.ledger.flush()  # trips stored by the ledger's batches are visible
        stored = await self.repo.reset_trip(fid, trip_id, self.clock())
        guard = self.book.get(fid)
        if stored is None or guard is None:
            return stored
        was_paused = guard.paused
        if guard.trips.pop(stored.trip.kind, None) is not None:
            if guard.baseline is not None and guard.last is not None:
                guard.baseline = rebase(guard.baseline, stored.trip.kind, guard.last)
                self.engine.ledger.enqueue(risk_sql.save_baselines,
                                           risk_sql.baseline_row(fid, guard.baseline))
            self._publish_lifted(fid, stored.trip, "USER")
        self._apply_pause(fid, was_paused)
        return stored

    async def set_control(self, fid: int, control: Control) -> RiskSettings:
        """The trader's switch: ACTIVE, CLOSE_ONLY or PAUSED (resume = ACTIVE again)."""
        settings = await self.repo.set_control(fid, control)
        guard = self.book.get(fid)
        if guard is None:
            await self.reload(fid)
        else:
            was_paused = guard.paused
            guard.control = control
            self._apply_pause(fid, was_paused)
        info = self.engine.accounts.get(fid)
        if info is not None:
            self.engine.events.publish(info.user_id, "risk.control",
                                       {"account_id": fid, "control": control.value}, fid)
        return settings

    # ------------------------------------------------------------------ pause and resume

    def _apply_pause(self, fid: int, was_paused: bool) -> None:
        """Act on a change of the follower's paused state (engine/guard_actions.py)."""
        self.pause_effects(fid, was_paused, self.paused(fid))

    def _spawn(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._nursery is None:
            log.error("risk guards are not running; %s dropped", fn.__name__)
            return
        self._nursery.start_soon(self._guarded, fn, *args)

    @staticmethod
    async def _guarded(fn: Callable[..., Any], *args: Any) -> None:
        try:
            await fn(*args)
        except Exception:
            log.exception("risk guard action %s failed", fn.__name__)
