"""Helpers and fixtures for the API tests: a real API server (hypercorn on 127.0.0.1:0) over
the test's own database, with the real engine and EA gateway behind it.

Nothing is stood in for: the API talks to a real :class:`~copytrade.engine.core.Engine`, and
tests put EAs online by logging them in over TCP (``Link``, ``FollowerSim``) exactly as a
terminal would. Only the security knobs (throttle limits, argon2 cost) are test-sized.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import httpx
import pytest
import trio

from copytrade.api.app import create_app
from copytrade.api.context import ApiContext
from copytrade.api.errors import ERROR_KEYS
from copytrade.api.security import SecurityConfig
from copytrade.api.server import serve_http
from copytrade.config import Settings
from copytrade.db.accounts import AccountRepository
from copytrade.db.database import Database
from copytrade.db.users import UserRepository
from copytrade.engine.core import Engine
from copytrade.engine.events import EventBus
from copytrade.gateway.server import serve_gateway
from copytrade.notify import Notifier
from copytrade.notify.secretbox import SecretBox, new_key
from copytrade.protocol import Error, Message
from copytrade.sim.follower import FollowerSim
from copytrade.sim.link import Link, LinkError

from polling import eventually

PASSWORD = "correct horse battery"
NOWHERE = "http://127.0.0.1:9"  # the discard port: refused at once


async def dropped(link: Link, timeout: float = 5) -> list[Message]:
    """Everything the server sends ``link`` until it hangs up (fails if it never does)."""
    got: list[Message] = []
    with trio.fail_after(timeout):
        while True:
            try:
                got.append(await link.receive())
            except (LinkError, trio.BrokenResourceError, OSError):
                return got


def error_codes(messages: list[Message]) -> list[str]:
    return [m.code.value for m in messages if isinstance(m, Error)]


@attrs.define
class Api:
    """The running server: its base URL, context, engine and EA gateway."""

    url: str
    port: int
    ctx: ApiContext
    engine: Engine
    db: Database
    nursery: trio.Nursery
    stopped: trio.Event

    def client(self, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10, **kw)

    async def user(self, email: str = "alice@example.com", name: str = "Alice",
                   password: str = PASSWORD) -> httpx.AsyncClient:
        """A client logged in (cookie) as a new user, sending X-CSRF on every request."""
        c = self.client(headers={"X-CSRF": "1"})
        r = await c.post("/api/v1/auth/register",
                         json={"email": email, "name": name, "password": password})
        assert r.status_code == 201, r.text
        r = await c.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return c

    async def ea(self, api_key: str, **kw: Any) -> Link:
        """A raw EA connection logged in with ``api_key`` (raises LinkError if refused)."""
        return await Link.connect("127.0.0.1", self.ctx.ea_port, api_key, **kw)

    async def follower_ea(self, api_key: str, **kw: Any) -> FollowerSim:
        """A follower EA simulator, logged in and through its login sync."""
        sim = FollowerSim("127.0.0.1", self.ctx.ea_port, api_key, reconnect=False, **kw)
        await self.nursery.start(sim.run)
        assert sim.link is not None and sim.link.ok is not None
        account_id = sim.link.ok.account_id

        def synced() -> bool:
            live = self.engine.live.get(account_id)
            return live is not None and live.ready

        await eventually(synced)
        return sim

    async def stop(self) -> None:
        """Shut down as the real server does (EAs told, ledger flushed) and wait for it."""
        self.ctx.shutdown.set()
        with trio.fail_after(10):
            await self.stopped.wait()


TEST_SECURITY = SecurityConfig(
    login_per_address=(8, 60.0), login_per_account=(5, 60.0), token_per_address=(6, 60.0),
    register_per_address=(1000, 60.0), email_change_per_user=(5, 3600.0), argon2_time_cost=1,
    argon2_memory_kib=1024, argon2_parallelism=1,
)


async def _engine_and_gateway(
    engine: Engine, settings: Settings, shutdown: trio.Event, stopped: trio.Event,
    *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The engine and the EA gateway, stopped like ``copytrade.app.run_server`` stops them."""
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(engine.run)
            ea_port: int = await nursery.start(serve_gateway, engine, settings)
            task_status.started(ea_port)
            await shutdown.wait()
            await engine.close_all_sessions()
            nursery.cancel_scope.cancel()
    finally:
        stopped.set()


async def start_api(nursery: trio.Nursery, db: Database, *, security: SecurityConfig =
                    TEST_SECURITY, keep_alive_timeout: float = 5,
                    registration: str = "open", ack_timeout: float = 30.0,
                    **settings_kw: Any) -> Api:
    """The API on ``db``; registration ``open`` so that tests can make several users."""
    settings = Settings(**{
        "database_url": db.dsn, "http_host": "127.0.0.1", "http_port": 0,
        "ea_host": "127.0.0.1", "ea_port": 0, "public_host": "ea.example.com",
        "ea_auth_timeout": 2.0, "registration": registration, "ack_timeout": ack_timeout,
        **settings_kw})
    events = EventBus()
    engine = Engine(db=db, events=events, settings=settings)
    shutdown, stopped = trio.Event(), trio.Event()
    ea_port = await nursery.start(_engine_and_gateway, engine, settings, shutdown, stopped)
    ctx = ApiContext(settings=settings, db=db, users=UserRepository(db),
                     accounts=AccountRepository(db), events=events, engine=engine,
                     ea_port=ea_port, shutdown=shutdown,
                     # alert routes work (their senders are not started: nothing goes out)
                     notifier=Notifier(attrs.evolve(settings, telegram_api_url=NOWHERE),
                                       db, SecretBox.from_key(new_key())))
    app = create_app(ctx, security=security)
    port = await nursery.start(
        lambda task_status: serve_http(app, settings, ctx.shutdown,
                                       keep_alive_timeout=keep_alive_timeout,
                                       task_status=task_status))
    return Api(url=f"http://127.0.0.1:{port}", port=port, ctx=ctx, engine=engine, db=db,
               nursery=nursery, stopped=stopped)


@pytest.fixture
async def api(db: Database, nursery: trio.Nursery) -> AsyncIterator[Api]:
    server = await start_api(nursery, db)
    yield server
    await server.stop()


@pytest.fixture
async def alice(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    c = await api.user("alice@example.com", "Alice")
    yield c
    await c.aclose()


@pytest.fixture
async def bob(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    c = await api.user("bob@example.com", "Bob")
    yield c
    await c.aclose()


def error_of(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == ERROR_KEYS, body
    return body["error"]  # type: ignore[no-any-return]
