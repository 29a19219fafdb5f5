"""Periodic housekeeping in the root nursery: expired login sessions are deleted, and the
equity series' minute rows older than ``MINUTES_KEPT`` are folded into hourly rows.

``resolve`` already ignores a session past its ``expires_at``; this only keeps
``user_sessions`` from growing with rows nobody can use (every login adds one, and a browser
that never logs out leaves it behind).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import trio

from .db.database import Database
from .db.equity import MINUTES_KEPT, EquityQueries
from .db.sessions import SessionRepository

log = logging.getLogger(__name__)

PURGE_INTERVAL = 3600.0
"""Seconds between two purges of expired sessions (the first runs at start)."""


async def purge_expired_sessions(
    db: Database, interval: float = PURGE_INTERVAL,
    *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Delete expired sessions now (before reporting started), then every ``interval`` s."""
    sessions = SessionRepository(db)
    started = False
    while True:
        try:
            await sessions.purge_expired()
        except Exception:  # housekeeping must never stop the server: log, retry next round
            log.exception("purging expired login sessions failed; retrying in %.0f s", interval)
        try:
            await EquityQueries(db).compact(datetime.now(UTC) - MINUTES_KEPT)
        except Exception:
            log.exception("compacting the equity series failed; retrying in %.0f s", interval)
        if not started:
            task_status.started()
            started = True
        await trio.sleep(interval)
