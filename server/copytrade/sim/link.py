"""A simulated EA's connection: TCP (or TLS), the AUTH handshake, lines in and out."""

from __future__ import annotations

import ssl

import attrs
import trio

from ..protocol import (
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Error,
    LineBuffer,
    Message,
    encode,
    parse_from_server,
)


class LinkError(Exception):
    """The server refused the login or closed the connection."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@attrs.define
class Link:
    """One connected, authenticated EA link."""

    stream: trio.abc.Stream
    buffer: LineBuffer = attrs.field(factory=LineBuffer)
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

    async def send(self, msg: Message) -> None:
        async with self._sending:
            await self.stream.send_all(encode(msg))
        self.sent_lines += 1

    async def send_many(self, msgs: list[Message]) -> None:
        async with self._sending:
            await self.stream.send_all(b"".join(encode(m) for m in msgs))
        self.sent_lines += len(msgs)

    async def receive(self) -> Message:
        """The next message; raises LinkError when the server closes the connection."""
        while True:
            line = self.buffer.next_line()
            if line is not None:
                return parse_from_server(bytes(line))
            data = await self.stream.receive_some(65536)
            if not data:
                raise LinkError("connection closed by the server")
            self.buffer.feed(bytes(data))

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)
