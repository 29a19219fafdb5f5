"""The hooks that write alert events on the caller's connection, inside the caller's write.

Copy outcomes, EA presence and master trades reach ``notify_events`` through SQL triggers
(sql/008_alerts_outbox.sql), so every path that commits them alerts, atomically. The causes
that have no row of their own call these functions with the connection of their write:

* :func:`record_kill_switch` is a ledger batch function (``engine.ledger.enqueue``), applied
  in the same ledger batch as the kill switch's pair notes;
* :func:`record_risk_trip` is the risk guards' hook (``engine.guards``): called on the
  connection of the transaction that stores the trip (``RiskRepository.insert_trip``).

Each writes nothing unless one of the owner's enabled channels selected the topic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from .events import KillSwitchAlert, RiskTrip

_INSERT_EVENTS = (
    "INSERT INTO notify_events (user_id, account_id, kind, payload) "
    "SELECT x.u, x.a, x.k, x.p::jsonb FROM unnest($1::bigint[], $2::bigint[], $3::text[], "
    "$4::text[], $5::text[]) AS x(u, a, k, t, p) WHERE notify_wanted(x.u, x.t)"
)


async def record_events(
    con: asyncpg.Connection, rows: Sequence[tuple[int, int | None, str, str, dict[str, Any]]]
) -> None:
    """Insert events (user_id, account_id, kind, topic, payload) wanted by some channel."""
    if not rows:
        return
    users, accounts, kinds, topics, payloads = zip(*rows, strict=True)
    await con.execute(
        _INSERT_EVENTS,
        list(users), list(accounts), list(kinds), list(topics),
        [json.dumps(p) for p in payloads])


async def record_kill_switch(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Ledger batch function: each row is ``(KillSwitchAlert,)``."""
    alerts: list[KillSwitchAlert] = [r[0] for r in rows]
    await record_events(con, [
        (a.user_id, a.account_id, "killswitch.stopout", "killswitch.stopout", a.payload())
        for a in alerts])


async def record_risk_trip(con: asyncpg.Connection, trip: RiskTrip) -> None:
    """The risk guards' hook: an alert for ``trip``, committed with the caller's transaction."""
    await record_events(con, [
        (trip.user_id, trip.account_id, "risk.tripped", "risk.tripped", trip.payload())])
