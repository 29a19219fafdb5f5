"""Send-rate limits per key and per group (Telegram: 1 message/s per chat, 30/s per bot)."""

from __future__ import annotations

from collections import deque

import attrs
import trio


@attrs.define
class RateLimiter:
    per_key_interval: float
    """Seconds between two messages to the same key (chat, LINE user, address)."""
    per_group_rate: int
    """Messages per second per group (bot token, LINE channel, SMTP server)."""
    _last: dict[str, float] = attrs.field(factory=dict)
    _group: dict[str, deque[float]] = attrs.field(factory=dict)

    def wait(self, group: str, key: str) -> float:
        """Seconds until a message to ``key`` of ``group`` may go (0 = now)."""
        now = trio.current_time()
        wait = 0.0
        last = self._last.get(key)
        if last is not None:
            wait = max(wait, last + self.per_key_interval - now)
        window = self._group.get(group)
        if window is not None:
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.per_group_rate:
                wait = max(wait, window[0] + 1.0 - now)
        return wait

    def note(self, group: str, key: str) -> None:
        now = trio.current_time()
        self._last[key] = now
        self._group.setdefault(group, deque()).append(now)
        if len(self._last) > 100_000:  # bounded memory: forget the oldest keys
            for old in list(self._last)[:50_000]:
                del self._last[old]
