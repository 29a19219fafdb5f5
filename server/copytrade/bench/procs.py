"""Trio-side handles on the benchmark's helper processes: the load client and the limit server."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from typing import Any

import trio


class BenchError(Exception):
    """The benchmark cannot go on (a helper failed, or a correctness check did not hold)."""


class ClientProcess:
    """The load client (:mod:`copytrade.bench.client`) in its own process; one request at a time."""

    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self._buffer = b""

    @classmethod
    async def start(cls) -> ClientProcess:
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "copytrade.bench.client"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        return cls(process)

    async def request(self, cmd: str, timeout: float = 600, **args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        await self.process.stdin.send_all(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        with trio.fail_after(timeout):
            while b"\n" not in self._buffer:
                data = await self.process.stdout.receive_some(1 << 20)
                if not data:
                    raise BenchError(f"the load client died during {cmd!r} "
                                     f"(exit code {self.process.poll()})")
                self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply: dict[str, Any] = json.loads(line)
        if reply.get("ok") is False and "error" in reply:
            raise BenchError(f"load client {cmd!r} failed: {reply['error']}")
        return reply

    async def aclose(self) -> None:
        assert self.process.stdin is not None
        try:
            await self.process.stdin.send_all(b'{"cmd": "quit"}\n')
            await self.process.stdin.aclose()
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass
        with trio.move_on_after(5):
            await self.process.wait()
        if self.process.poll() is None:
            self.process.kill()
            await self.process.wait()


class LimitProcess:
    """The raw-limit server (:mod:`copytrade.bench.limit_server`) in its own process."""

    def __init__(self, process: trio.Process, port: int) -> None:
        self.process = process
        self.port = port

    @classmethod
    async def start(cls, duplicate_every: int = 0) -> LimitProcess:
        cmd = [sys.executable, "-m", "copytrade.bench.limit_server"]
        if duplicate_every:
            cmd += ["--duplicate-every", str(duplicate_every)]
        process = await trio.lowlevel.open_process(cmd, stdin=subprocess.PIPE,
                                                   stdout=subprocess.PIPE)
        assert process.stdout is not None
        out = b""
        with trio.fail_after(30):
            while b"\n" not in out:
                data = await process.stdout.receive_some(1024)
                if not data:
                    raise BenchError("the limit server failed to start")
                out += data
        return cls(process, int(out.split(b"\n", 1)[0]))

    async def aclose(self) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            await self.process.stdin.aclose()
        with trio.move_on_after(5):
            await self.process.wait()
        if self.process.poll() is None:
            self.process.kill()
            await self.process.wait()
