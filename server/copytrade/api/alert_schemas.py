# ruff: noqa: S105
"""Request and response bodies of the alert routes (``/api/v1/alerts``).

Flat objects: each channel kind's settings are top-level fields (``webhook_url``,
``bot_token`` …) so that every field is validated and documented on its own. Secrets
(``bot_token``, ``line_channel_access_token``, ``line_channel_secret``, ``webhook_secret``)
are write-only: answers say only whether one is saved (``*_set``).
"""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds; no secrets here)
from datetime import datetime
from typing import Literal

import attrs

from .validation import UNSET, Unset, spec

ChannelKind = Literal["telegram", "line", "email", "webhook"]
Topic = Literal["ea.offline", "copy.failed", "copy.skipped", "copy.expired",
                "killswitch.stopout", "risk.tripped", "master.trade", "summary.daily"]
Language = Literal["en", "th"]
Via = Literal["server", "own"]
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TOKEN = r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,100}$"


@attrs.frozen
class ChannelIn:
    """A new alert channel. ``via``: the server-wide bot / Official Account, or your own."""

    kind: ChannelKind
    name: str = spec(min_length=1, max_length=100)
    enabled: bool | Unset = UNSET
    events: list[Topic] | Unset = spec(default=UNSET, max_items=8,
                                       doc="topics; default: all but master.trade, "
                                           "copy.skipped and summary.daily")
    language: Language | Unset = UNSET
    time_zone: str | Unset = spec(default=UNSET, max_length=64, doc="IANA name, e.g. "
                                                                  "Asia/Bangkok")
    quiet_start: str | Unset | None = spec(default=UNSET, pattern=HHMM, doc="HH:MM local")
    quiet_end: str | Unset | None = spec(default=UNSET, pattern=HHMM, doc="HH:MM local")
    summary_time: str | Unset = spec(default=UNSET, pattern=HHMM, doc="HH:MM local")
    via: Via | Unset = spec(default=UNSET, doc="telegram and line: server (default) or own")
    bot_token: str | Unset = spec(default=UNSET, max_length=130, pattern=TOKEN,
                                  doc="telegram via own: the token from @BotFather")
    line_channel_access_token: str | Unset = spec(default=UNSET, min_length=20,
                                                  max_length=400)
    line_channel_secret: str | Unset = spec(default=UNSET, pattern=r"^[0-9a-f]{32}$")
    email: str | Unset = spec(default=UNSET, min_length=3, max_length=254,
                              pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    webhook_url: str | Unset = spec(default=UNSET, max_length=2000, fmt="uri")
    webhook_secret: str | Unset = spec(default=UNSET, min_length=16, max_length=200,
                                       doc="omitted: the server makes one, shown once")


@attrs.frozen
class ChannelPatchIn:
    """Changes to a channel (omitted = kept; a secret given replaces the saved one)."""

    name: str | Unset = spec(default=UNSET, min_length=1, max_length=100)
    enabled: bool | Unset = UNSET
    events: list[Topic] | Unset = spec(default=UNSET, max_items=8)
    language: Language | Unset = UNSET
    time_zone: str | Unset = spec(default=UNSET, max_length=64)
    quiet_start: str | Unset | None = spec(default=UNSET, pattern=HHMM)
    quiet_end: str | Unset | None = spec(default=UNSET, pattern=HHMM)
    summary_time: str | Unset = spec(default=UNSET, pattern=HHMM)
    bot_token: str | Unset = spec(default=UNSET, max_length=130, pattern=TOKEN)
    line_channel_access_token: str | Unset = spec(default=UNSET, min_length=20,
                                                  max_length=400)
    line_channel_secret: str | Unset = spec(default=UNSET, pattern=r"^[0-9a-f]{32}$")
    email: str | Unset = spec(default=UNSET, min_length=3, max_length=254,
                              pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    webhook_url: str | Unset = spec(default=UNSET, max_length=2000, fmt="uri")
    webhook_secret: str | Unset = spec(default=UNSET, min_length=16, max_length=200)


@attrs.frozen
class ChannelOut:
    id: int
    kind: ChannelKind
    name: str
    enabled: bool
    events: list[str]
    language: str
    time_zone: str
    quiet_start: str | None
    quiet_end: str | None
    summary_time: str
    via: str | None
    linked: bool
    """Telegram / LINE: a chat or user is bound; e-mail and webhook: always true."""
    linked_at: datetime | None
    link_pending: bool
    target: str | None
    """Where messages go: the Telegram chat, LINE user, e-mail address or webhook URL."""
    email: str | None
    webhook_url: str | None
    bot_username: str | None
    bot_token_set: bool
    line_token_set: bool
    webhook_secret_set: bool
    line_webhook_url: str | None
    """LINE via own: set this as the Webhook URL of your channel (needs COPYTRADE_PUBLIC_URL)."""
    last_status: str | None
    """``sent``, ``failed`` or ``dead`` (the last delivery attempt)."""
    last_detail: str | None
    """e.g. ``failed: 401 from Telegram (Unauthorized) — check the token``."""
    last_at: datetime | None
    created_at: datetime


@attrs.frozen
class ChannelEnvelope:
    channel: ChannelOut
    webhook_secret: str | None = None
    """Only in the answer that created it (when the server generated it): save it now."""


@attrs.frozen
class ChannelList:
    channels: list[ChannelOut]
    topics: list[str]
    email_available: bool
    telegram_server_bot: bool
    line_server_account: bool
    public_url: str | None


@attrs.frozen
class LinkOut:
    code: str
    """One-time code (30 minutes)."""
    expires_at: datetime
    deep_link: str | None
    """Telegram: open it and press Start (``https://t.me/<bot>?start=<code>``)."""
    instructions: str
    line_webhook_url: str | None


@attrs.frozen
class DeliveryOut:
    id: int
    idempotency_key: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@attrs.frozen
class DeliveryList:
    deliveries: list[DeliveryOut]


@attrs.frozen
class DeliveryEnvelope:
    delivery: DeliveryOut
