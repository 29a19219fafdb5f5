"""Server plumbing: keep-alive regression (STACK-NOTES trap 1), /metrics, /healthz,
connection info, the OpenAPI document and its human page."""

from __future__ import annotations

from decimal import Decimal

import pytest
import trio

from copytrade.domain.models import Side
from copytrade.sim.link import Link, LinkError
from copytrade.sim.master import MasterSim

from apitools import Api, error_of, eventually, start_api


async def _read_until_closed(stream: trio.SocketStream) -> bytes:
    data = b""
    while chunk := await stream.receive_some(65536):
        data += chunk
    return data


async def test_keep_alive_connections_close(db, nursery) -> None:
    server = await start_api(nursery, db, keep_alive_timeout=1)
    request = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
    with trio.fail_after(10):
        # idle keep-alive connections are closed after keep_alive_timeout
        streams = [await trio.open_tcp_stream("127.0.0.1", server.port) for _ in range(5)]
        for s in streams:
            await s.send_all(request)
        started = trio.current_time()
        for s in streams:
            data = await _read_until_closed(s)
            assert data.startswith(b"HTTP/1.1 200") and b'"database"' in data
        assert trio.current_time() - started < 5
        # Connection: close is honoured at once
        s = await trio.open_tcp_stream("127.0.0.1", server.port)
        await s.send_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        with trio.fail_after(0.9):
            data = await _read_until_closed(s)
        assert data.startswith(b"HTTP/1.1 200")
    server.ctx.shutdown.set()


async def test_healthz_and_metrics(api: Api, alice) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    r = await alice.put(f"/api/v1/accounts/{f['account']['id']}/following",
                        json={"master_token": m["account"]["master_token"]})
    assert r.status_code == 200
    # one refused EA login, one master and one follower connected, one trade copied
    with pytest.raises(LinkError):
        await api.ea("sk_live_not-a-key")
    master = MasterSim("127.0.0.1", api.ctx.ea_port, m["api_key"], reconnect=False)
    await api.nursery.start(master.run)
    follower = await api.follower_ea(f["api_key"])
    ticket = await master.open("EURUSD", Side.BUY, Decimal("0.10"))
    await master.wait_stored()
    await follower.wait_for(lambda: ticket in follower.positions)
    await eventually(lambda: api.engine.counters.copy_latency_seconds.n == 1)
    async with api.client() as c:
        assert (await c.get("/healthz")).json() == {"status": "ok", "database": "ok"}
        r = await c.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        lines = set(r.text.splitlines())
        assert "# TYPE copytrade_ea_connected gauge" in lines
        assert 'copytrade_ea_connected{kind="master"} 1' in lines
        assert 'copytrade_ea_connected{kind="follower"} 1' in lines
        assert "# TYPE copytrade_auth_failures_total counter" in lines
        assert "copytrade_auth_failures_total 1" in lines
        assert "# TYPE copytrade_signals_total counter" in lines
        assert "copytrade_signals_total 1" in lines and "copytrade_commands_total 1" in lines
        assert "copytrade_acks_total 1" in lines and "copytrade_nacks_total 0" in lines
        assert "# TYPE copytrade_copy_latency_seconds histogram" in lines
        assert 'copytrade_copy_latency_seconds_bucket{le="5.0"} 1' in lines
        assert 'copytrade_copy_latency_seconds_bucket{le="+Inf"} 1' in lines
        assert "copytrade_copy_latency_seconds_count 1" in lines
        total = next(x for x in lines if x.startswith("copytrade_copy_latency_seconds_sum "))
        latency = float(total.split()[1])
        assert 0 < latency < 5
        # the histogram is cumulative: counts never fall as the bound grows
        counts = [int(x.rsplit(" ", 1)[1]) for x in r.text.splitlines()
                  if x.startswith("copytrade_copy_latency_seconds_bucket")]
        assert counts == sorted(counts) and counts[-1] == 1
    # the EAs going away shows at once
    master.stop()
    follower.stop()
    await eventually(lambda: not api.engine.sessions)
    async with api.client() as c:
        text = (await c.get("/metrics")).text
        assert 'copytrade_ea_connected{kind="master"} 0' in text
        assert 'copytrade_ea_connected{kind="follower"} 0' in text


async def test_connection_info(api: Api, alice) -> None:
    r = await alice.get("/api/v1/connection-info")
    assert r.json() == {"ea_host": "ea.example.com", "ea_port": api.ctx.ea_port, "tls": False}
    # the port shown is where the EA gateway really listens
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    link = await Link.connect("127.0.0.1", r.json()["ea_port"], m["api_key"])
    assert link.ok is not None and link.ok.account_id == m["account"]["id"]
    await link.aclose()
    async with api.client() as anon:
        r = await anon.get("/api/v1/connection-info")
        assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"


