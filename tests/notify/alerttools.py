"""Helpers of the alert tests: the whole server with alert settings sized for tests, the
loopback stand-ins (fakes.py) and a logged-in API client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import httpx
import trio

from copytrade.app import RunningServer, run_server
from copytrade.config import Settings

from fakes import FakeLine, FakeTelegram, HttpServer, WebhookReceiver
from polling import eventually

SERVER_BOT = "111111:server-bot-token-AAAAAAAAAAAAAAAAAAAA"
OWN_BOT = "222222:own-bot-token-BBBBBBBBBBBBBBBBBBBBBBB"
LINE_TOKEN = "line-channel-access-token-0123456789abcdef"
LINE_SECRET = "0123456789abcdef0123456789abcdef"
PASSWORD = "correct horse battery"


async def api_until(c: httpx.AsyncClient, path: str, match: Callable[[Any], bool],
                    timeout: float = 10) -> Any:
    async def get() -> Any:
        r = await c.get(path)
        assert r.status_code == 200, r.text
        return r.json()

    return await eventually(get, match, timeout=timeout, interval=0.05, what=f"GET {path}")


@attrs.define
class AlertWorld:
    server: RunningServer
    telegram: FakeTelegram
    line: FakeLine
    tg_http: HttpServer
    line_http: HttpServer
    nursery: trio.Nursery

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.http_port}"

    async def user(self, email: str = "somchai@example.com") -> httpx.AsyncClient:
        c = httpx.AsyncClient(base_url=self.url, timeout=10, headers={"X-CSRF": "1"})
        r = await c.post("/api/v1/auth/register",
                         json={"email": email, "name": "Somchai", "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return c

    async def telegram_channel(self, c: httpx.AsyncClient, chat_id: int = 5001,
                               **fields: Any) -> dict[str, Any]:
        """A Telegram channel on the server bot, linked through /start <code>."""
        r = await c.post("/api/v1/alerts/channels",
                         json={"kind": "telegram", "name": "My Telegram", **fields})
        assert r.status_code == 201, r.text
        channel = r.json()["channel"]
        r = await c.post(f"/api/v1/alerts/channels/{channel['id']}/link")
        assert r.status_code == 200, r.text
        link = r.json()
        bot = channel["bot_username"]
        assert link["deep_link"] == f"https://t.me/{bot}?start={link['code']}"
        token = SERVER_BOT if channel["via"] == "server" else OWN_BOT
        self.telegram.push_update(token, f"/start {link['code']}", chat_id)
        body = await api_until(c, f"/api/v1/alerts/channels/{channel['id']}",
                               lambda b: b["channel"]["linked"])
        # the link confirmation is not an alert: forget it
        await eventually(lambda: any(m["chat_id"] == chat_id for m in self.telegram.sent))
        self.telegram.sent.clear()
        return body["channel"]  # type: ignore[no-any-return]


def alert_settings(db_url: str, data_dir: Any, tg: str, line: str, **over: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=db_url, data_dir=data_dir, http_port=0, ea_port=0, ea_auth_timeout=2.0,
        ea_idle_timeout=5.0, telegram_api_url=tg, telegram_bot_token=SERVER_BOT,
        line_api_url=line, alert_offline_grace=0.8, alert_group_window=0.4,
        alert_poll_interval=0.05, alert_backoff=0.1, alert_max_attempts=3,
        alert_http_timeout=3.0, alert_link_poll=1, alert_allow_private_urls=True,
        registration="open")
    values.update(over)
    return Settings(**values)


async def start_world(nursery: trio.Nursery, db_url: str, data_dir: Any,
                      **over: Any) -> AlertWorld:
    telegram = FakeTelegram(tokens={SERVER_BOT: "copytrade_bot", OWN_BOT: "my_own_bot"})
    line = FakeLine(token=LINE_TOKEN)
    tg_http, line_http = HttpServer(telegram.handle), HttpServer(line.handle)
    await nursery.start(tg_http.run)
    await nursery.start(line_http.run)
    settings = alert_settings(db_url, data_dir, tg_http.url, line_http.url, **over)
    server: RunningServer = await nursery.start(
        lambda task_status: run_server(settings, task_status=task_status))
    return AlertWorld(server, telegram, line, tg_http, line_http, nursery)


def webhook_server(secret: str) -> tuple[WebhookReceiver, HttpServer]:
    receiver = WebhookReceiver(secret=secret)
    return receiver, HttpServer(receiver.handle)
