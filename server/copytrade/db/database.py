"""asyncpg reached from trio through trio-asyncio.

Callers never touch asyncio: :class:`Database` offers ``fetch/fetchrow/fetchval/execute``
and ``transaction()``. Each call is one trio→asyncio crossing (~70-100 µs), so a unit of work
that needs several statements should use :meth:`Database.run`, which executes an asyncio
function on one pooled connection in a single crossing.

This is the boundary where a lost or unreachable PostgreSQL becomes one typed error,
:class:`~copytrade.db.errors.DatabaseUnavailable`, for every call: the gateway answers it with
``ERR|UNAVAILABLE`` and the API with 503, and nothing else needs to know asyncpg's or the OS's
many ways of saying so. The pool replaces a broken connection on its next acquire, so calls
succeed again by themselves once the server is back.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import asyncpg
import attrs
import trio
import trio_asyncio

from .errors import DatabaseUnavailable, describe_dsn

T = TypeVar("T")
Record = Any  # asyncpg.Record: a read-only mapping/sequence of one row

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, no such socket file
    TimeoutError,  # connect timeout
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08: the connection broke
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: pg_ctl stop
    asyncpg.CrashShutdownError,  # 57P02: another backend crashed
    asyncpg.TooManyConnectionsError,  # 53300
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
)
"""What asyncpg and the OS raise when PostgreSQL is away: all become DatabaseUnavailable."""


def _unavailable(exc: BaseException) -> DatabaseUnavailable:
    return DatabaseUnavailable(f"database unavailable: {type(exc).__name__}: {exc}"[:200])


async def _guarded(call: Callable[[], Awaitable[T]]) -> T:
    """Run one crossing; a connection-level failure leaves as DatabaseUnavailable."""
    try:
        return await call()
    except UNAVAILABLE_ERRORS as exc:
        raise _unavailable(exc) from exc


async def _init_connection(con: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await con.set_type_codec(
            name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _reset_connection(con: asyncpg.Connection) -> None:
    # We keep no session state (no LISTEN, SET or advisory locks on pooled connections),
    # so the default RESET ALL round trip on every release is wasted work (STACK-NOTES 4).
    if con.is_in_transaction():
        await con.execute("ROLLBACK")


@attrs.define
class Connection:
    """One pooled connection held by trio code; every method is one crossing."""

    raw: asyncpg.Connection

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        return await _guarded(lambda: trio_asyncio.aio_as_trio(self.raw.fetch)(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        return await _guarded(lambda: trio_asyncio.aio_as_trio(self.raw.fetchrow)(sql, *args))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await _guarded(lambda: trio_asyncio.aio_as_trio(self.raw.fetchval)(sql, *args))

    async def execute(self, sql: str, *args: Any) -> str:
        return await _guarded(lambda: trio_asyncio.aio_as_trio(self.raw.execute)(sql, *args))

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        await _guarded(lambda: trio_asyncio.aio_as_trio(self.raw.executemany)(sql, args))


@attrs.define
class Database:
    """The process's PostgreSQL pool, used from trio."""

    pool: asyncpg.Pool
    dsn: str

    async def run(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run the asyncio function ``fn(connection)`` on a pooled connection, one crossing."""

        async def _call() -> T:
            async with self.pool.acquire() as con:  # a proxy that forwards to the connection
                return await fn(cast(asyncpg.Connection, con))

        return await _guarded(lambda: trio_asyncio.aio_as_trio(_call)())

    async def run_in_transaction(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Like :meth:`run`, inside one transaction (rolled back if ``fn`` raises)."""

        async def _call(con: asyncpg.Connection) -> T:
            async with con.transaction():
                return await fn(con)

        return await self.run(_call)

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        return await self.run(lambda con: con.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        return await self.run(lambda con: con.fetchrow(sql, *args))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.run(lambda con: con.fetchval(sql, *args))

    async def execute(self, sql: str, *args: Any) -> str:
        return await self.run(lambda con: con.execute(sql, *args))

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """Hold one pooled connection for several statements."""
        raw = await _guarded(lambda: trio_asyncio.aio_as_trio(self.pool.acquire)())
        try:
            yield Connection(raw)
        finally:
            # A broken connection: the pool replaces it on the next acquire.
            with trio.CancelScope(shield=True), contextlib.suppress(*UNAVAILABLE_ERRORS):
                await trio_asyncio.aio_as_trio(self.pool.release)(raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside a transaction: committed on exit, rolled back on error."""
        async with self.connection() as con:
            await con.execute("BEGIN")
            try:
                yield con
            except BaseException:
                # If the connection is gone, its transaction went with it.
                with trio.CancelScope(shield=True), contextlib.suppress(DatabaseUnavailable):
                    await con.execute("ROLLBACK")
                raise
            else:
                await con.execute("COMMIT")


@asynccontextmanager
async def open_database(
    dsn: str, *, min_size: int = 1, max_size: int = 10
) -> AsyncIterator[Database]:
    """Open an asyncpg pool; needs a running trio-asyncio loop (``trio_asyncio.open_loop``)."""
    try:
        pool = await trio_asyncio.aio_as_trio(asyncpg.create_pool)(
            dsn,
            min_size=min(min_size, max_size),
            max_size=max_size,
            init=_init_connection,
            reset=_reset_connection,
            command_timeout=60,
            timeout=15,
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {describe_dsn(dsn)}: {exc}") from None
    try:
        yield Database(pool=pool, dsn=dsn)
    finally:
        with trio.CancelScope(shield=True):
            with trio.move_on_after(10):
                await trio_asyncio.aio_as_trio(pool.close)()
            if not pool._closed:  # close() timed out: do not leave sockets behind
                pool.terminate()
