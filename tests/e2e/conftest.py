"""Browser-test fixtures: a real ``copytrade serve`` process, Debian's Chromium driven by
Playwright (never a downloaded browser), and simulated EAs running in a trio thread.

With ``COPYTRADE_E2E_PREVIEW=1`` the pages come from ``vite preview`` (proxying the API to the
server started here) instead of the server's own static files: for working on the app alone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    EXE,
    ROOT,
    Server,
    SimThread,
    free_port,
    wait_healthy,
)


def _check_serves_app(base: str) -> None:
    """The server must answer / and any deep link with the app's index.html."""
    for path in ("/", "/dashboard/1"):
        try:
            with urllib.request.urlopen(base + path, timeout=5) as r:
                body = r.read(4096).decode("utf-8", "replace")
                if r.status == 200 and '<div id="app"' in body:
                    continue
        except OSError:
            pass
        pytest.fail(f"the server does not serve the web app at {path} (index.html from "
                    "copytrade/web with deep-link fallback)")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """``copytrade serve`` on free ports with its own embedded PostgreSQL; SIGTERM after."""
    if not (ROOT / "server/copytrade/web/index.html").exists():
        pytest.fail("the web app is not built: run ./scripts/setup (npm run build)")
    tmp = Path(tempfile.mkdtemp(prefix="ct-e2e-"))
    http_port, ea_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(COPYTRADE_DATA_DIR=str(tmp / "data"), COPYTRADE_PUBLIC_HOST="127.0.0.1",
               COPYTRADE_LOG_LEVEL="INFO",
               # alerts: the browser test's webhook receiver listens on loopback
               COPYTRADE_ALERT_ALLOW_PRIVATE_URLS="true", COPYTRADE_ALERT_POLL_INTERVAL="0.2")
    log = tmp / "serve.log"
    preview: subprocess.Popen[bytes] | None = None
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [EXE, "serve", "--http-port", str(http_port), "--ea-port", str(ea_port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_healthy(http_port, proc, log, timeout=90)
        base = f"http://127.0.0.1:{http_port}"
        if os.environ.get("COPYTRADE_E2E_PREVIEW") != "1":
            _check_serves_app(base)
        else:
            preview_port = free_port()
            preview = subprocess.Popen(
                ["npx", "vite", "preview", "--port", str(preview_port), "--strictPort",
                 "--host", "127.0.0.1"], cwd=ROOT / "frontend",
                env={**os.environ, "COPYTRADE_DEV_BACKEND": base},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{preview_port}"
            wait_healthy(preview_port, preview, log, timeout=30)
        yield Server(base_url=base, http_port=http_port, ea_port=ea_port)
    finally:
        if preview is not None:
            preview.terminate()
            preview.wait(10)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS.parent / "e2e-serve.log")
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright import sync_api  # a dev dependency: missing means a broken set-up

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does it)")
    # trio_asyncio (imported by the server package) installs its own asyncio loop policy;
    # Playwright's sync API needs a plain asyncio loop of its own, so lend it the default one.
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    try:
        with sync_api.sync_playwright() as p:
            yield p
    finally:
        asyncio.set_event_loop_policy(policy)


@pytest.fixture
def new_context(playwright: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Open a browser context (its own fresh --user-data-dir) at desktop or phone size."""
    opened: list[Any] = []

    def open_context(size: dict[str, Any], locale: str = "en-US") -> Any:
        profile = tmp_path / f"profile-{len(opened)}"
        ctx = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            locale=locale, timezone_id="Asia/Bangkok", color_scheme="dark",
            **size)
        ctx.set_default_timeout(15_000)
        opened.append(ctx)
        return ctx

    yield open_context
    for ctx in opened:
        ctx.close()


@pytest.fixture
def sims() -> Iterator[SimThread]:
    with SimThread() as thread:
        yield thread
