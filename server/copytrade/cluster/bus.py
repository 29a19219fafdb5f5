"""The bus between nodes: NATS core through nats-py, used from trio via trio-asyncio.

There is no trio-native NATS client, so this wraps nats-py the way ``db/database.py`` wraps
asyncpg: every call is one trio→asyncio crossing, callers never see asyncio. What it offers:

- :meth:`Bus.publish` — fire and forget (NATS core is at-most-once: a message may be lost;
  PostgreSQL is the record, see docs/cluster.md);
- :meth:`Bus.subscribe` — a subscription that exists while the ``async with`` block runs,
  delivering into a **bounded** trio channel; when the consumer falls behind, new messages
  are dropped (never blocking the reader) and a ``SLOW_CONSUMER`` event is reported;
- :meth:`Bus.request` / :meth:`Bus.reply` — request/reply; nobody subscribed is
  :class:`NoResponders` at once (the "offline everywhere" answer), silence is
  :class:`RequestTimeout`;
- :attr:`Bus.events` — ``DISCONNECTED`` / ``RECONNECTED`` / ``SLOW_CONSUMER`` / ``ERROR`` /
  ``CLOSED`` as values a node acts on: anything but ``ERROR`` means messages may have been
  missed, so the node heals from PostgreSQL (resync). nats-py reconnects and resubscribes by
  itself; messages published while disconnected are buffered by nats-py up to its pending
  size, beyond that :meth:`publish` raises :class:`BusUnavailable`.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import attrs
import nats
import nats.errors
import trio
import trio_asyncio

log = logging.getLogger(__name__)

EVENTS_BUFFER = 256
"""Bus events kept for the node; beyond that the oldest are not lost but new ones are
dropped and counted (a node that does not read its events resyncs on the next one anyway)."""


class BusError(Exception):
    """A bus operation failed."""


class BusUnavailable(BusError):
    """Not connected to any nats-server (at start, or the outbound buffer is full)."""


class NoResponders(BusError):
    """Nobody subscribes to the request's subject."""


class RequestTimeout(BusError):
    """A responder existed but no reply came in time."""


class BusEventKind(enum.Enum):
    DISCONNECTED = "DISCONNECTED"
    """The link to nats-server broke; messages may be lost until RECONNECTED."""
    RECONNECTED = "RECONNECTED"
    """Connected again (subscriptions restored): heal what was missed from PostgreSQL."""
    SLOW_CONSUMER = "SLOW_CONSUMER"
    """Messages of ``subject`` were dropped (our buffer or the server's limit overflowed)."""
    ERROR = "ERROR"
    """Another error reported by the client (logged; no message known lost)."""
    CLOSED = "CLOSED"
    """The connection is closed for good (after :func:`open_bus` ends, or reconnects gave up)."""


@attrs.frozen
class BusEvent:
    kind: BusEventKind
    detail: str = ""
    """What the client said (for the log)."""
    subject: str = ""
    """For SLOW_CONSUMER: the subscription that dropped messages."""


@attrs.frozen
class BusMessage:
    subject: str
    data: bytes
    reply: str = ""
    """Where to send the answer of a request ("" for a plain publish)."""


@attrs.define
class Subscription:
    """Messages of one subject (``*``/``>`` wildcards allowed) while the block runs."""

    subject: str
    receive_channel: trio.MemoryReceiveChannel[BusMessage]
    dropped: int = 0
    """Messages dropped because the consumer fell behind (the buffer was full)."""

    async def receive(self) -> BusMessage:
        return await self.receive_channel.receive()

    def __aiter__(self) -> AsyncIterator[BusMessage]:
        return self.receive_channel.__aiter__()


def _event_sender() -> tuple[trio.MemorySendChannel[BusEvent],
                             trio.MemoryReceiveChannel[BusEvent]]:
    return trio.open_memory_channel[BusEvent](EVENTS_BUFFER)


