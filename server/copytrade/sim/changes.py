"""Waiting for a simulator's state to change (tests and the demo wait on conditions)."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import trio


@attrs.define
class Changes:
    """Wakes every waiter whenever ``notify`` is called; waiters re-check their condition."""

    _event: trio.Event = attrs.field(factory=trio.Event)

    def notify(self) -> None:
        self._event.set()
        self._event = trio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Return once ``predicate()`` is true; TooSlowError after ``timeout`` seconds."""
        with trio.fail_after(timeout):
            while not predicate():
                await self._event.wait()
