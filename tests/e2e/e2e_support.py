"""Helpers of the browser tests: the server process, screenshots, simulated EAs in a thread."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import trio

ROOT = Path(__file__).resolve().parents[2]
EXE = str(Path(sys.executable).with_name("copytrade"))
CHROMIUM = os.environ.get("COPYTRADE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
# Flags for a closed network and a clean, quiet browser (each context gets a fresh profile).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"viewport": {"width": 1440, "height": 960}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base_url: str
    http_port: int
    ea_port: int


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"copytrade serve exited:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server not healthy after {timeout}s:\n{log.read_text()[-4000:]}")


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(350)  # let chart and toasts settle
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, animations="disabled")


class SimThread:
    """A trio loop in a thread, running simulated EAs for a synchronous test."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._token: Any = None
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self._thread = threading.Thread(target=trio.run, args=(self._main,), daemon=True)

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            self._ready.set()
            await self._stop.wait()
            nursery.cancel_scope.cancel()

    def __enter__(self) -> SimThread:
        self._thread.start()
        assert self._ready.wait(10), "sim thread did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join(10)

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``await fn(*args)`` on the sim loop and return its result."""
        return trio.from_thread.run(fn, *args, trio_token=self._token)

    def start(self, sim: Any) -> Any:
        """Start a MasterSim/FollowerSim; returns once it has connected."""
        assert self._nursery is not None
        nursery = self._nursery

        async def start() -> None:
            with trio.fail_after(20):
                await nursery.start(sim.run)

        self.run(start)
        return sim
