"""The ``copy_existing_due`` table (sql/033_due_marks.sql): followers whose next login
resync copies the master's open trades. Ledger batch functions plus the start-up read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg


async def mark_due(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Ledger batch. Row: (account_id, why). A follower already due keeps its first row."""
    latest = {r[0]: r for r in rows}
    ids = list(latest)
    whys = [str(r[1])[:200] or "due" for r in latest.values()]
    await con.execute(
        "INSERT INTO copy_existing_due (account_id, why) "
        "SELECT x.id, x.why FROM unnest($1::bigint[], $2::text[]) AS x(id, why) "
        "WHERE EXISTS (SELECT 1 FROM trading_accounts a WHERE a.id = x.id) "
        "ON CONFLICT (account_id) DO NOTHING", ids, whys)


async def clear_due(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Ledger batch. Row: (account_id,)."""
    await con.execute("DELETE FROM copy_existing_due WHERE account_id = ANY($1::bigint[])",
                      [r[0] for r in rows])


async def load_due(con: asyncpg.Connection) -> set[int]:
    return {r["account_id"] for r in await con.fetch("SELECT account_id FROM copy_existing_due")}
