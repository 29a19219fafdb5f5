"""The root: one trio nursery that supervises the database, engine, EA gateway and web app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import attrs
import trio
import trio_asyncio

from . import tls_reload
from .api.app import create_app
from .api.context import ApiContext
from .api.server import serve_http
from .config import Settings
from .db.accounts import AccountRepository
from .db.database import Database, open_database
from .db.embedded import embedded_postgres
from .db.migrate import migrate
from .db.users import UserRepository
from .engine.core import Engine
from .engine.events import EventBus
from .engine.gcpolicy import LoginWaves, freeze_after_startup
from .gateway.server import serve_gateway
from .logsetup import configure_logging
from .maintenance import purge_expired_sessions
from .notify import Notifier

log = logging.getLogger(__name__)


@attrs.frozen
class RunningServer:
    """What a started server tells its parent (tests, the demo, the benchmark)."""

    http_port: int
    ea_port: int
    database_url: str
    engine: Engine
    db: Database
    shutdown: trio.Event
    notifier: Notifier | None = None
    login_waves: LoginWaves | None = None
    """The collector's re-freeze after a wave of logins (engine/gcpolicy.py)."""


def configure_process(settings: Settings) -> None:
    """How a process that runs the server is set up, the same for ``copytrade serve``,
    ``copytrade demo`` and ``copytrade bench``: logging at ``settings.log_level`` (the one
    configuration of :mod:`copytrade.logsetup`); the collector policy is :func:`run_server`'s
    own (frozen after start-up and after each wave of logins), so nothing else tunes it."""
    configure_logging(settings.log_level)


@asynccontextmanager
async def database_url(settings: Settings) -> AsyncIterator[str]:
    """The configured DATABASE_URL, or the embedded server's (started here, stopped after)."""
    if settings.database_url:
        yield settings.database_url
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with embedded_postgres(settings.data_dir) as url:
        yield url


async def run_server(
    settings: Settings,
    *,
    shutdown: trio.Event | None = None,
    task_status: trio.TaskStatus[RunningServer] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run everything until ``shutdown`` is set (needs trio-asyncio's loop; see :func:`main`)."""
    if shutdown is None:
        shutdown = trio.Event()
    async with database_url(settings) as dsn:
        report = await migrate(dsn)
        if report.applied:
            log.info("applied migrations: %s", ", ".join(report.applied))
        async with open_database(dsn, max_size=settings.db_pool_size) as db:
            events = EventBus()
            accounts = AccountRepository(db)
            engine = Engine(db=db, events=events, settings=settings)
            notifier = Notifier.from_settings(settings, db, online=lambda: list(engine.sessions))
            login_waves = LoginWaves()
            async with trio.open_nursery() as nursery:
                await nursery.start(engine.run)
                await nursery.start(login_waves.run)
                await nursery.start(purge_expired_sessions, db)
                if settings.tls_cert is not None and settings.tls_key is not None:
                    await nursery.start(tls_reload.watch, settings.tls_cert, settings.tls_key)
                await nursery.start(notifier.run)
                ea_port: int = await nursery.start(
                    partial(serve_gateway, engine, settings, on_login=login_waves.note_login))
                ctx = ApiContext(settings=settings, db=db, users=UserRepository(db),
                                 accounts=accounts, events=events, engine=engine,
                                 ea_port=ea_port, shutdown=shutdown, notifier=notifier)
                async with trio.open_nursery() as web:
                    http_port: int = await web.start(
                        serve_http, create_app(ctx), settings, shutdown)
                    log.info("CopyTradePro ready: web http://%s:%d  EA gateway %s:%d",
                             settings.http_host, http_port, settings.ea_host, ea_port)
                    # Start-up objects never die: keep the collector from re-scanning them,
                    # and collect the young generation less often (see engine/gcpolicy.py).
                    freeze_after_startup()
                    task_status.started(RunningServer(
                        http_port=http_port, ea_port=ea_port, database_url=dsn, engine=engine,
                        db=db, shutdown=shutdown, notifier=notifier, login_waves=login_waves))
                    await shutdown.wait()
                    log.info("shutting down")
                    await engine.close_all_sessions()
                    # hypercorn finishes open requests and closes websockets (1001) itself.
                    web.cancel_scope.deadline = trio.current_time() + 5
                nursery.cancel_scope.cancel()


async def until_signalled(main: Callable[[trio.Event], Awaitable[None]]) -> None:
    """Open the asyncio bridge, run ``main(shutdown)``; SIGINT or SIGTERM sets ``shutdown``."""
    import signal

    shutdown = trio.Event()
    async with trio_asyncio.open_loop(), trio.open_nursery() as nursery:
        async def _watch_signals() -> None:
            with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    shutdown.set()
                    return

        nursery.start_soon(_watch_signals)
        await main(shutdown)
        nursery.cancel_scope.cancel()


async def serve_until_signalled(settings: Settings) -> None:
    """``copytrade serve``: run until SIGINT or SIGTERM."""
    await until_signalled(lambda shutdown: run_server(settings, shutdown=shutdown))
