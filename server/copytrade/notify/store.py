"""Channel rows and outbox rows: the SQL of notify/, one repository for the API and senders."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any

import attrs

from ..db.database import Database
from ..db.errors import NotFound
from .prefs import next_summary, parse_time_zone

LINK_TTL = timedelta(minutes=30)
MAX_CHANNELS_PER_USER = 20
_CHANNEL_COLUMNS = (
    "id, user_id, kind, name, enabled, events, language, time_zone, quiet_start, quiet_end, "
    "summary_time, settings, secret, linked_at, link_expires_at, last_status, last_detail, "
    "last_at, created_at, updated_at")


@attrs.frozen
class Channel:
    """One alert channel of a user (secrets stay sealed in ``secret``)."""

    id: int
    user_id: int
    kind: str
    name: str
    enabled: bool
    events: tuple[str, ...]
    language: str
    time_zone: str
    quiet_start: time | None
    quiet_end: time | None
    summary_time: time
    settings: dict[str, Any]
    secret: bytes | None
    linked_at: datetime | None
    link_expires_at: datetime | None
    last_status: str | None
    last_detail: str | None
    last_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, r: Any) -> Channel:
        values = dict(r)
        values["events"] = tuple(values["events"])
        values["secret"] = bytes(values["secret"]) if values["secret"] is not None else None
        return cls(**values)


@attrs.frozen
class Delivery:
    """One outbox row as the API shows it."""

    id: int
    channel_id: int
    idempotency_key: str
    kind: str
    status: str
    attempts: int
    not_before: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def hash_code(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


def new_link_code() -> str:
    """A one-time code: 12 url-safe characters (72 random bits), also valid as /start data."""
    return secrets.token_urlsafe(9)


@attrs.define
class NotifyStore:
    db: Database

    async def of_user(self, user_id: int) -> list[Channel]:
        rows = await self.db.fetch(
            f"SELECT {_CHANNEL_COLUMNS} FROM notify_channels WHERE user_id = $1 ORDER BY id",
            user_id)
        return [Channel.from_row(r) for r in rows]

    async def get(self, channel_id: int, user_id: int | None = None) -> Channel:
        row = await self.db.fetchrow(
            f"SELECT {_CHANNEL_COLUMNS} FROM notify_channels WHERE id = $1 "
            "AND ($2::bigint IS NULL OR user_id = $2)", channel_id, user_id)
        if row is None:
            raise NotFound("alert channel not found")
        return Channel.from_row(row)

    async def count(self, user_id: int) -> int:
        n: int = await self.db.fetchval(
            "SELECT count(*) FROM notify_channels WHERE user_id = $1", user_id)
        return n

    async def create(self, user_id: int, values: dict[str, Any]) -> Channel:
        cols = list(values)
        row = await self.db.fetchrow(
            f"INSERT INTO notify_channels (user_id, {', '.join(cols)}) VALUES ($1, "
            f"{', '.join(f'${i + 2}' for i in range(len(cols)))}) RETURNING {_CHANNEL_COLUMNS}",
            user_id, *values.values())
        channel = Channel.from_row(row)
        return await self._schedule(channel)

    async def update(self, channel_id: int, user_id: int, values: dict[str, Any]) -> Channel:
        if values:
            sets = ", ".join(f"{c} = ${i + 3}" for i, c in enumerate(values))
            row = await self.db.fetchrow(
                f"UPDATE notify_channels SET {sets}, updated_at = now() WHERE id = $1 "
                f"AND user_id = $2 RETURNING {_CHANNEL_COLUMNS}",
                channel_id, user_id, *values.values())
            if row is None:
                raise NotFound("alert channel not found")
            channel = Channel.from_row(row)
        else:
            channel = await self.get(channel_id, user_id)
        return await self._schedule(channel)

    async def _schedule(self, channel: Channel) -> Channel:
        """(Re)compute when the next daily summary is due from the channel's time settings."""
        at = (next_summary(datetime.now(UTC), parse_time_zone(channel.time_zone),
                           channel.summary_time)
              if "summary.daily" in channel.events else None)
        await self.db.execute("UPDATE notify_channels SET next_summary_at = $2 WHERE id = $1",
                              channel.id, at)
        return channel

    async def delete(self, channel_id: int, user_id: int) -> None:
        status = await self.db.execute(
            "DELETE FROM notify_channels WHERE id = $1 AND user_id = $2", channel_id, user_id)
        if status.endswith(" 0"):
            raise NotFound("alert channel not found")

    async def start_link(self, channel_id: int, user_id: int) -> str:
        code = new_link_code()
        status = await self.db.execute(
            "UPDATE notify_channels SET link_code_hash = $3, link_expires_at = now() + $4 "
            "WHERE id = $1 AND user_id = $2", channel_id, user_id, hash_code(code), LINK_TTL)
        if status.endswith(" 0"):
            raise NotFound("alert channel not found")
        return code

    async def complete_link(self, kind: str, code: str, settings: dict[str, Any],
                            channel_id: int | None) -> Channel | None:
        """Bind the channel whose live link code is ``code`` (one use); None if there is none.

        ``channel_id`` None: the code came to the server-wide bot / Official Account, so only
        channels using it (``settings.via = 'server'``) match; else only that channel does.
        """
        row = await self.db.fetchrow(
            f"UPDATE notify_channels SET settings = settings || $3::jsonb, linked_at = now(), "
            f"link_code_hash = NULL, link_expires_at = NULL, updated_at = now() "
            f"WHERE link_code_hash = $1 AND kind = $2 AND link_expires_at > now() "
            f"AND (CASE WHEN $4::bigint IS NULL THEN settings->>'via' = 'server' "
            f"ELSE id = $4 AND settings->>'via' = 'own' END) "
            f"RETURNING {_CHANNEL_COLUMNS}",
            hash_code(code), kind, settings, channel_id)
        return Channel.from_row(row) if row is not None else None

    async def linking(self, kind: str) -> list[Channel]:
        """Channels of ``kind`` waiting for a link code to arrive."""
        rows = await self.db.fetch(
            f"SELECT {_CHANNEL_COLUMNS} FROM notify_channels WHERE kind = $1 "
            "AND link_expires_at > now() ORDER BY id", kind)
        return [Channel.from_row(r) for r in rows]

    # ---- outbox

    async def enqueue_test(self, channel: Channel) -> Delivery:
        row = await self.db.fetchrow(
            "INSERT INTO notify_outbox (channel_id, dedupe_key, kind, payload) "
            "VALUES ($1, 'test:' || gen_random_uuid(), 'test.message', $2) RETURNING *",
            channel.id, {"kind": "test.message", "channel_name": channel.name})
        return _delivery(row)

    async def deliveries(self, channel_id: int, user_id: int, limit: int = 50) -> list[Delivery]:
        await self.get(channel_id, user_id)
        rows = await self.db.fetch(
            "SELECT * FROM notify_outbox WHERE channel_id = $1 ORDER BY id DESC LIMIT $2",
            channel_id, limit)
        return [_delivery(r) for r in rows]


def _delivery(r: Any) -> Delivery:
    return Delivery(id=r["id"], channel_id=r["channel_id"],
                    idempotency_key=str(r["idempotency_key"]), kind=r["kind"],
                    status=r["status"], attempts=r["attempts"], not_before=r["not_before"],
                    last_error=r["last_error"], created_at=r["created_at"],
                    sent_at=r["sent_at"])
