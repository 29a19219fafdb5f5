"""Server plumbing: keep-alive regression (STACK-NOTES trap 1), /metrics, /healthz,
connection info, the OpenAPI document and its human page."""

from __future__ import annotations

import trio

from conftest import Api, error_of, start_api


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


async def test_healthz_and_metrics(api: Api) -> None:
    async with api.client() as c:
        assert (await c.get("/healthz")).json() == {"status": "ok", "database": "ok"}
        r = await c.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        text = r.text
        assert 'copytrade_ea_connected{kind="follower"} 2' in text
        assert "# TYPE copytrade_signals_total counter" in text
        assert "copytrade_signals_total 7" in text and "copytrade_commands_total 12" in text
        assert "# TYPE copytrade_copy_latency_seconds histogram" in text
        assert 'copytrade_copy_latency_seconds_bucket{le="0.005"} 3' in text
        assert 'copytrade_copy_latency_seconds_bucket{le="+Inf"} 10' in text
        assert "copytrade_copy_latency_seconds_sum 0.12" in text
        assert "copytrade_copy_latency_seconds_count 10" in text


async def test_connection_info(api: Api, alice) -> None:
    r = await alice.get("/api/v1/connection-info")
    assert r.json() == {"ea_host": "ea.example.com", "ea_port": 5555, "tls": False}
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
            ("get", "/api/v1/accounts/{account_id}/trades"),
            ("get", "/api/v1/accounts/{account_id}/pairs"),
            ("get", "/api/v1/accounts/{account_id}/active"),
            ("get", "/api/v1/accounts/{account_id}/stats"),
            ("get", "/api/v1/accounts/{account_id}/profit-series"),
            ("get", "/api/v1/connection-info"),
        }
        got = {(m, p) for p, ops in paths.items() for m in ops}
        assert got == expected
        rules = doc["components"]["schemas"]["RulesIn"]
        assert rules["additionalProperties"] is False
        assert rules["properties"]["signal_expiry_seconds"]["maximum"] == 86400
        page = await c.get("/api/v1/docs")
        assert page.status_code == 200 and "CopyTradePro API" in page.text
        assert "http://" not in page.text.split("<script")[0] and "cdn" not in page.text.lower()
