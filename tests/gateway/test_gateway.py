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


async def _try(port: int, key: str, source: str = "127.0.0.1") -> str:
    stream = await trio.open_tcp_stream("127.0.0.1", port, local_address=source)
    raw = Raw(stream)
    await raw.send(await auth_line(key))
    (first,) = await raw.read_lines(1)
    await stream.aclose()
    verb, rest = first.split("|", 1)
    return verb if verb == "OK" else rest.split("|")[0]


@pytest.fixture
def server_settings(server_settings):
    # A low address allowance, so the test reaches it with few logins.
    return attrs.evolve(server_settings, ea_login_failures_per_key=5,
                        ea_login_failures_per_address=8)


async def test_bad_key_is_throttled_per_key_and_the_address_later(server):
    """One EA with a wrong key behind a NAT locks out only itself, until the address's
    (higher) allowance is used up; the key's count holds from every address."""
    port = server.ea_port
    good = await make_account(server)
    assert [await _try(port, "sk_live_wrongwrongwrong") for _ in range(6)] == \
        ["AUTH_FAILED"] * 5 + ["THROTTLED"]
    # The same wrong key from another address of the machine: refused per key.
    assert await _try(port, "sk_live_wrongwrongwrong", source="127.0.0.2") == "THROTTLED"
    # Others behind the same address still log in (the address has 5 of its 8 failures).
    assert await _try(port, good.api_key) == "OK"
    # More wrong keys use up the address's allowance; then every key from it waits ...
    assert [await _try(port, f"sk_live_other{i}xxxxxxxx") for i in range(3)] == \
        ["AUTH_FAILED"] * 3
    assert await _try(port, good.api_key) == "THROTTLED"
    # ... but not from another address.
    assert await _try(port, good.api_key, source="127.0.0.2") == "OK"
    # 8 AUTH_FAILED + 3 THROTTLED.
    assert server.engine.metrics()["auth_failures_total"] == 11


async def test_throttled_reply_says_which_limit():
    from copytrade.throttle import LoginThrottle

    throttle = LoginThrottle(per_key=2, per_address=3, window=60)
    for _ in range(2):
        throttle.fail("k1", "10.0.0.1", now=0)
    assert throttle.blocked("k1", "10.0.0.9", now=1) == \
        "too many failed logins with this API key; wait 60 s"
    assert throttle.blocked("k2", "10.0.0.1", now=1) is None
    throttle.fail("k2", "10.0.0.1", now=1)
    assert throttle.blocked("k3", "10.0.0.1", now=2) == \
        "too many failed logins from this address; wait 60 s"
    throttle.succeed("k1")  # a success clears the key's count, not the address's
    assert throttle.blocked("k1", "10.0.0.2", now=2) is None
    assert throttle.blocked("k1", "10.0.0.1", now=2) is not None
    # The window slides: after 60 s nothing is held.
    assert throttle.blocked("k3", "10.0.0.1", now=61.5) is None


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
    await server.engine.control.rotate_key(created.account.id, created.account.user_id)
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


async def _read_until(raw: Raw, prefix: str, timeout: float = 10) -> list[str]:
    """Lines up to and including the first that starts with ``prefix``."""
    lines: list[str] = []
    with trio.fail_after(timeout):
        while not lines or not lines[-1].startswith(prefix):
            lines += await raw.read_lines(1, timeout)
    return lines


async def test_second_auth_is_malformed_and_keeps_the_connection(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key))
    (ok,) = await raw.read_lines(1)
    assert ok.startswith("OK|master|")
    await raw.send(await auth_line(created.api_key) + b"PING|9\n")
    lines = await _read_until(raw, "PONG|")
    assert "ERR|MALFORMED|already authenticated" in lines
    assert lines[-1] == "PONG|9"  # the connection stays


@pytest.mark.parametrize(("role", "line", "text"), [
    (Role.FOLLOWER, b"CMD_OPEN|BUY|EURUSD|1.1|0.1|0|0|77\n",
     "only a master account sends signals"),
    (Role.MASTER, b"ACK_OPEN|77|5001|0.1|BUY\n", "AckOpen is for follower EAs"),
])
async def test_role_refusal_over_tcp(server, role, line, text):
    created = await make_account(server, role)
    raw = await Raw.connect(server.ea_port)
    await raw.send(await auth_line(created.api_key))
    await _read_until(raw, "OK|")
    await raw.send(line + b"PING|4\n")
    lines = await _read_until(raw, "PONG|")
    assert f"ERR|WRONG_ROLE|{text}" in lines
    assert lines[-1] == "PONG|4"
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 0


async def test_pong_before_auth_is_allowed(server):
    """§5: before OK the EA may send AUTH, PING and PONG."""
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    await raw.send(b"PONG|1\nPING|2\n" + await auth_line(created.api_key))
    pong, ok = await raw.read_lines(2)
    assert pong == "PONG|2" and ok.startswith("OK|master|")
