"""The trade-pair ledger writer: one task that applies queued pair changes in batches.

Callers enqueue synchronously (no await on the signal path). The writer takes everything
queued, groups consecutive operations of the same kind into one set-based statement each,
and runs them all in a single trio→asyncio crossing, in the order they were queued — so an
ACK can never be applied before the PENDING row it updates. ``flush()`` waits until what was
queued before it is written (the close path uses it before reading live pairs).

A batch whose write fails (PostgreSQL down, a connection lost) is kept and retried with
backoff (at most 2 s apart) until it is written, in order, ahead of everything queued since;
each statement is idempotent (guarded UPDATEs, ``ON CONFLICT DO NOTHING``), so re-running a
batch that was partly applied is harmless. Only what retrying cannot fix is dropped, logged
and counted (``dropped``), so it cannot block the rest: a group PostgreSQL refuses as a data or
constraint error, or a batch that failed with an error that is not the database's (a bug).

A batch function's result (the pair statements return the changed pairs in the REST shape,
db/trades.py) goes to ``on_result`` once per group, so its live events are published from the
rows already in hand, one batch per group.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import attrs
import trio

from ..db.database import Database
from ..db.errors import DATABASE_FAILURES

log = logging.getLogger(__name__)

BatchFn = Callable[[asyncpg.Connection, Sequence[Any]], Awaitable[Any]]
ResultHandler = Callable[[BatchFn, Any], None]
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0)


@attrs.define
class Ledger:
    """Queue of pending pair writes plus the task that applies them."""

    db: Database
    on_result: ResultHandler
    _queue: list[tuple[BatchFn, tuple[Any, ...]]] = attrs.field(factory=list)
    _wakeup: trio.Event = attrs.field(factory=trio.Event)
    _enqueued: int = 0
    _written: int = 0
    _progress: trio.Event = attrs.field(factory=trio.Event)
    batches: int = 0
    dropped: int = 0
    """Rows of a batch PostgreSQL refused as data errors (a bug: retrying cannot help)."""
    retries: int = 0
    """Failed batch writes retried (outages): a batch is kept until it is written."""

    def enqueue(self, fn: BatchFn, row: tuple[Any, ...]) -> None:
        self._queue.append((fn, row))
        self._enqueued += 1
        self._wakeup.set()

    def enqueue_many(self, fn: BatchFn, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self._queue.extend((fn, row) for row in rows)
        self._enqueued += len(rows)
        self._wakeup.set()

    @property
    def backlog(self) -> int:
        return self._enqueued - self._written

    async def flush(self) -> None:
        """Return once every operation queued before this call is written (or dropped)."""
        target = self._enqueued
        while self._written < target:
            await self._progress.wait()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await self._wakeup.wait()
            self._wakeup = trio.Event()
            if not self._queue:
                continue
            ops, self._queue = self._queue, []
            groups: list[tuple[BatchFn, list[tuple[Any, ...]]]] = []
            for fn, row in ops:
                if groups and groups[-1][0] is fn:
                    groups[-1][1].append(row)
                else:
                    groups.append((fn, [row]))
            results = await self._write(groups)
            self._written += len(ops)
            self.batches += 1
            progress, self._progress = self._progress, trio.Event()
            progress.set()
            for (fn, _rows), result in zip(groups, results, strict=True):
                if result is not None:
                    try:
                        self.on_result(fn, result)
                    except Exception:
                        log.exception("ledger result handler failed")

    async def _write(self, groups: list[tuple[BatchFn, list[tuple[Any, ...]]]]) -> list[Any]:
        async def apply(con: asyncpg.Connection) -> list[Any]:
            out: list[Any] = []
            for fn, rows in groups:
                try:
                    out.append(await fn(con, rows))
                except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as exc:
                    # A bug, not an outage: retrying cannot help; keep the rest going.
                    log.error("ledger batch %s dropped (%d rows): %s", fn.__name__, len(rows), exc)
                    self.dropped += len(rows)
                    out.append(None)
            return out

        attempt = 0
        while True:
            try:
                result = await self.db.run(apply)
            except DATABASE_FAILURES as exc:  # an outage, or a statement refused for now
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                log_ = log.warning if attempt % 30 == 0 else log.debug
                log_("ledger write of %d operations failed (%s: %s); keeping them, retry in "
                     "%.2fs", sum(len(r) for _, r in groups), type(exc).__name__, exc, delay)
                attempt += 1
                self.retries += 1
                await trio.sleep(delay)
                continue
            except Exception:
                # A bug, not the database: retrying cannot help and would stall every later
                # pair write behind this batch. Logged and counted like a refused group.
                lost = sum(len(r) for _, r in groups)
                log.exception("ledger write of %d operations failed; dropped", lost)
                self.dropped += lost
                return [None] * len(groups)
            if attempt:
                log.warning("ledger write succeeded after %d retries", attempt)
            return result
