"""PostgreSQL goes away under a running server: each request gets a documented, retryable
error and the server stays up; when PostgreSQL returns, everything works again by itself.

The server runs on a PostgreSQL this test owns (tests/pgserver.py), stopped with
``pg_ctl stop -m immediate`` — not on the session's shared one.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from copytrade.api.errors import ERROR_KEYS
from copytrade.app import run_server
from copytrade.config import Settings
from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role
from copytrade.protocol import LineBuffer, parse_from_server
from pgserver import OwnPostgres, own_postgres

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def own_pg() -> Iterator[OwnPostgres]:
    with own_postgres() as pg:
        yield pg


@pytest.fixture
async def outage_server(own_pg: OwnPostgres, tmp_path: Path, aio_loop: None,
                        nursery: trio.Nursery) -> AsyncIterator[Any]:
    if not own_pg.running():
        await trio.to_thread.run_sync(own_pg.start)
    name = f"outage_{next(_names)}"
    own_pg.psql(f"CREATE DATABASE {name};")
    settings = Settings(database_url=own_pg.url(name), data_dir=tmp_path, http_port=0,
                        ea_port=0, ea_auth_timeout=2.0, ea_idle_timeout=10.0)
    running = await nursery.start(lambda task_status: run_server(
        settings, task_status=task_status))
    yield running
    running.shutdown.set()
    if not own_pg.running():
        await trio.to_thread.run_sync(own_pg.start)


class RawEA:
    """An EA as a bare TCP socket: lines out, lines in."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = LineBuffer()

    @classmethod
    async def connect(cls, port: int) -> RawEA:
        return cls(await trio.open_tcp_stream("127.0.0.1", port))

    async def send(self, line: str) -> None:
        await self.stream.send_all(line.encode() + b"\n")

    async def line(self) -> str | None:
        """The next line, or None once the server closed the connection."""
        with trio.fail_after(5):
            while True:
                got = self.buffer.next_line()
                if got is not None:
                    return bytes(got).decode()
                data = await self.stream.receive_some(65536)
                if not data:
                    return None
                self.buffer.feed(bytes(data))


async def _master_key(running: Any) -> str:
    user = await UserRepository(running.db).create(
        email="m@example.com", name="M", hashed_password=HASH)
    created = await AccountRepository(running.db).create(user.id, name="M", role=Role.MASTER)
    return str(created.api_key)


async def test_database_outage_is_one_requests_problem(
        outage_server: Any, own_pg: OwnPostgres) -> None:
    running = outage_server
    key = await _master_key(running)
    web = f"http://127.0.0.1:{running.http_port}"
    with trio.fail_after(40):
        master = await RawEA.connect(running.ea_port)
        await master.send(f"AUTH|{key}|1||test")
        assert (await master.line() or "").startswith("OK|master|")
        await master.send("CMD_OPEN|BUY|EURUSD|1.1|0.1|0|0|1001")
        assert await master.line() == "STORED|OPEN|1001|0"

        await trio.to_thread.run_sync(own_pg.stop)

        # An EA logging in now: a retryable refusal and a closed connection, not a dead server.
        late = await RawEA.connect(running.ea_port)
        await late.send(f"AUTH|{key}|1||test")
        reply = await late.line()
        assert reply is not None and reply.startswith("ERR|UNAVAILABLE|"), reply
        assert await late.line() is None
        bad = await RawEA.connect(running.ea_port)
        await bad.send("AUTH|x|1||x")  # the repro line
        assert (await bad.line() or "").startswith("ERR|UNAVAILABLE|")

        # A master event: not STORED, the connection stays (the EA resends with backoff).
        await master.send("CMD_OPEN|BUY|EURUSD|1.2|0.1|0|0|1002")
        reply = await master.line()
        assert reply is not None and reply.startswith("ERR|UNAVAILABLE|"), reply
        await master.send("CMD_CLOSE|1001|5001|0.1|1.2|3|0|CLIENT")
        assert (await master.line() or "").startswith("ERR|UNAVAILABLE|")
        await master.send("CMD_ORDER|BUY_LIMIT|EURUSD|1.05|0.1|0|0|2001|0|0")
        assert (await master.line() or "").startswith("ERR|UNAVAILABLE|")
        await master.send("PING|7")
        assert await master.line() == "PONG|7"

        async with httpx.AsyncClient(base_url=web, timeout=5, headers={"X-CSRF": "1"}) as client:
            health = await client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["database"] == "down"
            login = await client.post("/api/v1/auth/login",
                                      json={"email": "m@example.com", "password": "x" * 12})
            assert login.status_code == 503
            body = login.json()
            assert body["error"]["code"] == "unavailable"
            assert set(body["error"]) == ERROR_KEYS
            assert login.headers["Retry-After"] == "2"

            await trio.to_thread.run_sync(own_pg.start)

            # Back by itself: the resent events are stored once each, logins work again.
            await master.send("CMD_OPEN|BUY|EURUSD|1.2|0.1|0|0|1002")
            assert await master.line() == "STORED|OPEN|1002|0"
            await master.send("CMD_CLOSE|1001|5001|0.1|1.2|3|0|CLIENT")
            assert await master.line() == "STORED|CLOSE|1001|5001"
            await master.send("CMD_ORDER|BUY_LIMIT|EURUSD|1.05|0.1|0|0|2001|0|0")
            assert await master.line() == "STORED|ORDER|2001|0"
            again = await RawEA.connect(running.ea_port)
            await again.send(f"AUTH|{key}|1||test")
            assert (await again.line() or "").startswith("OK|master|")
            assert (await client.get("/healthz")).status_code == 200
        rows = await running.db.fetch(
            "SELECT ticket, status FROM master_trades ORDER BY ticket")
        assert [(r["ticket"], r["status"]) for r in rows] == [(1001, "CLOSED"), (1002, "OPEN")]
        assert parse_from_server(b"ERR|UNAVAILABLE|x").code.value == "UNAVAILABLE"  # type: ignore[attr-defined]
