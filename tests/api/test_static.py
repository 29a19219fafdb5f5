"""The single-page app is served at / with deep-link fallback, safely and with the right types."""

from __future__ import annotations

from pathlib import Path

import pytest
from quart_trio import QuartTrio

from copytrade.api import errors, static


@pytest.fixture
def web(tmp_path: Path) -> Path:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>CopyTradePro</title>")
    (web / "assets" / "app-1234.js").write_text("console.log('hi')")
    (web / "assets" / "font-1.woff2").write_bytes(b"wOF2")
    (web / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("do not serve")
    return web


@pytest.fixture
def client(web: Path):
    app = QuartTrio(__name__, static_folder=None)
    errors.install(app)
    static.install(app, web)
    return app.test_client()


async def test_index_and_deep_links_get_the_app(client):
    for path in ["/", "/dashboard/3", "/accounts/new", "/settings"]:
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.headers["Cache-Control"] == "no-cache"
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert b"CopyTradePro" in await r.get_data()


async def test_assets_have_types_and_long_cache(client):
    r = await client.get("/assets/app-1234.js")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/javascript"
    assert "immutable" in r.headers["Cache-Control"]
    r = await client.get("/assets/font-1.woff2")
    assert r.headers["Content-Type"] == "font/woff2"
    r = await client.get("/favicon.svg")
    assert r.headers["Content-Type"] == "image/svg+xml" and "immutable" not in r.headers[
        "Cache-Control"]


async def test_missing_files_api_paths_and_traversal_are_404(client):
    assert (await client.get("/assets/missing.js")).status_code == 404
    r = await client.get("/api/v1/nope")
    assert r.status_code == 404 and (await r.get_json())["error"]["code"] == "not_found"
    for path in ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"]:
        r = await client.get(path)
        assert b"do not serve" not in await r.get_data(), path


async def test_unbuilt_app_says_how_to_build(tmp_path):
    app = QuartTrio(__name__, static_folder=None)
    errors.install(app)
    static.install(app, tmp_path / "empty")
    r = await app.test_client().get("/")
    assert r.status_code == 503 and b"scripts/setup" in await r.get_data()
