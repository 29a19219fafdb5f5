"""Error codes the server sends in ERR lines, and the protocol's exceptions."""

from __future__ import annotations

import enum


class ErrorCode(enum.Enum):
    """Every code an ``ERR|CODE|TEXT`` line may carry (see docs/protocol.md)."""

    AUTH_FAILED = "AUTH_FAILED"
    AUTH_TIMEOUT = "AUTH_TIMEOUT"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    VERSION_UNSUPPORTED = "VERSION_UNSUPPORTED"
    ACCOUNT_INACTIVE = "ACCOUNT_INACTIVE"
    UNKNOWN_MASTER_TOKEN = "UNKNOWN_MASTER_TOKEN"  # noqa: S105
    THROTTLED = "THROTTLED"
    REPLACED = "REPLACED"
    KEY_ROTATED = "KEY_ROTATED"
    IDLE_TIMEOUT = "IDLE_TIMEOUT"
    SLOW_CONSUMER = "SLOW_CONSUMER"
    RESYNC = "RESYNC"
    """Copying of this follower resumed (after a pause): reconnect, and the login resync
    catches up."""
    TOO_MANY_ERRORS = "TOO_MANY_ERRORS"
    SHUTDOWN = "SHUTDOWN"
    MALFORMED = "MALFORMED"
    LINE_TOO_LONG = "LINE_TOO_LONG"
    UNKNOWN_COMMAND = "UNKNOWN_COMMAND"
    WRONG_ROLE = "WRONG_ROLE"
    UNKNOWN_TICKET = "UNKNOWN_TICKET"
    INTERNAL = "INTERNAL"
    UNAVAILABLE = "UNAVAILABLE"
    """The database is unreachable: retry with backoff (closes when sent to AUTH or SYNC)."""

    @property
    def closes_connection(self) -> bool:
        """True if the server closes the connection right after sending this code."""
        return self not in _KEEPS_CONNECTION


_KEEPS_CONNECTION = frozenset(
    {
        ErrorCode.MALFORMED,
        ErrorCode.LINE_TOO_LONG,
        ErrorCode.UNKNOWN_COMMAND,
        ErrorCode.WRONG_ROLE,
        ErrorCode.UNKNOWN_TICKET,
        ErrorCode.INTERNAL,
        ErrorCode.UNAVAILABLE,
    }
)


class ProtocolError(Exception):
    """A line or message that breaks the protocol.

    ``code`` is the ERR code to answer with, ``field`` the Python name of the offending
    field (None when the line as a whole is wrong) and ``detail`` a human explanation.
    """

    def __init__(self, code: ErrorCode, detail: str, field: str | None = None) -> None:
        super().__init__(
            f"{code.value}: {detail}" if field is None else f"{code.value}: {field}: {detail}"
        )
        self.code = code
        self.field = field
        self.detail = detail


class RemoteProtocolError(ProtocolError):
    """The peer sent something invalid."""


class LocalProtocolError(ProtocolError):
    """We tried to send something invalid (a bug on our side)."""
