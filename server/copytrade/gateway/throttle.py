"""Failed EA logins, counted per API key and per source address (sliding windows).

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
        hits = self._failures.setdefault(key, deque())
        hits.append(now)
        while len(hits) > self.limit:
            hits.popleft()

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)


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
    _keys: FailureThrottle = attrs.field(init=False)
    _addresses: FailureThrottle = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._keys = FailureThrottle(self.per_key, self.window)
        self._addresses = FailureThrottle(self.per_address, self.window)

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
        self._keys.succeed(_key_id(api_key))
