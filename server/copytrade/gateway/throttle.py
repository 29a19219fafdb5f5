"""Sliding-window counter of failures per key (e.g. failed EA logins per source address)."""

from __future__ import annotations

import time
from collections import deque

import attrs


@attrs.define
class FailureThrottle:
    """Refuse a key once it failed ``limit`` times within ``window`` seconds."""

    limit: int = 5
    window: float = 60.0
    max_keys: int = 100_000
    _failures: dict[str, deque[float]] = attrs.field(factory=dict)

    def blocked(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._failures.get(key)
        if not hits:
            return False
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._failures[key]
            return False
        return len(hits) >= self.limit

    def fail(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if key not in self._failures and len(self._failures) >= self.max_keys:
            # Bounded memory: forget the oldest key rather than grow without limit.
            self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(key, deque()).append(now)

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)
