"""The benchmark's load client: thousands of simulated EAs in one process, no task per socket.

Run as ``python -m copytrade.bench.client``; the benchmark drives it over stdin/stdout with
one JSON object per line (see :class:`LoadClient` for the commands). One ``epoll`` loop holds
every socket (non-blocking), so the cost per follower is a ``recv`` and a few slices, not a
coroutine switch: the figures measure the server, not the client.

Each follower logs in as docs/protocol.md asks (AUTH → OK, then ACCOUNT, SYM lines, SYNC),
counts every OPEN per master ticket (exactly-once bookkeeping) and answers it with ACK_OPEN,
as a real EA does once its order is filled. Receive times are taken once per ``epoll`` batch
(the data was in the kernel by then), send times just before the master's line is written.
The same client also speaks to the raw-limit server (:mod:`copytrade.bench.limit_server`),
which forwards the master's ``CMD_OPEN`` line verbatim.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import itertools
import json
import os
import select
import socket
import sys
import time
from typing import Any

from .limits import raise_fd_limit

SYMBOLS = (("EURUSD", "1.08450", "1.08000", "1.09000"), ("GBPUSD", "1.27110", "1.26500", "1.28000"),
           ("USDJPY", "151.250", "150.500", "152.000"), ("XAUUSD", "2351.20", "2330.00", "2380.00"))
LOGIN_LINES = (
    b"ACCOUNT|10000.00|10000.00|0|USD|100\n"
    + b"".join(b"SYM|%s|0.01|100.00|0.01|5\n" % s[0].encode() for s in SYMBOLS)
    + b"SYNC|%d|0\n" % len(SYMBOLS)
)
HEARTBEAT_S = 10.0
CONNECTING, AUTHING, READY, CLOSED = range(4)
EPOLLIN, EPOLLOUT = select.EPOLLIN, select.EPOLLOUT


class Conn:
    """One simulated EA connection."""

    __slots__ = ("buf", "counts", "error", "fd", "group", "is_master", "key", "last_sent",
                 "out", "sock", "state", "stored")

    def __init__(self, sock: socket.socket, key: str, group: int, is_master: bool) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.key = key
        self.group = group
        self.is_master = is_master
        self.state = CONNECTING
        self.buf = b""
        self.out = b""
        self.counts: bytearray | None = None  # per master seq: receipts of its OPEN
        self.stored = 0
        self.error: bytes | None = None
        self.last_sent = 0.0


def signal_line(ticket: int, seq: int) -> bytes:
    symbol, price, sl, tp = SYMBOLS[seq % len(SYMBOLS)]
    side = "BUY" if seq % 2 == 0 else "SELL"
    if side == "SELL":
        sl, tp = tp, sl
    return f"CMD_OPEN|{side}|{symbol}|{price}|0.10|{sl}|{tp}|{ticket}\n".encode()


class LoadClient:
    """The epoll loop and the command handlers.

    Commands (JSON lines on stdin, one JSON reply line each on stdout):

    - ``{"cmd": "connect", "host", "port", "masters": [[key, group]], "followers": [[key,
      group]], "batch": 500}`` → logs everything in; replies with counts and login errors.
    - ``{"cmd": "run", "signals": S, "warmup": W, "ticket_base": T, "mode": "sequential" |
      "rate", "rate": R, "gap_ms": G, "timeout_s": X}`` → sends S signals per master and
      replies with per-signal first/last receive times and the exactly-once counts.
    - ``{"cmd": "close"}`` closes every connection; ``{"cmd": "quit"}`` ends the process.
    """

    def __init__(self) -> None:
        self.ep = select.epoll()
        self.conns: dict[int, Conn] = {}
        self.stdin_buf = b""
        self.commands: list[bytes] = []
        self.acks: list[tuple[Conn, bytes]] = []
        self.ack_oldest = 0.0
        self.slave_tickets = itertools.count(7_000_000)
        self.login_errors: list[str] = []
        self.logged_in = 0
        self.next_heartbeat = 0.0
        self._reset_run()
        os.set_blocking(0, False)
        self.ep.register(0, EPOLLIN)

    def _reset_run(self) -> None:
        self.tickets: dict[int, tuple[int, int, int]] = {}  # ticket → (group, seq, signal index)
        self.expected: list[int] = []
        self.recv_count: list[int] = []
        self.first: list[float] = []
        self.last: list[float] = []
        self.sent_at: list[float] = []
        self.duplicates = 0
        self.unexpected = 0
        self.unexpected_samples: list[str] = []
        self.completed = 0
        self.acks_sent = 0

    # ------------------------------------------------------------------ io

    def _send(self, c: Conn, data: bytes) -> None:
        if c.state == CLOSED:
            return
        if c.out:
            c.out += data
            return
        try:
            n = c.sock.send(data)
        except BlockingIOError:
            n = 0
        except OSError as exc:
            self._lost(c, f"send: {exc}")
            return
        c.last_sent = time.monotonic()
        if n < len(data):
            c.out = data[n:]
            self.ep.modify(c.fd, EPOLLIN | EPOLLOUT)

    def _writable(self, c: Conn) -> None:
        if c.state == CONNECTING:
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self._lost(c, f"connect: {os.strerror(err)}")
                return
            c.state = AUTHING
            self.ep.modify(c.fd, EPOLLIN)
            client = "BenchMaster/1.0" if c.is_master else "BenchFollower/1.0"
            self._send(c, f"AUTH|{c.key}|1||{client}\n".encode())
            return
        if c.out:
            try:
                n = c.sock.send(c.out)
            except BlockingIOError:
                return
            except OSError as exc:
                self._lost(c, f"send: {exc}")
                return
            c.out = c.out[n:]
        if not c.out:
            self.ep.modify(c.fd, EPOLLIN)

    def _lost(self, c: Conn, why: str) -> None:
        if c.state == CLOSED:
            return
        if c.state != READY:
            self.login_errors.append(f"{'master' if c.is_master else 'follower'} {c.key[:12]}: "
                                     f"{why}")
        elif c.error is None:
            self._unexpected(f"connection lost: {why}")
        c.state = CLOSED
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.ep.unregister(c.fd)
        c.sock.close()

    def _unexpected(self, what: str) -> None:
        self.unexpected += 1
        if len(self.unexpected_samples) < 10:
            self.unexpected_samples.append(what)

    def poll(self, timeout: float) -> int:
        """Handle what is ready (waiting up to ``timeout`` s); the number of events."""
        events = self.ep.poll(timeout, 4096)
        now = time.perf_counter()
        conns = self.conns
        tickets, open_ = self.tickets, self._open
        for fd, ev in events:
            c = conns.get(fd)
            if c is None:
                if fd == 0:
                    self._read_stdin()
                continue
            if ev == EPOLLIN and not c.buf:
                # Fast path (one whole OPEN line, the common case): the fewest steps per
                # receipt, so that the client's own cost stays well below the server's.
                try:
                    data = c.sock.recv(16384)
                except OSError:
                    data = b""
                if data[:5] == b"OPEN|" and data.find(b"\n") == len(data) - 1:
                    ticket = int(data[5:data.index(b"|", 5)])
                    info = tickets.get(ticket)
                    if info is not None:
                        open_(c, info, data, now)
                        continue
                self._readable(c, now, data)
                continue
            if c.state == CLOSED:
                continue
            if ev & EPOLLOUT:
                self._writable(c)
                if c.state == CLOSED:
                    continue
            if ev & ~EPOLLOUT:
                self._readable(c, now, None)
        mono = time.monotonic()
        if mono >= self.next_heartbeat:
            self._heartbeat(mono)
        return len(events)

    def _readable(self, c: Conn, now: float, data: bytes | None) -> None:
        if c.state == CLOSED:
            return
        if data is None:
            try:
                data = c.sock.recv(16384)
            except BlockingIOError:
                return
            except OSError as exc:
                self._lost(c, f"recv: {exc}")
                return
        if not data:
            self._lost(c, "closed by the server" + (f" ({c.error.decode()})" if c.error else ""))
            return
        if c.buf:
            data = c.buf + data
        lines = data.split(b"\n")
        c.buf = lines.pop()
        for line in lines:
            if line.startswith(b"OPEN|"):
                self._open_line(c, int(line.split(b"|", 2)[1]), line, now)
            elif line.startswith(b"CMD_OPEN|"):  # the raw-limit server forwards verbatim
                self._open_line(c, int(line.split(b"|")[7]), line, now)
            elif line.startswith(b"STORED|"):
                c.stored += 1
            elif line.startswith(b"OK|"):
                self._ok(c)
            elif line.startswith(b"PING|"):
                self._send(c, b"PONG|" + line[5:] + b"\n")
            elif line.startswith((b"PONG|", b"RULES|")):
                pass
            elif line.startswith(b"ERR|"):
                c.error = line
                self._unexpected(line.decode(errors="replace"))
            else:
                self._unexpected(line[:80].decode(errors="replace"))

    def _ok(self, c: Conn) -> None:
        if c.state != AUTHING:
            self._unexpected("OK after login")
            return
        c.state = READY
        self.logged_in += 1
        if not c.is_master:
            self._send(c, LOGIN_LINES)

    def _open_line(self, c: Conn, ticket: int, line: bytes, now: float) -> None:
        info = self.tickets.get(ticket)
        if info is None:
            self._unexpected(f"OPEN for unknown ticket {ticket}")
            return
        self._open(c, info, line, now)

    def _open(self, c: Conn, info: tuple[int, int, int], line: bytes, now: float) -> None:
        group, seq, sig = info
        counts = c.counts
        if counts is None or c.group != group:
            self._unexpected(f"OPEN of group {group} on a follower of group {c.group}")
            return
        count = counts[seq]
        if count:
            self.duplicates += 1
            if len(self.unexpected_samples) < 10:
                self.unexpected_samples.append(
                    f"duplicate OPEN for ticket {line.split(b'|')[1].decode()} on follower "
                    f"{c.key[:12]}, {1000 * (now - self.sent_at[sig]):.1f} ms after the signal")
            if count < 255:
                counts[seq] = count + 1
            return  # a real EA holding the copy answers with it; the count is what matters here
        counts[seq] = 1
        received = self.recv_count[sig] + 1
        self.recv_count[sig] = received
        if received == 1:
            self.first[sig] = now
        if received == self.expected[sig]:
            self.last[sig] = now
            self.completed += 1
        if not self.acks:
            self.ack_oldest = now
        self.acks.append((c, line))

    @staticmethod
    def _ack_line(line: bytes, slave_ticket: int) -> bytes:
        f = line.rstrip(b"\n").split(b"|")
        if f[0] == b"OPEN":  # OPEN|MST_TICKET|SYMBOL|TYPE|VOLUME|...
            ticket, side, volume = f[1], f[3], f[4]
        else:  # CMD_OPEN|TYPE|SYMBOL|PRICE|LOT|SL|TP|TICKET
            ticket, side, volume = f[7], f[1], f[4]
        return b"ACK_OPEN|%s|%d|%s|%s\n" % (ticket, slave_ticket, volume, side)

    def _flush_acks(self) -> None:
        acks, self.acks = self.acks, []
        ack_line, tickets = self._ack_line, self.slave_tickets
        for c, line in acks:
            self._send(c, ack_line(line, next(tickets)))
        self.acks_sent += len(acks)

    def _heartbeat(self, mono: float) -> None:
        self.next_heartbeat = mono + 1.0
        for c in self.conns.values():
            if c.state == READY and mono - c.last_sent > HEARTBEAT_S:
                self._send(c, b"PING|1\n")

    def _read_stdin(self) -> None:
        try:
            data = os.read(0, 1 << 20)
        except BlockingIOError:
            return
        if not data:
            self.commands.append(b'{"cmd": "quit"}')
            return
        self.stdin_buf += data
        *lines, self.stdin_buf = self.stdin_buf.split(b"\n")
        self.commands.extend(line for line in lines if line.strip())

    # ------------------------------------------------------------- commands

    def connect(self, host: str, port: int, masters: list[list[Any]],
                followers: list[list[Any]], batch: int = 500, timeout_s: float = 120.0,
                ) -> dict[str, Any]:
        specs = [(k, g, False) for k, g in followers] + [(k, g, True) for k, g in masters]
        specs.reverse()
        self.login_errors = []
        start_logged = self.logged_in
        started: list[Conn] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = self.logged_in - start_logged
            failed = sum(1 for c in started if c.state == CLOSED)
            inflight = len(started) - done - failed
            while specs and inflight < batch:
                key, group, is_master = specs.pop()
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                c = Conn(sock, key, group, is_master)
                err = sock.connect_ex((host, port))
                if err not in (0, errno.EINPROGRESS):
                    sock.close()
                    self.login_errors.append(f"connect: {os.strerror(err)}")
                    continue
                self.conns[c.fd] = c
                self.ep.register(c.fd, EPOLLIN | EPOLLOUT)
                started.append(c)
                inflight += 1
            if not specs and inflight == 0:
                break
            self.poll(0.02)
        return {"ok": not self.login_errors and self.logged_in - start_logged == len(started),
                "logged_in": self.logged_in - start_logged, "errors": self.login_errors[:10],
                "connections": sum(1 for c in self.conns.values() if c.state == READY)}

    def run(self, signals: int, ticket_base: int, mode: str = "sequential", rate: float = 0.0,
            gap_ms: float = 20.0, timeout_s: float = 10.0, ack_hold_ms: float = 10.0,
            expect_stored: bool = True) -> dict[str, Any]:
        self._reset_run()
        masters = sorted((c for c in self.conns.values() if c.is_master and c.state == READY),
                         key=lambda c: c.group)
        per_group: dict[int, list[Conn]] = {}
        for c in self.conns.values():
            if not c.is_master and c.state == READY:
                c.counts = bytearray(signals)
                per_group.setdefault(c.group, []).append(c)
        for m in masters:
            m.stored = 0
        order: list[tuple[Conn, int]] = [(m, seq) for seq in range(signals) for m in masters]
        for i, (m, seq) in enumerate(order):
            self.tickets[ticket_base + i] = (m.group, seq, i)
            self.expected.append(len(per_group.get(m.group, ())))
        n = len(order)
        self.recv_count = [0] * n
        self.first = [0.0] * n
        self.last = [0.0] * n
        self.sent_at = [0.0] * n
        lag_max = 0.0
        if mode == "sequential":
            for i, (m, seq) in enumerate(order):
                line = signal_line(ticket_base + i, seq)
                self.sent_at[i] = time.perf_counter()
                self._send(m, line)
                until = self.sent_at[i] + timeout_s
                while self.recv_count[i] < self.expected[i]:
                    left = until - time.perf_counter()
                    if left <= 0:
                        break
                    self.poll(min(left, 0.05))
                self._flush_acks()  # the "order" is filled: answer, as an EA would
                pause_until = time.perf_counter() + gap_ms / 1000
                while (left := pause_until - time.perf_counter()) > 0:
                    if self.poll(min(left, 0.01)) == 0 and self.acks:
                        self._flush_acks()
                if self.acks:
                    self._flush_acks()
        else:
            interval = 1.0 / rate
            start = time.perf_counter()
            i = 0
            while i < n:
                now = time.perf_counter()
                due = start + i * interval
                if now >= due:
                    lag_max = max(lag_max, now - due)
                    m, seq = order[i]
                    self.sent_at[i] = now
                    self._send(m, signal_line(ticket_base + i, seq))
                    i += 1
                    continue
                events = self.poll(min(due - now, 0.005))
                if self.acks and (events == 0
                                  or time.perf_counter() - self.ack_oldest > ack_hold_ms / 1000):
                    self._flush_acks()
        until = time.perf_counter() + timeout_s
        while time.perf_counter() < until:
            if self.completed >= n and (not expect_stored
                                        or all(m.stored >= signals for m in masters)):
                break
            if self.poll(0.01) == 0 and self.acks:
                self._flush_acks()
        self._flush_acks()
        # A short settle so that a late duplicate would still be seen.
        settle = time.perf_counter() + 0.2
        while (left := settle - time.perf_counter()) > 0:
            self.poll(min(left, 0.01))
        self._flush_acks()
        missing = 0
        for group_conns in per_group.values():
            for c in group_conns:
                assert c.counts is not None
                missing += c.counts.count(0)
        return {
            "sent": n,
            "first_ms": [(f - s) * 1000 if f else None for f, s in zip(self.first, self.sent_at,
                                                                        strict=True)],
            "last_ms": [(f - s) * 1000 if f else None for f, s in zip(self.last, self.sent_at,
                                                                       strict=True)],
            "expected": self.expected,
            "received": sum(self.recv_count),
            "missing": missing,
            "duplicates": self.duplicates,
            "unexpected": self.unexpected,
            "unexpected_samples": self.unexpected_samples,
            "stored": sum(m.stored for m in masters),
            "acks_sent": self.acks_sent,
            "send_lag_max_ms": lag_max * 1000,
            "connections": sum(1 for c in self.conns.values() if c.state == READY),
        }

    def close(self) -> dict[str, Any]:
        for c in list(self.conns.values()):
            if c.state != CLOSED:
                c.state = CLOSED
                with contextlib.suppress(OSError, KeyError, ValueError):
                    self.ep.unregister(c.fd)
                c.sock.close()
        closed = len(self.conns)
        self.conns.clear()
        self.logged_in = 0
        return {"ok": True, "closed": closed}

    def serve(self) -> None:
        while True:
            while not self.commands:
                if self.poll(1.0) == 0 and self.acks:
                    self._flush_acks()
            request = json.loads(self.commands.pop(0))
            cmd = request.pop("cmd")
            if cmd == "quit":
                self.close()
                return
            try:
                reply = getattr(self, cmd)(**request)
            except Exception as exc:  # reported to the driver, which fails loudly
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


def main() -> None:
    raise_fd_limit()
    gc.disable()  # the client makes no reference cycles worth a collector pause mid-measurement
    LoadClient().serve()


if __name__ == "__main__":
    main()
