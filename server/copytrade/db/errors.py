"""Errors raised by the repositories; the API and gateway translate them at their edge."""

from __future__ import annotations

import asyncpg


class DatabaseError(Exception):
    """Base class of the storage layer's own errors."""


class NotFound(DatabaseError):
    """The row does not exist (or belongs to somebody else)."""


class Conflict(DatabaseError):
    """A uniqueness or state rule refused the change."""

    def __init__(self, message: str, *, field: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.code = code  # a stable machine word for ``field`` (the API's ``field_codes``)


class Invalid(DatabaseError):
    """A value the caller chose breaks a rule of the stored data (the API: 422 on ``field``)."""

    def __init__(self, message: str, *, field: str, detail: str,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.detail = detail
        self.code = code  # a stable machine word for ``field`` (the API's ``field_codes``)


class DatabaseUnavailable(DatabaseError):
    """PostgreSQL could not be reached or refused the login."""


DATABASE_FAILURES: tuple[type[BaseException], ...] = (
    DatabaseUnavailable, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What a background task retries on: the database away (``Database`` translates connection
failures into :class:`DatabaseUnavailable`) or a statement PostgreSQL refused for now."""


def describe_dsn(dsn: str) -> str:
    """The DSN without its password, for messages."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(dsn)
        host = parts.hostname or "local socket"
        where = f"{host}:{parts.port}" if parts.port else host
        return f"{where}/{parts.path.lstrip('/')}"
    except ValueError:
        return "the configured database"


class MigrationError(DatabaseError):
    """A migration file is malformed, was edited after being applied, or failed."""


class EmbeddedPostgresError(DatabaseError):
    """The embedded PostgreSQL server could not be started."""
