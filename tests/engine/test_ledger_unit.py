"""The ledger writer on its own: no PostgreSQL, no TCP — a recording stand-in for the one
method it calls (``Database.run``) and for the connection handed to the batch functions."""

from __future__ import annotations

from typing import Any

import asyncpg
import trio
import trio.lowlevel

from copytrade.db.errors import DatabaseUnavailable
from copytrade.engine.ledger import Ledger


class RecordingDb:
    """``run(fn)`` calls ``fn`` with a connection stand-in; ``fail`` makes the next runs fail
    as an outage would."""

    def __init__(self) -> None:
        self.runs = 0
        self.fail = 0
        self.con = object()

    async def run(self, fn: Any) -> Any:
        self.runs += 1
        if self.fail:
            self.fail -= 1
            raise DatabaseUnavailable("away")
        await trio.lowlevel.checkpoint()
        return await fn(self.con)


def _recorder(calls: list[tuple[str, list[Any]]], name: str, result: Any = None) -> Any:
    async def fn(con: Any, rows: Any) -> Any:
        calls.append((name, list(rows)))
        return result(rows) if callable(result) else result

    fn.__name__ = name
    return fn


async def test_groups_consecutive_operations_in_order_and_hands_each_result_over() -> None:
    db = RecordingDb()
    calls: list[tuple[str, list[Any]]] = []
    results: list[tuple[Any, Any]] = []
    insert = _recorder(calls, "insert", lambda rows: [{"id": r[0]} for r in rows])
    ack = _recorder(calls, "ack", lambda rows: [{"id": r[0], "status": "OPEN"} for r in rows])
    quiet = _recorder(calls, "quiet")
    ledger = Ledger(db, lambda fn, rows: results.append((fn, rows)))  # type: ignore[arg-type]
    ledger.enqueue_many(insert, [(1,), (2,)])
    ledger.enqueue(insert, (3,))
    ledger.enqueue(ack, (1,))
    ledger.enqueue(quiet, ("x",))
    ledger.enqueue(insert, (4,))
    assert ledger.backlog == 6
    async with trio.open_nursery() as nursery:
        await nursery.start(ledger.run)
        with trio.fail_after(5):
            await ledger.flush()
        nursery.cancel_scope.cancel()
    # one crossing, groups of consecutive operations of one kind, in the order queued
    assert db.runs == 1 and ledger.batches == 1 and ledger.backlog == 0
    assert calls == [("insert", [(1,), (2,), (3,)]), ("ack", [(1,)]), ("quiet", [("x",)]),
                     ("insert", [(4,)])]
    # each group's result goes to on_result as returned (None: nothing to hand over)
    assert results == [(insert, [{"id": 1}, {"id": 2}, {"id": 3}]),
                       (ack, [{"id": 1, "status": "OPEN"}]), (insert, [{"id": 4}])]


async def test_an_outage_keeps_the_batch_and_a_refused_group_is_dropped_alone(
        autojump_clock: Any) -> None:
    db = RecordingDb()
    calls: list[tuple[str, list[Any]]] = []
    seen: list[Any] = []

    async def refused(con: Any, rows: Any) -> Any:
        raise asyncpg.DataError("invalid input")

    fine = _recorder(calls, "fine", lambda rows: list(rows))
    ledger = Ledger(db, lambda fn, rows: seen.append(rows))  # type: ignore[arg-type]
    db.fail = 3
    ledger.enqueue(fine, (1,))
    ledger.enqueue(refused, (2,))
    ledger.enqueue(fine, (3,))
    async with trio.open_nursery() as nursery:
        await nursery.start(ledger.run)
        with trio.fail_after(30):
            await ledger.flush()
        nursery.cancel_scope.cancel()
    assert db.runs == 4 and ledger.retries == 3  # kept through the outage, then written
    assert ledger.dropped == 1 and ledger.backlog == 0
    assert calls == [("fine", [(1,)]), ("fine", [(3,)])]
    assert seen == [[(1,)], [(3,)]]


async def test_a_failing_result_handler_does_not_stop_the_writer() -> None:
    db = RecordingDb()
    calls: list[tuple[str, list[Any]]] = []
    fn = _recorder(calls, "fn", lambda rows: list(rows))

    def handler(fn: Any, rows: Any) -> None:
        raise RuntimeError("a bug in the handler")

    ledger = Ledger(db, handler)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(ledger.run)
        ledger.enqueue(fn, (1,))
        with trio.fail_after(5):
            await ledger.flush()
        ledger.enqueue(fn, (2,))
        with trio.fail_after(5):
            await ledger.flush()
        nursery.cancel_scope.cancel()
    assert calls == [("fn", [(1,)]), ("fn", [(2,)])] and ledger.dropped == 0
