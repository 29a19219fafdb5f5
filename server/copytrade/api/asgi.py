"""ASGI middleware that works around hypercorn's keep-alive trap on the trio worker.

With quart-trio on hypercorn's trio worker, idle keep-alive connections never close and
``Connection: close`` is ignored (pgjones/hypercorn#330, STACK-NOTES trap 1): the ``send`` of
the response is cancelled half-way when the request task ends. Running every ``send`` of an
``http`` scope inside a shielded cancel scope lets hypercorn finish the response and then
honour keep-alive timeouts and ``Connection: close``. Websocket scopes are left alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import trio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ShieldHttpSend:
    """Wrap an ASGI app so that HTTP response sends cannot be cancelled mid-way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def shielded_send(message: Message) -> None:
            with trio.CancelScope(shield=True):
                await send(message)

        await self.app(scope, receive, shielded_send)
