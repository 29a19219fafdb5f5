"""In-memory sliding-window counters of failures, for login and token throttling.

One process serves the API, so memory is the right store: no table, no round trip. Each key
keeps the times of its recent failures; at ``limit`` failures within ``window`` seconds the key
is refused until the oldest failure leaves the window. Memory is bounded: at most
``max_keys`` keys, the stalest dropped first.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

import attrs


@attrs.define
class SlidingWindow:
    """Failures per key within the last ``window`` seconds."""

    limit: int
    """Failures allowed within the window; the next attempt is refused."""
    window: float
    """Seconds a failure counts for."""
    max_keys: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _hits: OrderedDict[str, deque[float]] = attrs.field(factory=OrderedDict)

    def _prune(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None if it may try now."""
        now = self.clock()
        hits = self._prune(key, now)
        if hits is None or len(hits) < self.limit:
            return None
        return hits[-self.limit] + self.window - now

    def fail(self, key: str) -> None:
        now = self.clock()
        hits = self._prune(key, now)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.limit)
        hits.append(now)
        self._hits.move_to_end(key)
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)
