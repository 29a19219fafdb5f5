"""The EA gateway's limits and errors, over real TCP: bad input gets an error and changes
nothing; silent, unauthenticated and abusive connections are dropped within the limits."""

from __future__ import annotations

import ssl
import subprocess

import attrs
import pytest
import trio

from copytrade.app import run_server
from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role
from copytrade.protocol import LineBuffer, Ping, Pong
from copytrade.sim.link import Link, LinkError

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


class Raw:
    """A bare TCP client that reads what the server says until it hangs up."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buffer = LineBuffer()

    @classmethod
    async def connect(cls, port: int) -> Raw:
        return cls(await trio.open_tcp_stream("127.0.0.1", port))

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def read_until_closed(self, timeout: float = 10) -> list[str]:
        lines: list[str] = []
        with trio.fail_after(timeout):
            while True:
                try:
                    data = await self.stream.receive_some(65536)
                except trio.BrokenResourceError:
                    data = b""
                if not data:
                    return lines
                self.buffer.feed(data)
                while (line := self.buffer.next_line()) is not None:
                    lines.append(line.decode())

    async def read_lines(self, n: int, timeout: float = 5) -> list[str]:
        lines: list[str] = []
        with trio.fail_after(timeout):
            while len(lines) < n:
                while (line := self.buffer.next_line()) is not None:
                    lines.append(line.decode())
                if len(lines) >= n:
                    break
                data = await self.stream.receive_some(65536)
                assert data, f"closed after {lines}"
                self.buffer.feed(data)
        return lines


async def make_account(server, role=Role.MASTER, *, active=True):
    user = await UserRepository(server.db).create(
        email=f"{role.value}{trio.current_time()}@x.com", name="T", hashed_password=HASH)
    repo = AccountRepository(server.db)
    created = await repo.create(user.id, name="A", role=role)
    if not active:
        await repo.update(created.account.id, user.id, is_active=False)
    return created


async def auth_line(key: str, version: int = 1) -> bytes:
    return f"AUTH|{key}|{version}||test\n".encode()


async def test_login_ok_and_ping(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key) + b"PING|5\n")
    ok, pong = await raw.read_lines(2)
    assert ok.startswith(f"OK|master|1|{created.account.id}|")
    assert pong == "PONG|5"


@pytest.mark.parametrize("line", [
    b"CMD_OPEN|BUY|EURUSD|1.1|0.1|0|0|1\n",  # a command before AUTH
    b"HELLO\n",
    b"AUTH|onlythree|1\n",
])
async def test_anything_but_auth_first_is_refused_and_closed(server, line):
    raw = await Raw.connect(server.ea_port)
    await raw.send(line)
    lines = await raw.read_until_closed()
    assert len(lines) == 1 and lines[0].startswith("ERR|NOT_AUTHENTICATED|")
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 0


async def test_bad_key_is_refused_and_logins_are_throttled(server):
    for _ in range(5):
        raw = await Raw.connect(server.ea_port)
        await raw.send(await auth_line("sk_live_wrongwrongwrong"))
        assert (await raw.read_until_closed())[0].startswith("ERR|AUTH_FAILED|")
    # Now even a right key from this address waits: the failures are counted per address.
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key))
    assert (await raw.read_until_closed())[0].startswith("ERR|THROTTLED|")
    assert server.engine.metrics()["auth_failures_total"] == 6


async def test_unsupported_version_and_inactive_account(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key, version=2))
    assert (await raw.read_until_closed())[0].startswith("ERR|VERSION_UNSUPPORTED|")
    inactive = await make_account(server, active=False)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(inactive.api_key))
    assert (await raw.read_until_closed())[0].startswith("ERR|ACCOUNT_INACTIVE|")


async def test_unknown_master_token_is_refused(server):
    created = await make_account(server, Role.FOLLOWER)
    with pytest.raises(LinkError) as exc:
        await Link.connect("127.0.0.1", server.ea_port, created.api_key,
                           master_token="MST-doesnotexist123456")
    assert exc.value.code == "UNKNOWN_MASTER_TOKEN"


async def test_silent_connection_is_dropped_at_the_auth_limit(server, server_settings):
    raw = await Raw.connect(server.ea_port)
    start = trio.current_time()
    lines = await raw.read_until_closed(timeout=server_settings.ea_auth_timeout + 3)
    assert lines == ["ERR|AUTH_TIMEOUT|no AUTH within the time limit"]
    assert trio.current_time() - start >= server_settings.ea_auth_timeout - 0.1


async def test_idle_connection_is_dropped(server, server_settings):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key))
    start = trio.current_time()
    lines = await raw.read_until_closed(timeout=server_settings.ea_idle_timeout + 3)
    assert lines[0].startswith("OK|") and lines[-1].startswith("ERR|IDLE_TIMEOUT|")
    assert trio.current_time() - start >= server_settings.ea_idle_timeout - 0.1
    assert not server.engine.is_online(created.account.id)


async def test_malformed_lines_get_errors_and_change_nothing(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    bad = [
        b"CMD_OPEN|BUY|EURUSD|NaN|0.10|0|0|1\n",
        b"CMD_OPEN|BUY|EURUSD|1.1|-0.10|0|0|1\n",
        b"CMD_OPEN|LONG|EURUSD|1.1|0.10|0|0|1\n",
        b"CMD_OPEN|BUY|EURUSD|1.1|0.10|0|0\n",
        b"CMD_OPEN|BUY|EUR|USD|1.1|0.10|0|0|1\n",
        b"CMD_OPEN|BUY|EURUSD|1e5|0.10|0|0|1\n",
        b"FLY|AWAY\n",
        b"CMD_OPEN|BUY|EUR\xc3\xa9|1.1|0.10|0|0|1\n",
        b"A" * 5000 + b"\n",
    ]
    await raw.send(await auth_line(created.api_key) + b"".join(bad) + b"PING|1\n")
    lines = await raw.read_lines(1 + len(bad) + 1)
    errors = [line.split("|")[1] for line in lines[1:-1]]
    assert errors == ["MALFORMED"] * 6 + ["UNKNOWN_COMMAND", "MALFORMED", "LINE_TOO_LONG"]
    assert lines[-1] == "PONG|1"  # the connection is still usable
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 0


async def test_too_many_errors_in_a_row_close_the_connection(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key) + b"NOPE\n" * 20)
    lines = await raw.read_until_closed()
    assert lines[-1].startswith("ERR|TOO_MANY_ERRORS|")
    assert sum(1 for line in lines if line.startswith("ERR|UNKNOWN_COMMAND")) == 9


async def test_second_login_replaces_the_first(server):
    created = await make_account(server)
    first = await Raw.connect(server.ea_port)
    await first.send(await auth_line(created.api_key))
    await first.read_lines(1)
    second = await Link.connect("127.0.0.1", server.ea_port, created.api_key)
    lines = await first.read_until_closed()
    assert lines[-1].startswith("ERR|REPLACED|")
    assert server.engine.is_online(created.account.id)
    await second.send(Ping(8))
    assert await second.receive() == Pong(8)
    await second.aclose()


async def test_rotated_key_disconnects(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key))
    await raw.read_lines(1)
    await server.engine.disconnect(created.account.id, "KEY_ROTATED")
    assert (await raw.read_until_closed())[-1].startswith("ERR|KEY_ROTATED|")


@pytest.fixture
def tls_files(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    return cert, key


async def test_tls_on_the_ea_port(aio_loop, server_settings, tls_files, nursery):
    cert, key = tls_files
    settings = attrs.evolve(server_settings, tls_cert=cert, tls_key=key)
    running = await nursery.start(lambda task_status: run_server(settings,
                                                                 task_status=task_status))
    created = await make_account(running)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    link = await Link.connect("localhost", running.ea_port, created.api_key, tls=context)
    assert link.ok is not None and link.ok.role == "master"
    await link.send(Ping(3))
    assert await link.receive() == Pong(3)
    with pytest.raises(LinkError):  # plain TCP on a TLS port gets nowhere
        with trio.fail_after(5):
            await Link.connect("127.0.0.1", running.ea_port, created.api_key, timeout=2)
    await link.aclose()
    running.shutdown.set()