async def test_openapi_document_and_page(api: Api) -> None:
    async with api.client() as c:
        doc = (await c.get("/api/v1/openapi.json")).json()
        assert doc["openapi"].startswith("3.1")
        paths = doc["paths"]
        expected = {
            ("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/login"),
            ("post", "/api/v1/auth/logout"), ("get", "/api/v1/me"), ("patch", "/api/v1/me"),
            ("post", "/api/v1/me/password"), ("get", "/api/v1/tokens"),
            ("post", "/api/v1/tokens"), ("delete", "/api/v1/tokens/{token_id}"),
            ("get", "/api/v1/accounts"), ("post", "/api/v1/accounts"),
            ("get", "/api/v1/accounts/{account_id}"),
            ("patch", "/api/v1/accounts/{account_id}"),
            ("delete", "/api/v1/accounts/{account_id}"),
            ("post", "/api/v1/accounts/{account_id}/rotate-key"),
            ("put", "/api/v1/accounts/{account_id}/copy-mode"),
            ("put", "/api/v1/accounts/{account_id}/partner"),
            ("put", "/api/v1/accounts/{account_id}/following"),
            ("delete", "/api/v1/accounts/{account_id}/following"),
            ("get", "/api/v1/accounts/{account_id}/rules"),
            ("put", "/api/v1/accounts/{account_id}/rules"),
            ("get", "/api/v1/accounts/{account_id}/followers"),
            ("delete", "/api/v1/accounts/{account_id}/followers/{follower_id}"),
            ("get", "/api/v1/accounts/{account_id}/removed-followers"),
            ("delete", "/api/v1/accounts/{account_id}/removed-followers/{follower_id}"),
            ("put", "/api/v1/accounts/{account_id}/approve-followers"),
            ("get", "/api/v1/accounts/{account_id}/pending-followers"),
            ("post", "/api/v1/accounts/{account_id}/pending-followers/{follower_id}/approve"),
            ("post", "/api/v1/accounts/{account_id}/pending-followers/{follower_id}/refuse"),
            ("get", "/api/v1/accounts/{account_id}/trades"),
            ("get", "/api/v1/accounts/{account_id}/pairs"),
            ("get", "/api/v1/accounts/{account_id}/active"),
            ("get", "/api/v1/accounts/{account_id}/orders"),
            ("get", "/api/v1/accounts/{account_id}/stats"),
            ("get", "/api/v1/accounts/{account_id}/profit-series"),
            ("get", "/api/v1/risk/presets"), ("get", "/api/v1/accounts/{account_id}/risk"),
            ("put", "/api/v1/accounts/{account_id}/risk/limits"),
            ("post", "/api/v1/accounts/{account_id}/risk/control"),
            ("get", "/api/v1/accounts/{account_id}/risk/trips"),
            ("post", "/api/v1/accounts/{account_id}/risk/trips/{trip_id}/reset"),
            ("get", "/api/v1/accounts/{account_id}/history"),
            ("get", "/api/v1/accounts/{account_id}/history.csv"),
            ("get", "/api/v1/accounts/{account_id}/performance"),
            ("get", "/api/v1/accounts/{account_id}/equity"),
            ("get", "/api/v1/accounts/{account_id}/audit"),
            ("get", "/api/v1/connection-info"),
            ("get", "/api/v1/auth/registration"), ("get", "/api/v1/admin/users"),
            ("post", "/api/v1/admin/users/{user_id}/disable"),
            ("post", "/api/v1/admin/users/{user_id}/enable"),
            ("delete", "/api/v1/admin/users/{user_id}/sessions"),
            ("get", "/api/v1/admin/invites"), ("post", "/api/v1/admin/invites"),
            ("delete", "/api/v1/admin/invites/{invite_id}"),
            ("post", "/api/v1/accounts/{account_id}/rotate-master-token"),
            # alerts (the LINE webhook is LINE's, signed, outside the documented API)
            ("get", "/api/v1/alerts/channels"), ("post", "/api/v1/alerts/channels"),
            ("get", "/api/v1/alerts/channels/{channel_id}"),
            ("patch", "/api/v1/alerts/channels/{channel_id}"),
            ("delete", "/api/v1/alerts/channels/{channel_id}"),
            ("post", "/api/v1/alerts/channels/{channel_id}/link"),
            ("post", "/api/v1/alerts/channels/{channel_id}/test"),
            ("get", "/api/v1/alerts/channels/{channel_id}/deliveries"),
        }
        got = {(m, p) for p, ops in paths.items() for m in ops}
        assert got == expected
        rules = doc["components"]["schemas"]["RulesIn"]
        assert rules["additionalProperties"] is False
        assert rules["properties"]["signal_expiry_seconds"]["maximum"] == 86400
        page = await c.get("/api/v1/docs")
        assert page.status_code == 200 and "CopyTradePro API" in page.text
        assert "http://" not in page.text.split("<script")[0] and "cdn" not in page.text.lower()


async def test_the_web_app_catch_all_leaves_api_paths_alone(api: Api, alice) -> None:
    r = await alice.delete("/api/v1/accounts/-1")  # no API route: 404, not the app's 405
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = await alice.post("/api/v1/accounts/1/copy-mode")  # the route's own methods only
    assert r.status_code == 405 and r.headers["Allow"] == "PUT"
    r = await alice.get("/api/v1/nope")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
