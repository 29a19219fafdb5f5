"""A tiny websocket client (wsproto over a trio TCP stream) for the live-endpoint tests."""

from __future__ import annotations

import contextlib
import json
from collections import deque
from typing import Any

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
)


class Rejected(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class WsClient:
    def __init__(self, stream: trio.SocketStream, ws: WSConnection) -> None:
        self.stream, self.ws = stream, ws
        self._text = ""
        self._pending: deque[Any] = deque()
        """Events already parsed but not yet handled (one read may carry several frames)."""
        self._unread: deque[dict[str, Any]] = deque()
        """Live events of an array message not yet returned by :meth:`recv`."""
        self.messages = 0
        """Websocket messages received."""

    @classmethod
    async def connect(cls, port: int, path: str = "/api/v1/live",
                      headers: list[tuple[str, str]] = ()) -> WsClient:
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        ws = WSConnection(ConnectionType.CLIENT)
        await stream.send_all(ws.send(Request(
            host=f"127.0.0.1:{port}", target=path,
            extra_headers=[(k.encode(), v.encode()) for k, v in headers])))
        client = cls(stream, ws)
        status, body = 0, b""
        while True:
            events = await client._events()
            for i, event in enumerate(events):
                if isinstance(event, AcceptConnection):
                    client._pending.extend(events[i + 1:])  # frames sent right after the accept
                    return client
                if isinstance(event, RejectConnection):
                    status = event.status_code
                    if not event.has_body:
                        raise Rejected(status, body)
                elif isinstance(event, RejectData):
                    body += event.data
                    if event.body_finished:
                        raise Rejected(status, body)

    async def _events(self) -> list[Any]:
        data = await self.stream.receive_some(65536)
        self.ws.receive_data(data or None)
        return list(self.ws.events())

    async def recv(self) -> dict[str, Any]:
        """The next JSON object: ``hello``/``ping``, or the next live event of an array
        message (docs/api.md: events arrive as non-empty JSON arrays); raises Closed when the
        server closes."""
        while not self._unread:
            message = await self.recv_message()
            if isinstance(message, list):
                assert message and all(isinstance(e, dict) for e in message), message
                self._unread.extend(message)
            else:
                assert isinstance(message, dict) and message["type"] in ("hello", "ping"), message
                return message
        return self._unread.popleft()

    async def recv_message(self) -> Any:
        """The next websocket message as parsed JSON; raises Closed when the server closes."""
        while True:
            if not self._pending:
                self._pending.extend(await self._events())
                continue
            event = self._pending.popleft()
            if isinstance(event, Ping):
                await self.stream.send_all(self.ws.send(event.response()))
            elif isinstance(event, Message):
                self._text += event.data
                if event.message_finished:
                    text, self._text = self._text, ""
                    self.messages += 1
                    return json.loads(text)
            elif isinstance(event, CloseConnection):
                raise Closed(event.code, event.reason or "")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.stream.send_all(self.ws.send(CloseConnection(code=1000)))
        await self.stream.aclose()
