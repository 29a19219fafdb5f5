"""The raw fan-out limit: a trio server that only forwards the master's bytes to every follower.

No parsing, no rules, no database: the master's line is written to each follower socket with a
direct non-blocking ``os.write`` (a bounded backlog and a writer task only when a socket is
full), which STACK-NOTES measured as the floor of one Python thread (~6 µs per socket). It
answers each login with ``OK`` so that the benchmark's client (:mod:`copytrade.bench.client`)
talks to it exactly as to the real server, and reads and discards what followers send (ACKs).

Run as ``python -m copytrade.bench.limit_server``: it prints its port on stdout and serves
until stdin closes. ``--duplicate-every K`` (tests only) sends every K-th master chunk twice
to one follower, to prove that the benchmark's exactly-once check catches it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from functools import partial

import trio

from ..engine.gcpolicy import freeze_after_startup
from .limits import raise_fd_limit


class Follower:
    """One follower socket: direct writes, backlog only when the kernel buffer is full."""

    __slots__ = ("backlog", "fd", "wake")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.backlog = bytearray()
        self.wake = trio.Event()

    def send(self, data: bytes) -> None:
        if self.backlog:
            self.backlog += data
            return
        try:
            n = os.write(self.fd, data)
        except BlockingIOError:
            n = 0
        except OSError:
            return
        if n < len(data):
            self.backlog += data[n:]
            self.wake.set()

    async def writer(self) -> None:
        while True:
            await self.wake.wait()
            self.wake = trio.Event()
            while self.backlog:
                await trio.lowlevel.wait_writable(self.fd)
                try:
                    n = os.write(self.fd, self.backlog)
                except BlockingIOError:
                    continue
                del self.backlog[:n]


class LimitServer:
    def __init__(self, duplicate_every: int = 0) -> None:
        self.followers: dict[int, Follower] = {}
        self.duplicate_every = duplicate_every
        self.chunks = 0

    def fan_out(self, data: bytes) -> None:
        for f in self.followers.values():
            f.send(data)
        self.chunks += 1
        if self.duplicate_every and self.chunks % self.duplicate_every == 0 and self.followers:
            next(iter(self.followers.values())).send(data)

    async def handle(self, stream: trio.SocketStream) -> None:
        first = b""
        while b"\n" not in first:
            data = await stream.receive_some(4096)
            if not data:
                return
            first += bytes(data)
        line, _, rest = first.partition(b"\n")
        is_master = b"Master" in line
        await stream.send_all(b"OK|master|1|1|10\n" if is_master else b"OK|follower|1|2|10\n")
        fd = stream.socket.fileno()
        if is_master:
            if rest:
                self.fan_out(rest)
            while data := await stream.receive_some(65536):
                self.fan_out(bytes(data))
            return
        follower = Follower(fd)
        self.followers[fd] = follower
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follower.writer)
                while await stream.receive_some(65536):
                    pass  # ACKs, pings: read and drop
                nursery.cancel_scope.cancel()
        finally:
            del self.followers[fd]


async def serve(duplicate_every: int) -> None:
    server = LimitServer(duplicate_every)
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            partial(trio.serve_tcp, server.handle, 0, host="127.0.0.1", backlog=4096))
        port = listeners[0].socket.getsockname()[1]
        freeze_after_startup()  # the same collector policy as the real server under the bench
        print(port, flush=True)
        # Serve until the benchmark closes our stdin.
        stdin = trio.lowlevel.FdStream(os.dup(0))
        with contextlib.suppress(OSError, trio.BrokenResourceError):
            while await stdin.receive_some(1024):
                pass
        nursery.cancel_scope.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="copytrade.bench.limit_server")
    parser.add_argument("--duplicate-every", type=int, default=0)
    args = parser.parse_args(argv)
    raise_fd_limit()
    trio.run(serve, args.duplicate_every)
    sys.exit(0)


if __name__ == "__main__":
    main()
