"""``copytrade serve`` as a subprocess the test can kill -9 and start again on the same
ports and database (the restart and kill -9 tests share it)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import trio

COPYTRADE = Path(sys.executable).parent / "copytrade"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``copytrade serve`` in a subprocess, restartable on the same ports and database."""

    def __init__(self, db_url: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.db_url = db_url
        self.env = env or {}
        self.ea_port = free_port()
        self.log = log
        self.process: trio.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        env = {**os.environ, "COPYTRADE_EA_IDLE_TIMEOUT": "5", "COPYTRADE_LOG_LEVEL": "DEBUG",
               **self.env}
        with self.log.open("ab") as out:
            out.write(f"\n===== start {self.starts} =====\n".encode())
            out.flush()
            self.process = await trio.lowlevel.open_process(
                [str(COPYTRADE), "serve", "--database-url", self.db_url,
                 "--http-port", str(free_port()), "--ea-port", str(self.ea_port)],
                stdout=out, stderr=out, env=env)
        with trio.fail_after(30):
            while True:
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    stream = await trio.open_tcp_stream("127.0.0.1", self.ea_port)
                except OSError:
                    await trio.sleep(0.05)
                    continue
                await stream.aclose()
                return

    async def stop(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        with trio.fail_after(20):
            await self.process.wait()
        self.process = None

    async def aclose(self) -> None:
        if self.process is not None:
            self.process.kill()
            with trio.move_on_after(5):
                await self.process.wait()
