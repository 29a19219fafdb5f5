"""Drive one emulated MT5 terminal (mql5/emulator) running a real, compiled EA.

The terminal is a subprocess: control operations go to its stdin as JSON lines, and every
event it reports comes back as a JSON line on stdout (see mql5/emulator/README.md). This
class keeps those events, splits socket traffic into protocol lines (``sent``/``received``
events) and lets callers wait for conditions.

What the server sends is read as an EA reads it, with the protocol's own
:class:`~copytrade.protocol.Connection` (one per socket, EA side): each ``received`` event
carries, besides its ``line`` text, the ``message`` the protocol made of it -- or ``None``
and a ``refused`` :class:`~copytrade.protocol.ProtocolError` when the protocol refuses the
line. Whoever checks the server's replies (``copytrade ea run``, the tests) looks at
``message``, never at the text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from ..protocol import (
    Connection,
    ConnectionState,
    Direction,
    ErrorCode,
    LineBuffer,
    Message,
    ProtocolError,
    RemoteProtocolError,
)
from .build import Built

Event = dict[str, Any]

_NO_LIMIT = 1 << 30
"""Framing limit for the display text: the Connection applies the protocol's own limit."""


class TerminalError(Exception):
    """The terminal refused an operation or stopped unexpectedly."""


class Terminal:
    def __init__(self, built: Built, directory: Path, name: str = "terminal",
                 on_event: Callable[[Event], None] | None = None) -> None:
        self.built = built
        self.directory = directory
        self.name = name
        self.events: list[Event] = []
        self.on_event = on_event
        self.process: trio.Process | None = None
        self._wake = trio.Event()
        self._next_id = 0
        self._partial: dict[tuple[str, int], str] = {}
        self._links: dict[int, tuple[LineBuffer, Connection]] = {}
        self.exited = trio.Event()

    # ---------------------------------------------------------------- process
    async def start(self, nursery: trio.Nursery, env: dict[str, str] | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = await trio.lowlevel.open_process(
            [str(self.built.terminal), "--dir", str(self.directory), "--ea", str(self.built.ea)],
            stdin=-1, stdout=-1, env={**os.environ, **(env or {})})
        nursery.start_soon(self._reader)
        await self.wait_for(lambda e: e["ev"] == "hello", timeout=30)

    async def _reader(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        buffer = b""
        try:
            while True:
                data = await self.process.stdout.receive_some(65536)
                if not data:
                    break
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    if raw.strip():
                        self._add(json.loads(raw))
        finally:
            with trio.CancelScope(shield=True):
                await self.process.wait()
                self._add({"ev": "exit", "code": self.process.returncode})
                self.exited.set()

    def _add(self, event: Event) -> None:
        event["terminal"] = self.name
        new = [event]
        if event["ev"] == "send":
            key = (event["ev"], int(event["socket"]))
            text = self._partial.get(key, "") + event["data"]
            *lines, rest = text.split("\n")
            self._partial[key] = rest
            new += [{"t": event["t"], "ev": "sent", "line": line.rstrip("\r\x00"),
                     "terminal": self.name} for line in lines]
        elif event["ev"] == "recv":
            new += [{"t": event["t"], "ev": "received", **read, "terminal": self.name}
                    for read in self._read(int(event["socket"]), event["data"])]
        elif event["ev"] == "net" and event.get("what") == "close":
            for key in list(self._partial):
                if key[1] == int(event["socket"]):
                    del self._partial[key]
            self._links.pop(int(event["socket"]), None)
        for e in new:
            self.events.append(e)
            if self.on_event is not None:
                self.on_event(e)
        self._wake.set()
        self._wake = trio.Event()

    def _read(self, socket: int, data: str) -> list[dict[str, Any]]:
        """The lines in bytes the EA received on ``socket``, each with what the protocol
        made of it (``message``, or ``None`` and the ``refused`` error)."""
        if socket not in self._links:
            self._links[socket] = (LineBuffer(_NO_LIMIT), Connection(Direction.EA_TO_SERVER))
        lines, link = self._links[socket]
        lines.feed(data.encode("latin-1"))  # the emulator writes each byte as one code point
        out: list[dict[str, Any]] = []
        while (line := lines.next_line()) is not None:
            message: Message | None = None
            refused: ProtocolError | None = None
            if link.state is ConnectionState.CLOSED:
                refused = RemoteProtocolError(
                    ErrorCode.MALFORMED, "a line after an ERR that closed the connection")
            else:
                link.receive_data(line + b"\n")
                try:
                    message = link.next_message()
                except ProtocolError as exc:
                    refused = exc
            out.append({"line": line.decode("latin-1"), "message": message,
                        "refused": refused})
        return out

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 10,
                       since: int = 0) -> Event:
        """The first event (from index ``since``) that satisfies ``predicate``."""
        with trio.fail_after(timeout):
            while True:
                for e in self.events[since:]:
                    if predicate(e):
                        return e
                if self.exited.is_set():
                    raise TerminalError(f"{self.name} exited while waiting")
                await self._wake.wait()

    async def send_raw(self, line: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        await self.process.stdin.send_all(line.encode() + b"\n")

    async def op(self, op: str, timeout: float = 30, **fields: Any) -> Event:
        """Send one control operation and wait for its ``ok`` (``error`` raises)."""
        self._next_id += 1
        ident = f"{self.name}-{self._next_id}"
        body = {"op": op, "id": ident, **{k: _wire(v) for k, v in fields.items()}}
        mark = len(self.events)
        await self.send_raw(json.dumps(body))
        reply = await self.wait_for(
            lambda e: e["ev"] in ("ok", "error") and e.get("id") == ident, timeout, since=mark)
        if reply["ev"] == "error":
            raise TerminalError(f"{self.name}: {op} refused: {reply.get('text')}")
        return reply

    # ---------------------------------------------------------------- trading (manual, as a trader)
    async def place_order(self, symbol: str, order_type: str, volume: float, price: float, *,
                          sl: float = 0, tp: float = 0, stoplimit: float = 0,
                          expiration: int = 0, magic: int = 0, comment: str = "") -> int:
        """Place a pending order (``BUY_LIMIT``, ``SELL_STOP``, ...; ``expiration`` in epoch
        seconds, 0 = good till cancelled) as the trader would; returns the order ticket."""
        reply = await self.op("place", symbol=symbol, type=order_type, volume=volume, price=price,
                              sl=sl, tp=tp, stoplimit=stoplimit, expiration=expiration,
                              magic=magic, comment=comment)
        return int(reply["order"])

    async def modify_order(self, order: int, **values: float | int) -> None:
        """Change a pending order's ``price``, ``sl``, ``tp``, ``stoplimit`` or
        ``expiration`` (epoch seconds, 0 = good till cancelled)."""
        await self.op("order_modify", order=order, **values)

    async def cancel_order(self, order: int) -> None:
        await self.op("order_cancel", order=order)

    async def set_price(self, symbol: str, bid: float, ask: float) -> None:
        """Move the market: a tick (pending orders the price crosses fill, §9a)."""
        await self.op("tick", symbol=symbol, bid=bid, ask=ask)

    async def state(self) -> Event:
        mark = len(self.events)
        await self.op("dump")
        return await self.wait_for(lambda e: e["ev"] == "state", since=mark)

    async def stop(self) -> None:
        if self.process is None or self.exited.is_set():
            return
        try:
            await self.op("quit", timeout=10)
        except (TerminalError, trio.TooSlowError, trio.BrokenResourceError, OSError):
            pass
        with trio.move_on_after(10):
            await self.exited.wait()
        if not self.exited.is_set():
            self.process.kill()
            await self.exited.wait()

    # ---------------------------------------------------------------- reading the log
    def lines(self, kind: str, prefix: str = "", since: int = 0) -> list[str]:
        """Protocol lines ``sent`` or ``received`` (optionally starting with ``prefix``)."""
        return [e["line"] for e in self.events[since:]
                if e["ev"] == kind and e["line"].startswith(prefix)]

    def prints(self, contains: str = "") -> list[str]:
        return [e["text"] for e in self.events if e["ev"] == "print" and contains in e["text"]]

    async def wait_line(self, kind: str, prefix: str, timeout: float = 10, since: int = 0) -> str:
        e = await self.wait_for(lambda e: e["ev"] == kind and e["line"].startswith(prefix),
                                timeout, since)
        return str(e["line"])


def _wire(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
