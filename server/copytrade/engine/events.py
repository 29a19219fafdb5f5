"""In-process live events, one stream per user, for the API's websocket.

``publish`` and ``publish_many`` never block and never await (they run on the signal path).
Events travel in batches: ``publish_many`` hands a subscriber all the events of one ledger
write (e.g. the PENDING pairs of a signal's 500 followers) as one item, and the websocket
sends what has queued as one message. Each subscriber has a bounded channel of batches; one
that falls behind by more than ``SUBSCRIBER_BUFFER`` batches is cut off (its channel closes,
the websocket ends and the browser reconnects and reloads state).
"""

from __future__ import annotations

import collections
import itertools
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

SUBSCRIBER_BUFFER = 1000
"""Batches a subscriber may have unread before it is cut off."""

Batch = list["Event"]


@attrs.frozen
class Event:
    """One change a dashboard should show."""

    id: int
    """Monotonically increasing over the process's life."""
    type: str
    """e.g. ``trade.opened``, ``pair.status``, ``ea.status``, ``account.state``."""
    user_id: int
    """Owner of the account the event concerns; only they receive it."""
    account_id: int | None
    """The trading account concerned, when there is one."""
    data: dict[str, Any]
    """JSON-ready payload."""
    at: float
    """Unix time of publication."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "account_id": self.account_id,
                "at": self.at, "data": self.data}


@attrs.define
class Subscription:
    """One subscriber's stream: read event by event (``receive``, ``async for``) or, as the
    websocket does, every batch queued so far at once (``receive_batch``)."""

    _channel: trio.MemoryReceiveChannel[Batch]
    _pending: collections.deque[Event] = attrs.field(factory=collections.deque)

    async def receive_batch(self) -> list[Event]:
        """At least one event: those left over, else the next batch and every batch already
        queued behind it. Raises ``trio.EndOfChannel`` once cut off."""
        out = list(self._pending)
        self._pending.clear()
        if not out:
            out.extend(await self._channel.receive())
        while True:
            try:
                out.extend(self._channel.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                return out

    async def receive(self) -> Event:
        while not self._pending:
            self._pending.extend(await self._channel.receive())
        return self._pending.popleft()

    def receive_nowait(self) -> Event:
        while not self._pending:
            self._pending.extend(self._channel.receive_nowait())
        return self._pending.popleft()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None


@attrs.define
class EventBus:
    """Fan events out to the subscribers of each user."""

    _subscribers: dict[int, set[trio.MemorySendChannel[Batch]]] = attrs.field(factory=dict)
    _ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    published: int = 0

    def wants(self, user_id: int) -> bool:
        """Whether anybody listens to this user's events (lets callers skip building them)."""
        return user_id in self._subscribers

    def publish(self, user_id: int, type: str, data: dict[str, Any],
                account_id: int | None = None) -> Event | None:
        """Send an event to the user's subscribers; None (and nothing built) when there are none."""
        self.published += 1
        if user_id not in self._subscribers:
            return None
        event = Event(id=next(self._ids), type=type, user_id=user_id, account_id=account_id,
                      data=data, at=time.time())
        self._send(user_id, [event])
        return event

    def publish_many(self, user_id: int, type: str,
                     items: Sequence[tuple[int | None, dict[str, Any]]]) -> None:
        """Send events of one kind, ``(account_id, data)`` each, as one batch."""
        self.published += len(items)
        if not items or user_id not in self._subscribers:
            return
        at = time.time()
        ids = self._ids
        self._send(user_id, [Event(id=next(ids), type=type, user_id=user_id,
                                   account_id=account_id, data=data, at=at)
                             for account_id, data in items])

    def _send(self, user_id: int, batch: Batch) -> None:
        subs = self._subscribers.get(user_id)
        for channel in list(subs or ()):
            try:
                channel.send_nowait(batch)
            except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
                assert subs is not None
                subs.discard(channel)
                channel.close()

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[Subscription]:
        """Receive the user's events, in batches, until the block ends (or the subscriber is
        cut off)."""
        send, receive = trio.open_memory_channel[Batch](SUBSCRIBER_BUFFER)
        self._subscribers.setdefault(user_id, set()).add(send)
        try:
            async with receive:
                yield Subscription(receive)
        finally:
            subs = self._subscribers.get(user_id)
            if subs is not None:
                subs.discard(send)
                if not subs:
                    del self._subscribers[user_id]
            send.close()

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
