"""Forward-only SQL migrations: ``sql/NNN_name.sql``, applied in order, each once.

Each file runs in its own transaction and is recorded in ``schema_migrations`` with a SHA-256
checksum. A file that was edited after it was applied is refused. A session-level advisory lock
serialises concurrent migrators (two servers starting at once): the second waits, then finds
nothing left to do.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import asyncpg
import attrs
import trio_asyncio

from .errors import DatabaseUnavailable, MigrationError, describe_dsn

MIGRATION_LOCK_KEY = 0x436F70795472  # "CopyTr": any constant unique to this application
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def default_sql_dir() -> Path:
    """``COPYTRADE_SQL_DIR`` if set, else ``sql/`` beside ``server/`` in the source tree."""
    env = os.environ.get("COPYTRADE_SQL_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    return here.parents[3] / "sql"


@attrs.frozen
class Migration:
    """One migration file."""

    version: int
    """The NNN prefix."""
    name: str
    """The file name."""
    sql: str
    """The file's text."""

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(sql_dir: Path) -> list[Migration]:
    """Read and order the migration files; malformed names and duplicate numbers are errors."""
    if not sql_dir.is_dir():
        raise MigrationError(f"migration folder not found: {sql_dir}")
    found: dict[int, Migration] = {}
    for path in sorted(sql_dir.iterdir()):
        if path.suffix != ".sql":
            continue
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_lower_case.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"{path.name}: version {version:03d} is also used by {found[version].name}"
            )
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


@attrs.frozen
class MigrationReport:
    """What one run did."""

    applied: tuple[str, ...]
    """Files applied by this run, in order."""
    already: int
    """How many were applied before."""


async def _migrate(dsn: str, migrations: list[Migration]) -> MigrationReport:
    try:
        con = await asyncpg.connect(dsn, timeout=15)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {describe_dsn(dsn)}: {exc}") from None
    try:
        await con.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            await con.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version integer PRIMARY KEY,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            rows = await con.fetch("SELECT version, name, checksum FROM schema_migrations")
            applied = {r["version"]: r for r in rows}
            known = {m.version for m in migrations}
            for version, row in sorted(applied.items()):
                if version not in known:
                    raise MigrationError(
                        f"{row['name']} was applied to this database but is missing from the "
                        "migration folder: the database was migrated by a newer version of "
                        "CopyTradePro (is this an older version?). Install that version again "
                        "(or newer), or restore a backup taken before the upgrade"
                    )
            done: list[str] = []
            for m in migrations:
                stored = applied.get(m.version)
                if stored is not None:
                    if stored["checksum"] != m.checksum:
                        raise MigrationError(
                            f"{m.name} was edited after it was applied (checksum differs); "
                            "migrations are forward-only: add a new file instead"
                        )
                    continue
                try:
                    async with con.transaction():
                        await con.execute(m.sql)
                        await con.execute(
                            "INSERT INTO schema_migrations (version, name, checksum) "
                            "VALUES ($1, $2, $3)",
                            m.version, m.name, m.checksum,
                        )
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"{m.name} failed: {exc}") from None
                done.append(m.name)
            return MigrationReport(applied=tuple(done), already=len(applied))
        finally:
            await con.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    finally:
        await con.close()


async def migrate(dsn: str, sql_dir: Path | None = None) -> MigrationReport:
    """Apply pending migrations to the database at ``dsn`` (trio; needs trio-asyncio's loop)."""
    migrations = discover(sql_dir or default_sql_dir())
    return await trio_asyncio.aio_as_trio(_migrate)(dsn, migrations)  # type: ignore[no-any-return]
