"""``/api/v1/live``: the user's engine events over a websocket.

Authenticated by the session cookie only, and only when the ``Origin`` (if sent) matches the
``Host`` — a cookie alone would let any web page open the socket (cross-site websocket
hijacking). Sends ``hello`` first, then each :class:`~copytrade.engine.events.Event` of the
user's own accounts, ``ping`` after 20 s of silence, and closes with 1001 on shutdown (the
handler must do that itself, STACK-NOTES trap 2), 1008 when the session ends or the client
fell too far behind.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import trio
from quart import Quart, Response, websocket

from ..db.errors import DatabaseUnavailable
from ..db.trade_queries import TradeQueries
from ..engine.events import Event
from .errors import Forbidden, Unauthorized, error_response
from .routing import state
from .security import COOKIE
from .validation import unstructure
from .views import pair_out, trade_out

PING_INTERVAL = 20.0
GOING_AWAY = 1001
POLICY = 1008
TRY_AGAIN_LATER = 1013


async def rest_shaped(trades: TradeQueries, event: Event) -> dict[str, Any]:
    """The event as JSON, with trades and pairs in the same shape as the REST API's.

    The engine publishes raw ledger rows (it knows nothing of the API); a dashboard wants the
    objects it already lists, so they are read again here — one query per event, and only for
    users who have a live page open.
    """
    payload = event.to_json()
    object_id = event.data.get("id")
    if isinstance(object_id, int):
        if event.type == "pair.status":
            row = await trades.pair(object_id)
            if row is not None:
                payload["data"] = unstructure(pair_out(row))
        elif event.type.startswith("trade."):
            row = await trades.trade(object_id)
            if row is not None:
                payload["data"] = unstructure(trade_out(row))
    return payload


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

    async def send(payload: dict[str, Any]) -> None:
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
                        event = await events.receive()
                    except trio.EndOfChannel:
                        close.append((POLICY, "fell behind; reconnect"))
                        break
                    await send(await rest_shaped(st.trades, event))
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
