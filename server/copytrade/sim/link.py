"""A simulated EA's connection: TCP (or TLS), the AUTH handshake, lines in and out.

The protocol's rules are ``protocol.Connection``'s (EA side); this module only adds IO."""

from __future__ import annotations

import ssl

import attrs
import trio

from ..protocol import (
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Connection,
    ConnectionState,
    Direction,
    Error,
    Message,
    encode,
)
from ..protocol.servers import ServerAddress, next_index


@attrs.define
class Failover:
    """Which server address a sim connects to next (docs/protocol.md §5): an attempt that
    never logs in moves to the next address, wrapping; a logged-in link that drops retries
    its own address first. ``servers`` empty: the single ``host``/``port``."""

    addresses: tuple[ServerAddress, ...]
    index: int = 0
    attempts: list[ServerAddress] = attrs.field(factory=list)
    """Every address tried, in order."""

    @classmethod
    def of(cls, host: str, port: int, servers: tuple[ServerAddress, ...]) -> Failover:
        return cls(servers or (ServerAddress(host, port),))

    @property
    def current(self) -> ServerAddress:
        return self.addresses[self.index]

    def attempt(self) -> ServerAddress:
        self.attempts.append(self.current)
        return self.current

    def ended(self, logged_in: bool) -> None:
        self.index = next_index(self.index, len(self.addresses), logged_in)


class LinkError(Exception):
    """The server refused the login or closed the connection."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@attrs.define
class Link:
    """One connected, authenticated EA link."""

    stream: trio.abc.Stream
    conn: Connection = attrs.field(factory=lambda: Connection(Direction.EA_TO_SERVER))
    ok: AuthOk | None = None
    sent_lines: int = 0
    _sending: trio.Lock = attrs.field(factory=trio.Lock)
    """The test (trading) and the link's own loop (PING, replies) both send: one at a time."""

    @classmethod
    async def connect(
        cls, host: str, port: int, api_key: str, *, master_token: str | None = None,
        client: str = "sim/1.0", tls: ssl.SSLContext | None = None, timeout: float = 10,
    ) -> Link:
        with trio.fail_after(timeout):
            stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
            if tls is not None:
                stream = trio.SSLStream(stream, tls, server_hostname=host)
            link = cls(stream)
            await link.send(Auth(api_key=api_key, version=PROTOCOL_VERSION,
                                 master_token=master_token, client=client))
            reply = await link.receive()
        if isinstance(reply, Error):
            await link.aclose()
            raise LinkError(f"login refused: {reply.code.value} {reply.text}", reply.code.value)
        if not isinstance(reply, AuthOk):
            await link.aclose()
            raise LinkError(f"unexpected reply to AUTH: {reply!r}")
        link.ok = reply
        return link

    @property
    def heartbeat(self) -> float:
        """Seconds of silence after which the EA sends PING: what the server's OK asked for."""
        return float(self.ok.heartbeat_s) if self.ok is not None else 10.0

    def answer(self, msg: Message) -> Message | None:
        """What the protocol says back to a received message (PONG for a PING), or None."""
        return self.conn.answer(msg)

    async def send(self, msg: Message) -> None:
        async with self._sending:
            await self.stream.send_all(self._encode(msg))
        self.sent_lines += 1

    async def send_many(self, msgs: list[Message]) -> None:
        async with self._sending:
            await self.stream.send_all(b"".join(self._encode(m) for m in msgs))
        self.sent_lines += len(msgs)

    def _encode(self, msg: Message) -> bytes:
        if self.conn.state is ConnectionState.CLOSED:
            # After the server's closing ERR: the bytes go out as before and the socket,
            # which the server closes, fails the way callers expect (OSError, Broken...).
            return encode(msg)
        return self.conn.send(msg)

    async def receive(self) -> Message:
        """The next message; raises LinkError when the server closes the connection."""
        while True:
            msg = self.conn.next_message()
            if msg is not None:
                return msg
            data = await self.stream.receive_some(65536)
            if not data:
                raise LinkError("connection closed by the server")
            self.conn.receive_data(bytes(data))

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)
