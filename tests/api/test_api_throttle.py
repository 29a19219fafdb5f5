"""Failed-login limits per email+address, per email and per address (a NAT-friendly address
allowance), and X-Forwarded-For from trusted proxies only. Clients connect from different
loopback addresses (127.0.0.x) to tell addresses apart for real."""

from __future__ import annotations

import socket

import httpx
import pytest
import trio

from copytrade.api.security import SecurityConfig
from copytrade.config import ConfigError, load_settings
from copytrade.db.database import Database

from apitools import PASSWORD, Api, start_api

SECURITY = SecurityConfig(
    login_per_account_address=(3, 60.0), login_per_account=(6, 60.0), login_per_address=(10, 60.0),
    token_per_address=(50, 60.0), register_per_address=(1000, 60.0), argon2_time_cost=1,
    argon2_memory_kib=1024, argon2_parallelism=1)


def client_from(api: Api, address: str, **kw: object) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=api.url, timeout=10, transport=transport,
                             headers={"X-CSRF": "1", **kw.pop("headers", {})},  # type: ignore[dict-item]
                             **kw)  # type: ignore[arg-type]


async def login(c: httpx.AsyncClient, email: str, password: str = PASSWORD) -> int:
    r = await c.post("/api/v1/auth/login", json={"email": email, "password": password})
    return r.status_code


@pytest.fixture
async def room(db: Database, nursery: trio.Nursery) -> Api:
    api = await start_api(nursery, db, security=SECURITY)
    for name in ("alice", "bob", "carol"):
        await (await api.user(f"{name}@example.com")).aclose()
    return api


async def test_one_guesser_locks_only_their_own_pair(room: Api) -> None:
    async with client_from(room, "127.0.0.2") as guesser, \
            client_from(room, "127.0.0.3") as owner:
        for _ in range(3):
            assert await login(guesser, "alice@example.com", "wrong-password") == 401
        assert await login(guesser, "alice@example.com") == 429  # even the right password
        assert await login(owner, "alice@example.com") == 200  # alice elsewhere: fine
        assert await login(guesser, "bob@example.com") == 200  # others behind that address too
    await room.stop()


async def test_a_trading_room_behind_one_address_is_not_locked_out(room: Api) -> None:
    async with client_from(room, "127.0.0.4") as nat:
        # several traders mistype once or twice: more failures than one email may have
        for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
            for _ in range(2):
                assert await login(nat, email, "wrong-password") == 401
        for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
            assert await login(nat, email) == 200
        # ...but a flood of failures from one address, over any emails, is stopped (10 in all)
        for i in range(4):
            assert await login(nat, f"nobody{i}@example.com", "wrong-password") == 401
        assert await login(nat, "alice@example.com") == 429
    await room.stop()


async def test_a_spread_out_attack_on_one_email_is_stopped(room: Api) -> None:
    for n in (5, 6):
        async with client_from(room, f"127.0.0.{n}") as c:
            for _ in range(3):
                assert await login(c, "carol@example.com", "wrong-password") == 401
    async with client_from(room, "127.0.0.7") as c:
        r = await c.post("/api/v1/auth/login",
                         json={"email": "carol@example.com", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    await room.stop()


async def test_forwarded_for_is_believed_only_from_trusted_proxies(
        db: Database, nursery: trio.Nursery) -> None:
    api = await start_api(nursery, db, security=SECURITY, trusted_proxies=("127.0.0.8/32",))
    await (await api.user("alice@example.com")).aclose()
    async with client_from(api, "127.0.0.8") as proxy:
        for _ in range(3):
            r = await proxy.post("/api/v1/auth/login",
                                 headers={"X-Forwarded-For": "203.0.113.9"},
                                 json={"email": "alice@example.com", "password": "wrong-pass"})
            assert r.status_code == 401
        r = await proxy.post("/api/v1/auth/login", headers={"X-Forwarded-For": "203.0.113.9"},
                             json={"email": "alice@example.com", "password": PASSWORD})
        assert r.status_code == 429  # that client is throttled...
        r = await proxy.post("/api/v1/auth/login",  # a spoofed first hop is not believed
                             headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"},
                             json={"email": "alice@example.com", "password": PASSWORD})
        assert r.status_code == 429
        r = await proxy.post("/api/v1/auth/login", headers={"X-Forwarded-For": "203.0.113.10"},
                             json={"email": "alice@example.com", "password": PASSWORD})
        assert r.status_code == 200  # ...another client behind the same proxy is not
    async with client_from(api, "127.0.0.9") as direct:  # not a proxy: its header is ignored
        for _ in range(3):
            r = await direct.post("/api/v1/auth/login",
                                  headers={"X-Forwarded-For": f"192.0.2.{_}"},
                                  json={"email": "alice@example.com", "password": "wrong-pass"})
            assert r.status_code == 401
        assert await login(direct, "alice@example.com") == 429
    await api.stop()


def test_trusted_proxies_setting_is_validated() -> None:
    s = load_settings(environ={"COPYTRADE_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    assert s.trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8")
    with pytest.raises(ConfigError, match="COPYTRADE_TRUSTED_PROXIES"):
        load_settings(environ={"COPYTRADE_TRUSTED_PROXIES": "caddy"})


# ---- /metrics access (the same multi-address clients) --------------------------------------

async def test_metrics_loopback_only_without_a_token(db: Database, nursery: trio.Nursery) -> None:
    api = await start_api(nursery, db, http_host="0.0.0.0")
    async with api.client() as local:
        assert (await local.get("/metrics")).status_code == 200
        r = await local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.1"})
        assert r.status_code == 403 and "COPYTRADE_METRICS_TOKEN" in r.text  # via a proxy
    # from this machine's own non-loopback address: what a remote scraper looks like
    address = own_address()
    async with httpx.AsyncClient(base_url=f"http://{address}:{api.port}", timeout=10) as remote:
        r = await remote.get("/metrics")
        assert r.status_code == 403, r.text
        assert (await remote.get("/healthz")).status_code == 200  # the port itself is open
    await api.stop()


def own_address() -> str:
    """A non-loopback address of this machine (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.254", 9))
        address = str(s.getsockname()[0])
    assert not address.startswith("127."), "no non-loopback IPv4 address on this machine"
    return address


async def test_metrics_with_a_token(db: Database, nursery: trio.Nursery) -> None:
    token = "m" * 24
    api = await start_api(nursery, db, metrics_token=token)
    async with api.client() as c:
        r = await c.get("/metrics")
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        for bad in ("Bearer wrong-token-wrong-token", f"Basic {token}", "Bearer", token):
            assert (await c.get("/metrics", headers={"Authorization": bad})).status_code == 401
        r = await c.get("/metrics", headers={"Authorization": f"Bearer {token}",
                                             "X-Forwarded-For": "203.0.113.1"})
        assert r.status_code == 200 and "copytrade_signals_total" in r.text
    await api.stop()


@pytest.mark.parametrize("raw", ["short", "has a space in it ok", "x" * 15])
def test_metrics_token_setting_is_validated(raw: str) -> None:
    with pytest.raises(ConfigError, match="COPYTRADE_METRICS_TOKEN"):
        load_settings(environ={"COPYTRADE_METRICS_TOKEN": raw})