@attrs.define
class Bus:
    """One node's NATS connection. Make it with :func:`open_bus`."""

    nc: Any
    """The nats-py client (asyncio side: not for trio code)."""
    events: trio.MemoryReceiveChannel[BusEvent]
    _events_in: trio.MemorySendChannel[BusEvent]
    events_dropped: int = 0

    def report(self, event: BusEvent) -> None:
        """Queue an event for the node (from the client's callbacks or our own code)."""
        log.info("bus: %s %s %s", event.kind.value, event.subject, event.detail)
        try:
            self._events_in.send_nowait(event)
        except trio.WouldBlock:
            self.events_dropped += 1
        except trio.ClosedResourceError:
            pass

    @property
    def connected(self) -> bool:
        return bool(self.nc.is_connected)

    async def publish(self, subject: str, data: bytes) -> None:
        try:
            await trio_asyncio.aio_as_trio(self.nc.publish)(subject, data)
        except (nats.errors.OutboundBufferLimitError, nats.errors.ConnectionClosedError) as exc:
            raise BusUnavailable(f"cannot publish on {subject}: {exc!r}") from None

    async def flush(self, timeout: float = 5) -> None:
        """Wait until the server has everything published so far."""
        try:
            await trio_asyncio.aio_as_trio(self.nc.flush)(timeout)
        except (nats.errors.TimeoutError, nats.errors.ConnectionClosedError) as exc:
            raise BusUnavailable(f"flush failed: {exc!r}") from None

    async def request(self, subject: str, data: bytes, timeout: float = 1.0) -> bytes:
        try:
            msg = await trio_asyncio.aio_as_trio(self.nc.request)(subject, data,
                                                                  timeout=timeout)
        except nats.errors.NoRespondersError:
            raise NoResponders(subject) from None
        except nats.errors.TimeoutError:
            raise RequestTimeout(f"no reply on {subject} within {timeout} s") from None
        except (nats.errors.OutboundBufferLimitError, nats.errors.ConnectionClosedError) as exc:
            raise BusUnavailable(f"cannot request on {subject}: {exc!r}") from None
        return bytes(msg.data)

    async def reply(self, msg: BusMessage, data: bytes) -> None:
        """Answer a request received through a subscription (nothing to do without ``reply``)."""
        if msg.reply:
            await self.publish(msg.reply, data)

    @asynccontextmanager
    async def subscribe(self, subject: str, *, buffer: int = 1024,
                        queue: str = "") -> AsyncIterator[Subscription]:
        """Subscribed while the block runs; at most ``buffer`` messages wait for the reader.

        ``queue``: a queue group (each message goes to one member of the group)."""
        send, receive = trio.open_memory_channel[BusMessage](buffer)
        sub_state = Subscription(subject, receive)
        overflowing = False

        async def deliver(msg: Any) -> None:   # runs on the asyncio side, in trio's thread
            nonlocal overflowing
            try:
                send.send_nowait(BusMessage(msg.subject, bytes(msg.data), msg.reply or ""))
                overflowing = False
            except trio.WouldBlock:
                sub_state.dropped += 1
                if not overflowing:
                    overflowing = True
                    self.report(BusEvent(BusEventKind.SLOW_CONSUMER,
                                         "subscription buffer full", subject))
            except trio.ClosedResourceError:
                pass

        try:
            sub = await trio_asyncio.aio_as_trio(self.nc.subscribe)(subject, queue=queue,
                                                                    cb=deliver)
        except nats.errors.Error as exc:
            raise BusUnavailable(f"cannot subscribe to {subject}: {exc!r}") from None
        try:
            yield sub_state
        finally:
            send.close()
            with trio.CancelScope(shield=True), trio.move_on_after(5), \
                    contextlib.suppress(nats.errors.Error):
                await trio_asyncio.aio_as_trio(sub.unsubscribe)()


@asynccontextmanager
async def open_bus(servers: str | Sequence[str], *, name: str = "copytrade",
                   reconnect_wait: float = 0.25, ping_interval: float = 2,
                   connect_timeout: float = 2,
                   start_timeout: float = 5) -> AsyncIterator[Bus]:
    """Connect (needs trio-asyncio's loop running); closed when the block ends.

    It reconnects for ever (every ``reconnect_wait`` s); a dead server is noticed after two
    unanswered pings (``ping_interval``) or at once when the socket closes. No server
    reachable within ``start_timeout`` s at the start is :class:`BusUnavailable`."""
    events_in, events = _event_sender()
    holder: list[Bus] = []

    def report(event: BusEvent) -> None:
        if holder:
            holder[0].report(event)

    async def on_error(exc: Exception) -> None:
        if isinstance(exc, nats.errors.SlowConsumerError):
            report(BusEvent(BusEventKind.SLOW_CONSUMER, "server-side slow consumer",
                            str(getattr(exc, "subject", ""))))
        else:
            report(BusEvent(BusEventKind.ERROR, repr(exc)))

    async def on_disconnected() -> None:
        report(BusEvent(BusEventKind.DISCONNECTED))

    async def on_reconnected() -> None:
        report(BusEvent(BusEventKind.RECONNECTED))

    async def on_closed() -> None:
        report(BusEvent(BusEventKind.CLOSED))

    urls = [servers] if isinstance(servers, str) else list(servers)
    nc: Any = None
    try:
        # nats-py retries the first connect for ever too (max_reconnect_attempts=-1): bound it.
        with trio.move_on_after(start_timeout):
            nc = await trio_asyncio.aio_as_trio(nats.connect)(
                servers=urls, name=name, allow_reconnect=True, max_reconnect_attempts=-1,
                reconnect_time_wait=reconnect_wait, ping_interval=ping_interval,
                max_outstanding_pings=2, connect_timeout=connect_timeout,
                error_cb=on_error, disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected, closed_cb=on_closed)
    except (OSError, nats.errors.Error, TimeoutError) as exc:
        raise BusUnavailable(f"cannot connect to NATS at {', '.join(urls)}: {exc!r}") from None
    if nc is None:
        raise BusUnavailable(f"cannot connect to NATS at {', '.join(urls)} within "
                             f"{start_timeout} s")
    bus = Bus(nc, events, events_in)
    holder.append(bus)
    try:
        yield bus
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(5), \
                contextlib.suppress(nats.errors.Error):
            await trio_asyncio.aio_as_trio(nc.close)()
        events_in.close()
