"""Sans-IO framing and connection state for one EA link.

``LineBuffer`` turns a byte stream into lines.  ``Connection`` adds parsing, encoding and
the per-line rules on top, in the manner of h11: feed it bytes with ``receive_data``,
take messages out with ``next_message``, turn messages into bytes with ``send``.  The
rules are the handshake (AUTH first, one AUTH), the role rule (``messages.ROLE_ONLY``),
PING/PONG (``answer``) and which ERR a refused line gets (``error_for``).  It does no IO
and no timing; the gateway and the simulators own sockets and clocks, and both drive it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from . import vocab
from .errors import ErrorCode, LocalProtocolError, ProtocolError, RemoteProtocolError
from .messages import Auth, AuthOk, Error, Message, Ping, Pong, refused_for_role
from .reader import parse
from .vocab import Direction
from .writer import encode

_STRIP_TRAILING = b"\r\x00"


class LineBuffer:
    """Splits a byte stream into lines of at most ``max_line`` bytes (terminator included).

    ``\\r\\n`` and ``\\n`` both end a line; NUL bytes at either end of a line (MQL5 sends a
    string's terminating NUL) and a trailing ``\\r`` are dropped; empty lines are skipped.

    A line longer than the limit is never kept: its bytes are discarded up to and
    including the next ``\\n``, and ``next_line`` raises ``RemoteProtocolError``
    (LINE_TOO_LONG) once, in the position the line had in the stream.  The buffer stays
    usable; lines after the overlong one come out normally.  Memory stays bounded by
    ``max_line`` plus the last chunk fed.
    """

    __slots__ = ("_buf", "_consumed", "_cuts", "_discarding", "_max_line", "_scan")

    def __init__(self, max_line: int = vocab.MAX_LINE) -> None:
        if max_line < 2:
            raise ValueError("max_line must be at least 2")
        self._max_line = max_line
        self._buf = bytearray()
        self._scan = 0  # bytes at the start of _buf known to hold no b"\n"
        self._consumed = 0  # bytes removed from the front of _buf so far
        self._cuts: list[int] = []  # stream offsets where an overlong line was cut out
        self._discarding = False  # dropping the rest of an overlong line

    @property
    def max_line(self) -> int:
        """The limit, terminator included."""
        return self._max_line

    def __len__(self) -> int:
        """Bytes buffered (not yet returned as lines)."""
        return len(self._buf)

    def feed(self, data: bytes) -> None:
        """Add received bytes; never raises."""
        if self._discarding:
            end = data.find(b"\n")
            if end < 0:
                return
            self._discarding = False
            data = data[end + 1 :]
        buf = self._buf
        start = len(buf)
        buf += data
        last_nl = buf.rfind(b"\n", start)
        if last_nl < 0:
            last_nl = buf.rfind(b"\n", 0, start)
        tail_start = last_nl + 1
        if len(buf) - tail_start >= self._max_line:
            # The unterminated tail can no longer become a valid line: cut it off now so
            # the buffer stays bounded, and drop the rest of that line when it arrives.
            del buf[tail_start:]
            self._scan = min(self._scan, tail_start)
            self._cuts.append(self._consumed + tail_start)
            self._discarding = True

    def next_line(self) -> bytes | None:
        """The next complete, non-empty line without its terminator, or None if none yet.

        Raises RemoteProtocolError(LINE_TOO_LONG) for a line over the limit (see class doc).
        """
        buf = self._buf
        while True:
            if self._cuts and self._cuts[0] == self._consumed:
                del self._cuts[0]
                raise _too_long(self._max_line)
            end = buf.find(b"\n", self._scan)
            if end < 0:
                self._scan = len(buf)
                return None
            line = bytes(buf[:end])
            del buf[: end + 1]
            self._consumed += end + 1
            self._scan = 0
            if end + 1 > self._max_line:
                raise _too_long(self._max_line)
            line = line.rstrip(_STRIP_TRAILING).lstrip(b"\x00")
            if line:
                return line


def _too_long(max_line: int) -> RemoteProtocolError:
    return RemoteProtocolError(
        ErrorCode.LINE_TOO_LONG, f"line longer than {max_line} bytes; discarded"
    )


class ConnectionState(enum.Enum):
    """Handshake state of a link."""

    AWAITING_AUTH = "AWAITING_AUTH"
    """Connected; nothing but AUTH, PING and PONG is allowed yet."""
    AUTHENTICATED = "AUTHENTICATED"
    """OK was sent/received; every message of the protocol may flow."""
    CLOSED = "CLOSED"
    """An ERR that closes the connection was sent/received; nothing more may flow."""


_BEFORE_AUTH = (Auth, Ping, Pong)

LINK_MESSAGES = (Ping, Pong)
"""Messages the link itself deals with (``Connection.answer``); nothing above it acts on them."""

NOT_AUTHENTICATED_TEXT = "AUTH expected first"


@attrs.define
class Connection:
    """One EA link as seen by ``our_side``: the server or an EA (the simulators).

    Enforces the handshake: before OK, an EA may only send AUTH, PING and PONG (anything
    else is RemoteProtocolError(NOT_AUTHENTICATED) on the server side). Sending or
    receiving OK authenticates and fixes the account's role (the role OK names); an ERR
    whose code closes the connection closes it. After OK, the server side refuses a second
    AUTH (MALFORMED) and a message the role may not send (WRONG_ROLE, ``ROLE_ONLY``).
    """

    our_side: Direction = attrs.field()
    """SERVER_TO_EA for the server (it receives EA lines), EA_TO_SERVER for an EA."""
    max_line: int = vocab.MAX_LINE
    """Line length limit, terminator included."""
    state: ConnectionState = ConnectionState.AWAITING_AUTH
    """Where the handshake is."""
    role: str | None = attrs.field(default=None, init=False)
    """The account's role as OK named it (``master``/``follower``); None before OK."""
    _lines: LineBuffer = attrs.field(init=False)
    _incoming: Direction = attrs.field(init=False)
    _refused: Mapping[type[Message], str] = attrs.field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        self._lines = LineBuffer(self.max_line)
        self._incoming = (
            Direction.EA_TO_SERVER
            if self.our_side is Direction.SERVER_TO_EA
            else Direction.SERVER_TO_EA
        )

    def receive_data(self, data: bytes) -> None:
        """Add bytes read from the socket."""
        self._lines.feed(data)

    def next_message(self) -> Message | None:
        """The next message received, or None until more data arrives.

        Raises RemoteProtocolError for a bad line; the connection stays usable afterwards
        (the error's code says whether the server should hang up).
        """
        if self.state is ConnectionState.CLOSED:
            return None
        line = self._lines.next_line()
        if line is None:
            return None
        msg = parse(line, self._incoming)
        if self.state is ConnectionState.AWAITING_AUTH:
            if self._incoming is Direction.EA_TO_SERVER and not isinstance(msg, _BEFORE_AUTH):
                raise RemoteProtocolError(
                    ErrorCode.NOT_AUTHENTICATED, NOT_AUTHENTICATED_TEXT
                )
            if isinstance(msg, AuthOk):
                self._authenticated(msg)
        elif isinstance(msg, Auth):
            raise RemoteProtocolError(ErrorCode.MALFORMED, "already authenticated")
        elif (refusal := self._refused.get(type(msg))) is not None:
            raise RemoteProtocolError(ErrorCode.WRONG_ROLE, refusal)
        if isinstance(msg, Error) and msg.code.closes_connection:
            self.state = ConnectionState.CLOSED
        return msg

    def send(self, msg: Message) -> bytes:
        """The bytes to write for ``msg``; LocalProtocolError if it may not be sent now."""
        if self.state is ConnectionState.CLOSED:
            raise LocalProtocolError(ErrorCode.INTERNAL, "connection is closed")
        data = encode(msg)
        if isinstance(msg, AuthOk):
            self._authenticated(msg)
        elif isinstance(msg, Error) and msg.code.closes_connection:
            self.state = ConnectionState.CLOSED
        return data

    def answer(self, msg: Message) -> Message | None:
        """What the protocol itself says back to ``msg``: PONG for a PING, else None."""
        return Pong(msg.seq) if isinstance(msg, Ping) else None

    def version_refusal(self, auth: Auth) -> Error | None:
        """The ERR for an AUTH in a protocol version the server does not speak (§5), or None.

        Not raised by ``next_message``: the server checks its login throttle first.
        """
        if auth.version == vocab.PROTOCOL_VERSION:
            return None
        return Error(ErrorCode.VERSION_UNSUPPORTED,
                     f"server speaks protocol version {vocab.PROTOCOL_VERSION}")

    def error_for(self, exc: ProtocolError) -> Error:
        """The ERR to send for a line ``next_message`` refused (server side).

        Before OK every refusal is NOT_AUTHENTICATED (which closes the connection), naming
        what was wrong with the line; after OK the code is the error's own and the text
        starts with the offending field's name (§12).
        """
        if self.state is ConnectionState.AWAITING_AUTH:
            if exc.code is ErrorCode.NOT_AUTHENTICATED:
                return Error(ErrorCode.NOT_AUTHENTICATED, exc.detail)
            return Error(ErrorCode.NOT_AUTHENTICATED, f"{NOT_AUTHENTICATED_TEXT} ({exc.detail})")
        text = exc.detail if exc.field is None else f"{exc.field}: {exc.detail}"
        return Error(exc.code, text)

    def _authenticated(self, ok: AuthOk) -> None:
        self.state = ConnectionState.AUTHENTICATED
        self.role = ok.role
        if self._incoming is Direction.EA_TO_SERVER:
            self._refused = refused_for_role(ok.role)
