"""What every channel's ``deliver`` receives and raises."""

from __future__ import annotations

from typing import Any

import attrs

from ..render import Rendered
from ..store import Channel


class DeliveryError(Exception):
    """A delivery attempt failed; ``detail`` is shown to the user (never holds a secret)."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after
        """Seconds the receiver asked us to wait (HTTP 429 Retry-After, Telegram retry_after)."""


@attrs.frozen
class Outgoing:
    """One outbox row, ready to send."""

    outbox_id: int
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    created_at: str
    channel: Channel
    secrets: dict[str, str]
    rendered: Rendered


def scrub(text: str, secrets: dict[str, str]) -> str:
    """``text`` with every secret value replaced (library errors may quote URLs)."""
    for value in secrets.values():
        if value and len(value) >= 6:
            text = text.replace(value, "<secret>")
    return text[:300]
