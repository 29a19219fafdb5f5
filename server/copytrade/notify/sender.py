"""One sender task per channel kind: due outbox rows → deliveries, with rate limits and backoff.

For each row, in outbox order per channel: count the attempt first (``attempts + 1`` and
``not_before = now() + backoff``, committed before anything is sent — a process that dies
mid-send retries after the backoff and a row that crashes the process cannot loop forever),
then deliver, then commit ``status = 'sent'``. A failure keeps the row pending until its
backoff (``backoff * 2^(attempt-1)``, at most an hour, or the receiver's Retry-After if
longer); after ``max_attempts`` the row is ``dead``. Each outcome is also written to the
channel (``last_status``/``last_detail``) for the settings page.

Guarantee: at least once, with one idempotency key per row. A message is sent twice only if
the process dies after the receiver accepted it and before ``sent`` committed (the time of
one UPDATE); webhooks (``Idempotency-Key``), LINE (``X-Line-Retry-Key``) and e-mail
(``Message-ID``) carry the key so the receiver can drop that repeat; Telegram has no such key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import attrs
import trio

from ..db.database import Database
from ..db.errors import DATABASE_FAILURES
from .channels.base import DeliveryError, Outgoing
from .limits import RateLimiter
from .render import render
from .secretbox import SecretBox, SecretUnreadable
from .store import Channel

log = logging.getLogger(__name__)

MAX_BACKOFF = 3600.0
BATCH = 100

_DUE = """
SELECT o.id AS o_id, o.idempotency_key, o.kind AS o_kind, o.payload, o.attempts,
       o.created_at AS o_created_at, c.*
FROM notify_outbox o JOIN notify_channels c ON c.id = o.channel_id
WHERE o.status = 'pending' AND o.not_before <= now() AND c.kind = $1 AND c.enabled
ORDER BY o.id LIMIT $2
"""
_CHANNEL_FIELDS = tuple(a.name for a in attrs.fields(Channel))

Deliver = Callable[[Outgoing], Awaitable[None]]
LimitKey = Callable[[Outgoing], tuple[str, str]]


def backoff(base: float, attempt: int) -> float:
    return float(min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF))


@attrs.define
class Sender:
    kind: str
    db: Database
    box: SecretBox
    deliver: Deliver
    limiter: RateLimiter
    limit_key: LimitKey
    poll: float
    base_backoff: float
    max_attempts: int
    timeout: float
    _wakeup: trio.Event = attrs.field(factory=trio.Event)
    sent: int = 0
    failed: int = 0

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            try:
                await self.tick()
            except DATABASE_FAILURES as exc:
                log.warning("%s sender: database unavailable (%s); retrying", self.kind, exc)
            except Exception:  # a bug in one alert must never end the server
                log.exception("%s sender failed; retrying", self.kind)
            with trio.move_on_after(self.poll):
                await self._wakeup.wait()
            self._wakeup = trio.Event()

    async def tick(self) -> int:
        """Deliver what is due now; returns how many rows it tried."""
        rows = await self.db.fetch(_DUE, self.kind, BATCH)
        held: set[int] = set()  # channels whose earlier row waits: keep their order
        tried = 0
        for row in rows:
            channel = Channel.from_row({k: row[k] for k in _CHANNEL_FIELDS})
            if channel.id in held:
                continue
            try:
                secrets = self.box.open(channel.secret)
            except SecretUnreadable as exc:
                secrets = {}
                unreadable: str | None = str(exc)
            else:
                unreadable = None
            out = Outgoing(outbox_id=row["o_id"], idempotency_key=str(row["idempotency_key"]),
                           kind=row["o_kind"], payload=dict(row["payload"]),
                           created_at=row["o_created_at"].isoformat(), channel=channel,
                           secrets=secrets, rendered=render(dict(row["payload"]),
                                                            channel.language))
            wait = self.limiter.wait(*self.limit_key(out))
            if wait > 0:
                if wait > self.poll:
                    held.add(channel.id)
                    continue
                await trio.sleep(wait)
            tried += 1
            await self._attempt(out, row["attempts"] + 1, unreadable)
        return tried

    async def _attempt(self, out: Outgoing, attempt: int, unreadable: str | None) -> None:
        delay = backoff(self.base_backoff, attempt)
        claimed = await self.db.execute(
            "UPDATE notify_outbox SET attempts = $2, not_before = now() + make_interval("
            "secs => $3) WHERE id = $1 AND status = 'pending' AND attempts = $2 - 1",
            out.outbox_id, attempt, delay)
        if claimed.endswith(" 0"):
            return  # another node took it
        self.limiter.note(*self.limit_key(out))
        error: DeliveryError | None = None
        try:
            if unreadable is not None:
                raise DeliveryError(unreadable)
            with trio.fail_after(self.timeout + 5):
                await self.deliver(out)
        except DeliveryError as exc:
            error = exc
        except trio.TooSlowError:
            error = DeliveryError(f"no answer within {self.timeout:g} s")
        if error is None:
            self.sent += 1
            await self._finish(out, "sent", None, f"sent {out.kind}")
            return
        self.failed += 1
        dead = attempt >= self.max_attempts
        detail = f"failed: {error.detail}"
        if dead:
            detail = f"dead after {attempt} attempts: {error.detail}"
        log.warning("alert %d via %s (channel %d): %s", out.outbox_id, self.kind,
                    out.channel.id, detail)
        retry = max(delay, error.retry_after or 0.0)
        await self._finish(out, "dead" if dead else "failed", error.detail, detail, retry)

    async def _finish(self, out: Outgoing, status: str, error: str | None, detail: str,
                      retry: float = 0.0) -> None:
        async def work(con: asyncpg.Connection) -> Any:
            async with con.transaction():
                if status == "sent":
                    await con.execute(
                        "UPDATE notify_outbox SET status = 'sent', sent_at = now(), "
                        "last_error = NULL WHERE id = $1", out.outbox_id)
                else:
                    await con.execute(
                        "UPDATE notify_outbox SET status = $2, last_error = $3, "
                        "not_before = now() + make_interval(secs => $4) WHERE id = $1",
                        out.outbox_id, "dead" if status == "dead" else "pending", error, retry)
                await con.execute(
                    "UPDATE notify_channels SET last_status = $2, last_detail = $3, "
                    "last_at = now() WHERE id = $1", out.channel.id, status, detail)

        with trio.CancelScope(shield=True):
            await self.db.run(work)
