"""In-process live events, one stream per user, for the API's websocket.

``publish`` never blocks and never awaits (it runs on the signal path): each subscriber has a
bounded channel; a subscriber that falls behind by more than its buffer is cut off (its
channel closes, the websocket ends and the browser reconnects and reloads state).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import trio

SUBSCRIBER_BUFFER = 1000


def decimal_text(value: Decimal) -> str:
    """A number in an event as the API writes decimals, whatever form the EA sent it in
    (the wire writes the shortest form, ``20``): no exponent, at least two decimals, no
    trailing zeros beyond them (``20.00``, ``1.0845``, ``-0.35``)."""
    text = format(value, "f")
    if text[0] == "-" and not value:
        text = text[1:]
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def _jsonable(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


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
class EventBus:
    """Fan events out to the subscribers of each user."""

    _subscribers: dict[int, set[trio.MemorySendChannel[Event]]] = attrs.field(factory=dict)
    _ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    published: int = 0

    def wants(self, user_id: int) -> bool:
        """Whether anybody listens to this user's events (lets callers skip building them)."""
        return user_id in self._subscribers

    def publish(self, user_id: int, type: str, data: dict[str, Any],
                account_id: int | None = None) -> Event | None:
        """Send an event to the user's subscribers; None (and nothing built) when there are none."""
        self.published += 1
        subs = self._subscribers.get(user_id)
        if not subs:
            return None
        event = Event(id=next(self._ids), type=type, user_id=user_id, account_id=account_id,
                      data=data, at=time.time())
        if subs:
            for channel in list(subs):
                try:
                    channel.send_nowait(event)
                except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
                    subs.discard(channel)
                    channel.close()
        return event

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[trio.MemoryReceiveChannel[Event]]:
        """Receive the user's events until the block ends (or the subscriber is cut off)."""
        send, receive = trio.open_memory_channel[Event](SUBSCRIBER_BUFFER)
        self._subscribers.setdefault(user_id, set()).add(send)
        try:
            async with receive:
                yield receive
        finally:
            subs = self._subscribers.get(user_id)
            if subs is not None:
                subs.discard(send)
                if not subs:
                    del self._subscribers[user_id]
            send.close()

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
