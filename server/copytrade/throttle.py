"""In-memory sliding-window counters of failures: the one throttle of the API and the gateway.

One process serves the API and the EA gateway, so memory is the right store: no table, no
round trip. Each key keeps the times of its recent failures; at ``limit`` failures within
``window`` seconds the key is refused until the oldest failure leaves the window. Memory is
bounded: at most ``max_keys`` keys, the stalest (least recently failed) dropped first.

``SlidingWindow`` is the counter; the API keeps one per limit (api/security.py).
``LoginThrottle`` is the gateway's pair of them for failed EA logins.

A trading room behind one NAT shares an address: one EA with a mistyped key must not lock the
room out. So a key that keeps failing is refused on its own after ``per_key`` failures, and an
address only after ``per_address`` failures of any keys, a much higher allowance that still
stops one host guessing keys. Refusing a wrong key locks out no real account (no account has
that key), and a success clears its key's count but not its address's: one valid key cannot
launder guesses from the same address.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict, deque
from collections.abc import Callable

import attrs


@attrs.define
class SlidingWindow:
    """Failures per key within the last ``window`` seconds.

    ``now`` arguments (seconds on ``clock``'s scale) default to ``clock()``; tests pass them.
    """

    limit: int
    """Failures allowed within the window; the next attempt is refused."""
    window: float
    """Seconds a failure counts for."""
    max_keys: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _hits: OrderedDict[str, deque[float]] = attrs.field(factory=OrderedDict)

    def __len__(self) -> int:
        """Keys held (each with at least one failure, not necessarily still in the window)."""
        return len(self._hits)

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

    def retry_after(self, key: str, now: float | None = None) -> float | None:
        """Seconds until ``key`` may try again, or None if it may try now."""
        now = self.clock() if now is None else now
        hits = self._prune(key, now)
        if hits is None or len(hits) < self.limit:
            return None
        return hits[-self.limit] + self.window - now

    def blocked(self, key: str, now: float | None = None) -> bool:
        """True if ``key`` has used up its failures within the window."""
        return self.retry_after(key, now) is not None

    def fail(self, key: str, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        hits = self._prune(key, now)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.limit)
        hits.append(now)
        self._hits.move_to_end(key)
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)


def _key_id(api_key: str) -> str:
    """What is kept of a key: a digest, so a wrong key (often a real one mistyped) is not held."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


@attrs.define
class LoginThrottle:
    """Failed EA logins per API key and per source address, over the same window."""

    per_key: int = 5
    """Failures of one key (from any address) after which that key is refused."""
    per_address: int = 100
    """Failures from one address (any keys) after which the address is refused."""
    window: float = 60.0
    """Seconds a failure counts for."""
    _keys: SlidingWindow = attrs.field(init=False)
    _addresses: SlidingWindow = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._keys = SlidingWindow(self.per_key, self.window)
        self._addresses = SlidingWindow(self.per_address, self.window)

    def blocked(self, api_key: str, address: str, now: float | None = None) -> str | None:
        """Why this login is refused before the key is even looked up, or None."""
        if self._keys.blocked(_key_id(api_key), now):
            return f"too many failed logins with this API key; wait {self.window:g} s"
        if self._addresses.blocked(address, now):
            return f"too many failed logins from this address; wait {self.window:g} s"
        return None

    def fail(self, api_key: str, address: str, now: float | None = None) -> None:
        self._keys.fail(_key_id(api_key), now)
        self._addresses.fail(address, now)

    def succeed(self, api_key: str) -> None:
        self._keys.reset(_key_id(api_key))
