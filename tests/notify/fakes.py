"""Loopback stand-ins for the services alerts talk to: a tiny HTTP/1.1 server (h11 on trio
sockets) with handlers that check the documented request shapes of the Telegram Bot API, the
LINE Messaging API and a signed-webhook receiver. Each records what it received."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import h11
import trio


@attrs.define
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Request], Awaitable[tuple[int, dict[str, str], bytes]]]


@attrs.define
class HttpServer:
    handler: Handler
    port: int = 0
    requests: list[Request] = attrs.field(factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(self.port, host="127.0.0.1")
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(self._serve, listeners)

    async def _serve(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                method = path = ""
                headers: dict[str, str] = {}
                body = b""
                while True:
                    event = conn.next_event()
                    if event is h11.NEED_DATA:
                        data = await stream.receive_some(65536)
                        if not data:
                            return
                        conn.receive_data(data)
                    elif isinstance(event, h11.Request):
                        method, path = event.method.decode(), event.target.decode()
                        headers = {k.decode().lower(): v.decode() for k, v in event.headers}
                    elif isinstance(event, h11.Data):
                        body += bytes(event.data)
                    elif isinstance(event, h11.EndOfMessage):
                        break
                    elif isinstance(event, h11.ConnectionClosed):
                        return
                req = Request(method, path, headers, body)
                self.requests.append(req)
                status, out_headers, out = await self.handler(req)
                hdrs = [("content-length", str(len(out))), *out_headers.items()]
                await stream.send_all(conn.send(h11.Response(status_code=status, headers=hdrs)))
                await stream.send_all(conn.send(h11.Data(data=out)) or b"")
                await stream.send_all(conn.send(h11.EndOfMessage()) or b"")
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (trio.BrokenResourceError, h11.RemoteProtocolError, h11.LocalProtocolError):
            return
        finally:
            await stream.aclose()


def _json(status: int, value: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(value).encode()


@attrs.define
class FakeTelegram:
    """The Bot API for one or more tokens: getMe, getUpdates (a queue), sendMessage."""

    tokens: dict[str, str]
    """token → bot username."""
    updates: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    sent: list[dict[str, Any]] = attrs.field(factory=list)
    fail_with: int | None = None
    flood_wait: int = 0
    """Answer the next sendMessage 429 with ``parameters.retry_after`` = this (then 0 again)."""
    send_attempts: list[tuple[float, int]] = attrs.field(factory=list)
    """(trio time, status answered) of every sendMessage call."""
    problems: list[str] = attrs.field(factory=list)
    _new_update: trio.Event = attrs.field(factory=trio.Event)
    _next_id: int = 1000

    def push_update(self, token: str, text: str, chat_id: int) -> None:
        self._next_id += 1
        self.updates.setdefault(token, []).append({
            "update_id": self._next_id,
            "message": {"message_id": self._next_id, "date": 0, "text": text,
                        "chat": {"id": chat_id, "type": "private", "first_name": "Somchai"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Somchai"}}})
        self._new_update.set()

    async def handle(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        parts = req.path.split("/")
        if len(parts) != 3 or not parts[1].startswith("bot"):
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = parts[1][3:], parts[2]
        if req.method != "POST" or not req.headers.get("content-type", "").startswith(
                "application/json"):
            self.problems.append(f"{req.method} {method} {req.headers.get('content-type')}")
        if token not in self.tokens:
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        body = req.json() if req.body else {}
        if method == "getMe":
            return _json(200, {"ok": True, "result": {"id": 1, "is_bot": True,
                                                       "first_name": "Bot",
                                                       "username": self.tokens[token]}})
        if method == "getUpdates":
            offset = body.get("offset", 0)
            with trio.move_on_after(min(float(body.get("timeout", 0)), 2.0)):
                while not [u for u in self.updates.get(token, []) if u["update_id"] >= offset]:
                    self._new_update = trio.Event()
                    await self._new_update.wait()
            return _json(200, {"ok": True, "result": [
                u for u in self.updates.get(token, []) if u["update_id"] >= offset]})
        if method == "sendMessage":
            if not isinstance(body.get("chat_id"), int | str) or not isinstance(
                    body.get("text"), str) or not body["text"]:
                self.problems.append(f"bad sendMessage body {body}")
                return _json(400, {"ok": False, "error_code": 400,
                                   "description": "Bad Request: message text is empty"})
            if self.flood_wait:
                wait, self.flood_wait = self.flood_wait, 0
                self.send_attempts.append((trio.current_time(), 429))
                return _json(429, {"ok": False, "error_code": 429,
                                   "description": f"Too Many Requests: retry after {wait}",
                                   "parameters": {"retry_after": wait}})
            if self.fail_with is not None:
                self.send_attempts.append((trio.current_time(), self.fail_with))
                return _json(self.fail_with, {"ok": False, "error_code": self.fail_with,
                                              "description": "Internal Server Error"})
            self.send_attempts.append((trio.current_time(), 200))
            self.sent.append({"token": token, **body})
            return _json(200, {"ok": True, "result": {"message_id": len(self.sent)}})
        return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})


@attrs.define
class FakeLine:
    """The Messaging API push and reply endpoints: checks Bearer token, retry key and the JSON
    body."""

    token: str
    pushed: list[dict[str, Any]] = attrs.field(factory=list)
    replied: list[dict[str, Any]] = attrs.field(factory=list)
    retry_keys: set[str] = attrs.field(factory=set)
    problems: list[str] = attrs.field(factory=list)

    async def handle(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        if req.method != "POST" or req.path not in ("/v2/bot/message/push",
                                                    "/v2/bot/message/reply"):
            return _json(404, {"message": "Not found"})
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"message": "Authentication failed due to the expired access "
                                          "token"})
        if req.path == "/v2/bot/message/reply":
            body = req.json()
            messages = body.get("messages")
            if not isinstance(body.get("replyToken"), str) or not isinstance(messages, list) \
                    or not 1 <= len(messages) <= 5 or set(body) != {"replyToken", "messages"} \
                    or any(m.get("type") != "text" or not m.get("text") for m in messages):
                self.problems.append(f"bad reply body {body}")
                return _json(400, {"message": "The request body has 1 error(s)"})
            self.replied.append(body)
            return _json(200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]})
        if not req.headers.get("content-type", "").startswith("application/json"):
            self.problems.append("content-type")
        key = req.headers.get("x-line-retry-key", "")
        if len(key) != 36:
            self.problems.append(f"retry key {key!r}")
        body = req.json()
        messages = body.get("messages")
        if not isinstance(body.get("to"), str) or not isinstance(messages, list) \
                or not 1 <= len(messages) <= 5 or any(
                    m.get("type") != "text" or not m.get("text") for m in messages):
            self.problems.append(f"bad push body {body}")
            return _json(400, {"message": "The request body has 1 error(s)"})
        if key in self.retry_keys:
            return 409, {"x-line-accepted-request-id": "abc"}, b'{"message":"already accepted"}'
        self.retry_keys.add(key)
        self.pushed.append(body)
        return _json(200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})


@attrs.define
class WebhookReceiver:
    """A receiver that verifies the signature and dedupes by Idempotency-Key."""

    secret: str
    status: int = 200
    by_key: dict[str, int] = attrs.field(factory=dict)
    bodies: list[dict[str, Any]] = attrs.field(factory=list)
    bad_signatures: int = 0
    hold: trio.Event | None = None

    async def handle(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        ts = req.headers.get("x-copytrade-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), ts.encode() + b"." + req.body,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, req.headers.get("x-copytrade-signature", "")):
            self.bad_signatures += 1
            return 401, {}, b"bad signature"
        if self.status != 200:
            return self.status, {}, b"nope"
        key = req.headers["idempotency-key"]
        self.by_key[key] = self.by_key.get(key, 0) + 1
        self.bodies.append(req.json())
        if self.hold is not None:
            await self.hold.wait()
        return 200, {}, b"ok"

    @property
    def unique(self) -> int:
        return len(self.by_key)
