"""One EA connection's outbound side: direct non-blocking writes plus a bounded backlog.

``send`` is what the fan-out calls for every follower, so it never awaits: on plain TCP it
writes straight to the socket (``os.write`` on the connection's own descriptor, which trio
keeps non-blocking; no duplicate descriptor, so 10,000 EAs cost 10,000 descriptors, not
20,000) and only when the kernel buffer is full does it queue the rest, up to ``limit``
bytes, for the session's writer task. Past the limit the follower is dropped with SLOW_CONSUMER (it
reconnects and resyncs), so it can never delay the master or the other followers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import attrs
import trio

from ..protocol import Error, ErrorCode, encode

log = logging.getLogger(__name__)


@attrs.define(eq=False)
class EASession:
    """The gateway's :class:`~copytrade.engine.state.Peer` for one connection."""

    stream: trio.abc.Stream
    limit: int
    remote: str
    account_id: int = 0
    fd: int | None = None
    """The socket's descriptor for direct writes (plain TCP only); None once released."""
    backlog: bytearray = attrs.field(factory=bytearray)
    closing: tuple[ErrorCode, str] | None = None
    dead: bool = False
    overflowed: bool = False
    scope: trio.CancelScope | None = None
    on_overflow: Callable[[EASession], None] | None = None
    """Called once when the backlog overflows (the gateway counts and logs it)."""
    last_received: float = 0.0
    """trio clock time of the last bytes from the EA (the gateway's idle watchdog reads it)."""
    handling: bool = False
    """The engine is working on a line of this EA (a login resync can take long in a wave of
    thousands of logins): the EA is not idle, and its PINGs wait unread until it is done."""
    _wake: trio.Event = attrs.field(factory=trio.Event)
    _drain_scope: trio.CancelScope = attrs.field(factory=trio.CancelScope)

    @classmethod
    def for_stream(cls, stream: trio.abc.Stream, limit: int, remote: str) -> EASession:
        session = cls(stream=stream, limit=limit, remote=remote)
        if isinstance(stream, trio.SocketStream):
            session.fd = stream.socket.fileno()
        return session

    def send(self, data: bytes) -> bool:
        if self.dead or self.closing is not None:
            return False
        view: Any = data
        if not self.backlog and self.fd is not None:
            try:
                n = os.write(self.fd, data)
            except BlockingIOError:
                n = 0
            except OSError:
                self.dead = True
                self._wake.set()
                return False
            if n == len(data):
                return True
            view = memoryview(data)[n:]
        if len(self.backlog) + len(view) > self.limit:
            self.overflowed = True
            self.backlog.clear()
            if self.on_overflow is not None:
                self.on_overflow(self)
            self.close(ErrorCode.SLOW_CONSUMER,
                       "outbound backlog full; reconnect and resync")
            return False
        self.backlog += view
        self._wake.set()
        return True

    def close(self, code: ErrorCode, text: str) -> None:
        if self.closing is None:
            self.closing = (code, text)
            self._wake.set()
            # A writer blocked on a socket that never drains must still notice the close.
            self._drain_scope.cancel()

    async def writer(self) -> None:
        """Drain the backlog while the socket accepts it; on close, say why and hang up."""
        while True:
            await self._wake.wait()
            self._wake = trio.Event()
            with self._drain_scope:
                try:
                    await self._drain()
                except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
                    self.dead = True
            self._drain_scope = trio.CancelScope()
            if self.dead or self.closing is not None:
                break
        if self.closing is not None and not self.dead:
            code, text = self.closing
            with trio.move_on_after(1):
                try:
                    await self._drain()
                    await self.stream.send_all(encode(Error(code, text)))
                except (OSError, trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
        if self.scope is not None:
            self.scope.cancel()

    async def _drain(self) -> None:
        while self.backlog:
            if self.fd is not None:
                await trio.lowlevel.wait_writable(self.fd)
                try:
                    n = os.write(self.fd, self.backlog)
                except BlockingIOError:
                    continue
                del self.backlog[:n]
            else:
                data = bytes(self.backlog)
                self.backlog.clear()
                await self.stream.send_all(data)

    def release(self) -> None:
        # The descriptor belongs to the stream, which the gateway closes right after this;
        # from here on nothing may write to it (the number could be reused).
        self.fd = None
