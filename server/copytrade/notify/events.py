"""What can be alerted: the topics a channel selects, and the event kinds stored for them.

A *topic* is what a user ticks in the settings (``copy.failed``); an *event kind* is what a
cause writes to ``notify_events`` (``ea.offline`` and ``ea.online`` both belong to the topic
``ea.offline``). The kinds are written by SQL triggers (sql/008_alerts_outbox.sql) and by
:mod:`copytrade.notify.db`; this module is the one list of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

TOPICS: tuple[str, ...] = (
    "ea.offline",         # EA offline after the grace period, and back online
    "copy.failed",        # a follower refused a copy (grouped)
    "copy.skipped",       # a copy skipped by the follower's rules (grouped)
    "copy.expired",       # a copy that expired before it could be sent (grouped)
    "killswitch.stopout",  # 1TO1 kill switch after a stop-out
    "risk.tripped",       # a risk guard tripped (engine/guards.py writes these)
    "master.trade",       # a master opened or closed a trade (off by default)
    "summary.daily",      # a daily summary per account at the channel's local time
)
DEFAULT_TOPICS: tuple[str, ...] = (
    "ea.offline", "copy.failed", "copy.expired", "killswitch.stopout", "risk.tripped",
)
"""Selected for a new channel when the request names none (master trades are off)."""

KIND_TOPIC: dict[str, str] = {
    "ea.offline": "ea.offline",
    "ea.online": "ea.offline",
    "copy.failed": "copy.failed",
    "copy.skipped": "copy.skipped",
    "copy.expired": "copy.expired",
    "killswitch.stopout": "killswitch.stopout",
    "risk.tripped": "risk.tripped",
    "master.opened": "master.trade",
    "master.closed": "master.trade",
}
"""Event kind → the topic that selects it."""

GROUPED_KINDS = frozenset({"copy.failed", "copy.skipped", "copy.expired"})
"""Kinds collected per (user, account, kind) over the group window into one message."""

URGENT_KINDS = frozenset({"killswitch.stopout", "risk.tripped", "test.message"})
"""Kinds delivered during quiet hours too (everything else waits for the quiet hours' end)."""


@attrs.frozen
class RiskTrip:
    """A risk guard tripped for an account (written by ``engine.guards`` with the trip).

    Pass it to :func:`copytrade.notify.db.record_risk_trip` with the connection of the
    transaction that stores the trip, so the alert commits (or not) with it.
    """

    user_id: int
    """Owner of the account."""
    account_id: int
    """The account whose guard tripped."""
    guard: str
    """Stable code of the guard, e.g. ``MAX_DAILY_LOSS``."""
    detail: str
    """Readable reason with the figures, e.g. ``daily loss 512.40 USD > limit 500.00 USD``."""
    figures: dict[str, Decimal | int | str] = attrs.field(factory=dict)
    """The numbers that tripped it (stringified into the alert's JSON)."""

    def payload(self) -> dict[str, Any]:
        return {"guard": self.guard, "detail": self.detail,
                "figures": {k: str(v) for k, v in self.figures.items()}}


@attrs.frozen
class KillSwitchAlert:
    """A 1TO1 kill switch fired (engine/killswitch.py)."""

    user_id: int
    master_id: int
    follower_id: int
    account_id: int
    """The account whose stop-out triggered it."""
    reason: str
    closing: str
    """Which side is being closed: ``follower`` or ``master``."""
    tickets: tuple[int, ...]
    commands_sent: int

    def payload(self) -> dict[str, Any]:
        return {"master_id": self.master_id, "follower_id": self.follower_id,
                "reason": self.reason, "closing": self.closing,
                "tickets": list(self.tickets), "commands_sent": self.commands_sent}
