"""``/api/v1/live``: the user's engine events over a websocket.

Authenticated by the session cookie only, and only when the ``Origin`` (if sent) matches the
``Host`` — a cookie alone would let any web page open the socket (cross-site websocket
hijacking). Sends ``hello`` first, then the :class:`~copytrade.engine.events.Event` s of the
user's own accounts as JSON arrays — every event queued since the last message in one array
(a signal's pair events for hundreds of followers are one message, not one each) — ``ping``
after 20 s of silence, and closes with 1001 on shutdown (the handler must do that itself,
STACK-NOTES trap 2), 1008 when the session ends or the client fell too far behind.

Event data is sent as the engine published it: trades and pairs are already the REST objects
(db/shapes.py), built from the rows the engine wrote; nothing is read again here.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import trio
from quart import Quart, Response, websocket

from ..db.errors import DatabaseUnavailable
from .errors import Forbidden, Unauthorized, error_response
from .routing import state
from .security import COOKIE

PING_INTERVAL = 20.0
GOING_AWAY = 1001
POLICY = 1008
TRY_AGAIN_LATER = 1013


def _same_origin() -> bool:
    origin = websocket.headers.get("Origin")
    if origin is None:
        return True  # not a browser: the cookie is the client's own
    host = websocket.headers.get("Host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


async def live() -> Response | None:
    st = state()
    if not _same_origin():
        return error_response(Forbidden("Cross-origin websocket refused."))
    cookie = websocket.cookies.get(COOKIE)
    found = await st.sessions.resolve(cookie) if cookie and len(cookie) <= 200 else None
    if found is None:
        return error_response(Unauthorized("Log in first."))
    await websocket.accept()
    close: list[tuple[int, str]] = []

    async def send(payload: dict[str, Any] | list[dict[str, Any]]) -> None:
        await websocket.send(json.dumps(payload))

    async with st.ctx.events.subscribe(found.user_id) as events, trio.open_nursery() as nursery:

        async def on_shutdown() -> None:
            await st.ctx.shutdown.wait()
            close.append((GOING_AWAY, "server shutting down"))
            nursery.cancel_scope.cancel()

        async def drain_client() -> None:
            while True:  # the client sends nothing we need; reading notices its close
                await websocket.receive()

        async def pump() -> None:
            try:
                await _pump()
            except DatabaseUnavailable:  # the client reconnects (with backoff) and reloads
                close.append((TRY_AGAIN_LATER, "database unavailable; reconnect"))
            nursery.cancel_scope.cancel()

        async def _pump() -> None:
            await send({"type": "hello", "id": 0})
            while True:
                with trio.move_on_after(PING_INTERVAL) as idle:
                    try:
                        batch = await events.receive_batch()
                    except trio.EndOfChannel:
                        close.append((POLICY, "fell behind; reconnect"))
                        break
                    await send([event.to_json() for event in batch])
                if idle.cancelled_caught:
                    if await st.sessions.resolve(cookie) is None:  # type: ignore[arg-type]
                        close.append((POLICY, "session ended"))
                        break
                    await send({"type": "ping"})

        nursery.start_soon(on_shutdown)
        nursery.start_soon(drain_client)
        nursery.start_soon(pump)
    if close:
        code, reason = close[0]
        with trio.CancelScope(shield=True), trio.move_on_after(2):
            await websocket.close(code, reason)
    return None


def install(app: Quart) -> None:
    app.add_websocket("/api/v1/live", "live", live)
