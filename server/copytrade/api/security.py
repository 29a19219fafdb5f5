"""Who is calling: session cookies, Bearer tokens, CSRF, password hashing and throttles.

- A browser session is a random token in the ``ct_session`` cookie; the server keeps its
  SHA-256 in ``user_sessions``.
- A script sends ``Authorization: Bearer ctp_...`` (a personal token, same rights).
- Unsafe methods not authenticated by a Bearer token need ``X-CSRF: 1``: a custom header a
  cross-site form cannot send (browsers preflight it, and we answer no CORS).
- Passwords are argon2id, hashed in a worker thread so the event loop never stalls.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Literal

import argon2
import attrs
import trio
from quart import current_app, request

from ..db.sessions import SessionRepository
from ..db.tokens import TokenRepository
from ..throttle import SlidingWindow
from .errors import Forbidden, RateLimited, Unauthorized

COOKIE = "ct_session"
CSRF_HEADER = "X-CSRF"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@attrs.frozen
class SecurityConfig:
    """Throttle limits and argon2 cost; tests lower them, production keeps the defaults."""

    login_per_address: tuple[int, float] = (100, 900.0)
    """(failures, seconds) one client address may have, whatever the emails, before login
    answers 429: high, because a trading room behind one NAT shares an address."""
    login_per_account: tuple[int, float] = (30, 900.0)
    """(failures, seconds) one email may have from all addresses together (a spread-out
    guessing attack) before login answers 429."""
    login_per_account_address: tuple[int, float] = (5, 900.0)
    """(failures, seconds) one email may have from one address: the limit a guesser (or a
    trader mistyping) meets first; it locks nobody else out."""
    token_per_address: tuple[int, float] = (50, 300.0)
    """(failures, seconds) of bad Bearer tokens per address before 429."""
    register_per_address: tuple[int, float] = (50, 3600.0)
    """(attempts, seconds) registrations per address."""
    email_change_per_user: tuple[int, float] = (5, 3600.0)
    """(refusals, seconds) of ``PATCH /me`` email changes per user before 429: the refusal
    does not say why, and this keeps the route from being a way to probe for addresses."""
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4


@attrs.define
class Throttles:
    login_address: SlidingWindow
    login_account: SlidingWindow
    token_address: SlidingWindow
    register_address: SlidingWindow
    login_pair: SlidingWindow
    """Keyed ``email|address``."""
    email_change_user: SlidingWindow
    """Refused email changes, keyed ``user:<id>``."""

    @classmethod
    def from_config(cls, c: SecurityConfig) -> Throttles:
        return cls(SlidingWindow(*c.login_per_address), SlidingWindow(*c.login_per_account),
                   SlidingWindow(*c.token_per_address), SlidingWindow(*c.register_per_address),
                   SlidingWindow(*c.login_per_account_address),
                   SlidingWindow(*c.email_change_per_user))


def check(window: SlidingWindow, key: str) -> None:
    wait = window.retry_after(key)
    if wait is not None:
        raise RateLimited(wait)


@attrs.define
class Passwords:
    """argon2id hashing off the event loop."""

    hasher: argon2.PasswordHasher
    _dummy: str | None = None

    @classmethod
    def from_config(cls, c: SecurityConfig) -> Passwords:
        return cls(argon2.PasswordHasher(
            time_cost=c.argon2_time_cost, memory_cost=c.argon2_memory_kib,
            parallelism=c.argon2_parallelism, type=argon2.Type.ID))

    async def hash(self, password: str) -> str:
        return await trio.to_thread.run_sync(self.hasher.hash, password)

    async def verify(self, hashed: str | None, password: str) -> bool:
        """Whether ``password`` matches; with ``hashed=None`` spends the same time, then False."""
        if hashed is None:
            if self._dummy is None:
                self._dummy = await self.hash("not-a-real-password")
            hashed, password = self._dummy, password + "\x00"

        def _verify(h: str) -> bool:
            try:
                return self.hasher.verify(h, password)
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
                return False

        return await trio.to_thread.run_sync(_verify, hashed)


@attrs.frozen
class Principal:
    """The authenticated caller."""

    user_id: int
    via: Literal["session", "token"]
    session_id: int | None = None


def client_address() -> str:
    """The client's IP address: the peer's, or, when the peer is a trusted reverse proxy
    (``COPYTRADE_TRUSTED_PROXIES``), the last untrusted hop of ``X-Forwarded-For``."""
    peer = request.remote_addr or "unknown"
    proxies = _networks(current_app.extensions["copytrade"].settings.trusted_proxies)
    if not proxies or not _within(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("X-Forwarded-For")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _within(hop, proxies):
            return hop if _is_ip(hop) else peer
    return peer


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                                 ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _within(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                          ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def bearer_secret() -> str | None:
    """The Bearer token of the request, '' for a malformed Authorization header, else None."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def require_csrf_header() -> None:
    """Refuse an unsafe request that is not Bearer-authenticated and lacks ``X-CSRF: 1``."""
    if request.method in UNSAFE and request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden(f"Unsafe requests made with a session need the header {CSRF_HEADER}: 1.")


async def authenticate(sessions: SessionRepository, tokens: TokenRepository,
                       throttles: Throttles) -> Principal:
    """The caller, from a Bearer token or the session cookie (with the CSRF rule), or 401."""
    secret = bearer_secret()
    if secret is not None:
        address = client_address()
        check(throttles.token_address, address)
        user_id = await tokens.resolve(secret) if secret.startswith("ctp_") and len(
            secret) <= 200 else None
        if user_id is None:
            throttles.token_address.fail(address)
            raise Unauthorized("Invalid or revoked token.")
        return Principal(user_id=user_id, via="token")
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 200:
        raise Unauthorized("Log in first.")
    require_csrf_header()
    found = await sessions.resolve(cookie)
    if found is None:
        raise Unauthorized("Your session has ended; log in again.")
    return Principal(user_id=found.user_id, via="session", session_id=found.session_id)
