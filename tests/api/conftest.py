"""A real API server (hypercorn on 127.0.0.1:0) over the test's own database, plus helpers.

The engine is a small stand-in implementing ``EngineControl`` that records what the API asked
of it; everything else (database, HTTP server, cookies, websockets) is real.
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
from copytrade.api.security import SecurityConfig
from copytrade.api.server import serve_http
from copytrade.config import Settings
from copytrade.db.accounts import AccountRepository
from copytrade.db.database import Database
from copytrade.db.users import UserRepository
from copytrade.engine.events import EventBus

PASSWORD = "correct horse battery"


@attrs.define
class FakeEngine:
    """Records the API's calls; ``online`` and ``metric_values`` are set by tests."""

    online: set[int] = attrs.field(factory=set)
    changed: list[int] = attrs.field(factory=list)
    disconnected: list[tuple[int, str]] = attrs.field(factory=list)
    metric_values: dict[str, Any] = attrs.field(factory=lambda: {
        "ea_connected": {"master": 1, "follower": 2},
        "signals_total": 7,
        "commands_total": 12,
        "copy_latency_seconds": {"buckets": [[0.005, 3], [0.05, 9]], "sum": 0.12, "count": 10},
    })

    def is_online(self, account_id: int) -> bool:
        return account_id in self.online

    async def account_changed(self, account_id: int) -> None:
        self.changed.append(account_id)

    async def disconnect(self, account_id: int, code: str) -> None:
        self.disconnected.append((account_id, code))

    def metrics(self) -> dict[str, Any]:
        return self.metric_values


@attrs.define
class Api:
    """The running server: its base URL, context and fake engine."""

    url: str
    port: int
    ctx: ApiContext
    engine: FakeEngine
    db: Database

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


TEST_SECURITY = SecurityConfig(
    login_per_address=(8, 60.0), login_per_account=(5, 60.0), token_per_address=(6, 60.0),
    register_per_address=(1000, 60.0), argon2_time_cost=1, argon2_memory_kib=1024,
    argon2_parallelism=1,
)


async def start_api(nursery: trio.Nursery, db: Database, *, security: SecurityConfig =
                    TEST_SECURITY, keep_alive_timeout: float = 5) -> Api:
    settings = Settings(http_host="127.0.0.1", http_port=0, public_host="ea.example.com")
    engine = FakeEngine()
    ctx = ApiContext(settings=settings, db=db, users=UserRepository(db),
                     accounts=AccountRepository(db), events=EventBus(), engine=engine,
                     ea_port=5555, shutdown=trio.Event())
    app = create_app(ctx, security=security)
    port = await nursery.start(
        lambda task_status: serve_http(app, settings, ctx.shutdown,
                                       keep_alive_timeout=keep_alive_timeout,
                                       task_status=task_status))
    return Api(url=f"http://127.0.0.1:{port}", port=port, ctx=ctx, engine=engine, db=db)


@pytest.fixture
async def api(db: Database, nursery: trio.Nursery) -> AsyncIterator[Api]:
    server = await start_api(nursery, db)
    yield server
    server.ctx.shutdown.set()


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
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]  # type: ignore[no-any-return]
