"""Periodic housekeeping: expired login sessions are deleted at start and then every round."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import trio

from copytrade.db.database import Database
from copytrade.db.sessions import SessionRepository
from copytrade.db.users import UserRepository
from copytrade.domain import keys
from copytrade.maintenance import PURGE_INTERVAL, purge_expired_sessions

from polling import eventually

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def _user(db: Database) -> int:
    user = await UserRepository(db).create(email="u@example.com", name="U", hashed_password=HASH)
    return user.id


async def _expired_session(db: Database, user_id: int) -> int:
    """A session row that expired yesterday (as a browser that never logged out leaves it)."""
    return await db.fetchval(  # type: ignore[no-any-return]
        "INSERT INTO user_sessions (user_id, token_hash, created_at, expires_at) VALUES "
        "($1, sha256(random()::text::bytea), now() - interval '2 days', "
        "now() - interval '1 day') RETURNING id", user_id)


async def _session_ids(db: Database) -> set[int]:
    return {r["id"] for r in await db.fetch("SELECT id FROM user_sessions")}


async def _until_gone(db: Database, session_id: int) -> None:
    await eventually(lambda: _session_ids(db), lambda ids: session_id not in ids, timeout=5)


def test_runs_hourly_by_default() -> None:
    assert PURGE_INTERVAL == 3600


async def test_purges_at_start_and_then_every_interval(db: Database, nursery) -> None:
    user_id = await _user(db)
    sessions = SessionRepository(db)
    live_token = await sessions.create(user_id, timedelta(days=1), user_agent=None, ip=None)
    old = await _expired_session(db, user_id)
    soon = await sessions.create(user_id, timedelta(seconds=1), user_agent=None, ip=None)
    soon_id = await db.fetchval("SELECT id FROM user_sessions WHERE token_hash = $1",
                                keys.hash_secret(soon))
    with trio.fail_after(10):
        await nursery.start(purge_expired_sessions, db, 0.05)
        # the first purge is done before the task reports started
        ids = await _session_ids(db)
        assert old not in ids and soon_id in ids and len(ids) == 2
        # a session that expires while the server runs goes on a later round
        await _until_gone(db, soon_id)
        newer = await _expired_session(db, user_id)
        await _until_gone(db, newer)
    assert await sessions.resolve(live_token) is not None  # live sessions are kept


async def test_a_failed_round_is_logged_and_the_next_one_works(
    db: Database, nursery, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = await _user(db)
    await db.execute("ALTER TABLE user_sessions RENAME TO user_sessions_away")
    with trio.fail_after(10), caplog.at_level(logging.ERROR, logger="copytrade.maintenance"):
        await nursery.start(purge_expired_sessions, db, 0.05)
        assert "purging expired login sessions failed" in caplog.text
        await db.execute("ALTER TABLE user_sessions_away RENAME TO user_sessions")
        old = await _expired_session(db, user_id)
        await _until_gone(db, old)


async def test_the_server_purges_expired_sessions_when_it_starts(
    db: Database, server_settings: Any, nursery
) -> None:
    from copytrade.app import run_server

    old = await _expired_session(db, await _user(db))
    with trio.fail_after(30):
        running = await nursery.start(lambda task_status: run_server(
            server_settings, task_status=task_status))
        assert old not in await _session_ids(db)
        running.shutdown.set()
