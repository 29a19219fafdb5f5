"""The dispatcher: due events → one outbox row per interested channel, in one transaction.

Each tick takes the events that are due — an ``ea.offline`` once it is ``grace`` old (and the
dispatcher has itself run for ``grace``, so a restart does not alert on EAs that are still
reconnecting); the grouped copy outcomes of one (user, account, kind) once that group has
been quiet for ``window`` seconds (its newest event is ``window`` old: a burst is one message
however long a slow machine takes to record it) or its oldest event is ``GROUP_MAX_HOLD``
windows old (a steady stream still reports), every queued event of the group in that one
message; anything else at once — deletes them and inserts the outbox rows, all in one
transaction: a crash before the commit leaves the events queued, after it the rows exist;
``UNIQUE (channel_id, dedupe_key)`` makes a repeat insert a no-op. Then it writes the daily
summaries that are due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import attrs
import trio

from ..db.database import Database
from ..db.errors import DATABASE_FAILURES
from .events import GROUPED_KINDS, KIND_TOPIC, URGENT_KINDS
from .prefs import next_summary, parse_time_zone, quiet_until

log = logging.getLogger(__name__)

DISPATCH_LOCK = 0x4E6F74696679  # "Notify": one dispatcher at a time across nodes
BATCH = 1000
KEEP_DAYS = 30
"""Sent and dead outbox rows are kept this long (the deliveries list), then deleted."""
PURGE_EVERY = 3600.0
GROUP_MAX_HOLD = 6
"""A group that never goes quiet is sent once its oldest event is this many windows old."""
MAX_ITEMS = 20
"""Items of a grouped message kept in its payload (the count covers them all)."""

_TAKE_EVENTS = """
WITH due_groups AS (
    SELECT user_id, account_id, kind FROM notify_events
    WHERE kind = ANY ($4::text[])
    GROUP BY user_id, account_id, kind
    HAVING max(created_at) <= now() - make_interval(secs => $2)
        OR min(created_at) <= now() - make_interval(secs => $2 * $6)
), seeds AS (
    SELECT id FROM notify_events
    WHERE (kind = 'ea.offline' AND $3 AND created_at <= now() - make_interval(secs => $1))
       OR (kind <> 'ea.offline' AND NOT kind = ANY ($4::text[]))
    ORDER BY id LIMIT $5
), taken AS (
    DELETE FROM notify_events e
    WHERE e.id IN (SELECT id FROM seeds)
       OR (e.kind = ANY ($4::text[])
           AND (e.user_id, e.account_id, e.kind) IN (SELECT * FROM due_groups))
    RETURNING e.*
)
SELECT t.id, t.user_id, t.account_id, t.kind, t.payload, t.created_at,
       a.name AS account_name, a.ea_connected_at, a.ea_disconnected_at
FROM taken t LEFT JOIN trading_accounts a ON a.id = t.account_id
ORDER BY t.id
"""

_INSERT_OUTBOX = """
INSERT INTO notify_outbox (channel_id, dedupe_key, kind, payload, not_before)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])
ON CONFLICT (channel_id, dedupe_key) DO NOTHING
"""

_SUMMARY_STATS = """
SELECT a.id, a.name, a.role,
  CASE WHEN a.role = 'master' THEN
    (SELECT coalesce(sum(t.profit), 0) FROM master_trades t
     WHERE t.account_id = a.id AND t.closed_at >= $2 AND t.closed_at < $3)
  ELSE
    (SELECT coalesce(sum(p.profit), 0) FROM trade_pairs p
     WHERE p.account_id = a.id AND p.closed_at >= $2 AND p.closed_at < $3) END AS profit,
  (SELECT count(*) FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id
   WHERE (p.account_id = a.id OR t.account_id = a.id) AND p.created_at >= $2
     AND p.created_at < $3 AND p.status IN ('OPEN', 'CLOSED')) AS copies,
  (SELECT count(*) FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id
   WHERE (p.account_id = a.id OR t.account_id = a.id) AND p.created_at >= $2
     AND p.created_at < $3 AND p.status = 'FAILED') AS failed,
  (SELECT max(extract(epoch FROM p.acked_at - p.sent_at)) * 1000
   FROM trade_pairs p JOIN master_trades t ON t.id = p.master_trade_id
   WHERE (p.account_id = a.id OR t.account_id = a.id) AND p.created_at >= $2
     AND p.created_at < $3 AND p.acked_at IS NOT NULL AND p.sent_at IS NOT NULL)
     AS worst_latency_ms
FROM trading_accounts a WHERE a.user_id = $1 ORDER BY a.id
"""


@attrs.frozen
class Item:
    """One message to be made for every interested channel of ``user_id``."""

    user_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@attrs.define
class Dispatcher:
    db: Database
    grace: float
    window: float
    poll: float
    wake_senders: Callable[[], None]
    online: Callable[[], Collection[int]] = tuple
    """Ids of the accounts whose EA is connected to this process now."""
    started: float = attrs.field(factory=trio.current_time)
    _stale_checked: bool = False
    _wakeup: trio.Event = attrs.field(factory=trio.Event)
    _next_purge: float = 0.0
    dispatched: int = 0

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.started = trio.current_time()
        task_status.started()
        while True:
            try:
                made = await self.tick()
            except DATABASE_FAILURES as exc:
                log.warning("alert dispatcher: database unavailable (%s); retrying", exc)
                made = 0
            except Exception:  # a bug in one alert must never end the server
                log.exception("alert dispatcher failed; retrying")
                made = 0
            if made:
                self.wake_senders()
            with trio.move_on_after(self.poll):
                await self._wakeup.wait()
            self._wakeup = trio.Event()

    async def tick(self) -> int:
        """One pass; returns how many outbox rows it made."""
        offline_ready = trio.current_time() - self.started >= self.grace
        if offline_ready and not self._stale_checked:
            await self._stale_presence()
            self._stale_checked = True
        if trio.current_time() >= self._next_purge:
            self._next_purge = trio.current_time() + PURGE_EVERY
            await self.db.execute(
                "DELETE FROM notify_outbox WHERE status IN ('sent', 'dead') "
                "AND created_at < now() - make_interval(days => $1)", KEEP_DAYS)

        async def work(con: asyncpg.Connection) -> int:
            async with con.transaction():
                if not await con.fetchval("SELECT pg_try_advisory_xact_lock($1)", DISPATCH_LOCK):
                    return 0
                rows = await con.fetch(_TAKE_EVENTS, self.grace, self.window, offline_ready,
                                       sorted(GROUPED_KINDS), BATCH, float(GROUP_MAX_HOLD))
                items = await self._items(con, rows)
                items += await self._summaries(con)
                return await self._insert(con, items)

        made = await self.db.run(work)
        self.dispatched += made
        return made

    async def _stale_presence(self) -> None:
        """After a crash (kill -9, power loss) the database still says "connected" for EAs
        that never came back: once the grace period after start has passed, each of them gets
        an ``ea.offline`` event (alerted one grace period later if it is still away)."""
        await self.db.execute(
            "INSERT INTO notify_events (user_id, account_id, kind, payload) "
            "SELECT user_id, id, 'ea.offline', jsonb_build_object('account_name', name, "
            "'after_restart', true) FROM trading_accounts WHERE ea_connected_at IS NOT NULL "
            "AND (ea_disconnected_at IS NULL OR ea_disconnected_at < ea_connected_at) "
            "AND ea_connected_at < now() - make_interval(secs => $2) "
            "AND NOT id = ANY ($1::bigint[]) AND notify_wanted(user_id, 'ea.offline')",
            list(self.online()), self.grace)

    async def _items(self, con: asyncpg.Connection, rows: list[Any]) -> list[Item]:
        items: list[Item] = []
        groups: dict[tuple[int, int, str], list[Any]] = {}
        for r in rows:
            kind = r["kind"]
            base = {"kind": kind, "account_id": r["account_id"],
                    "account_name": r["account_name"], "at": _ts(r["created_at"])}
            if kind in GROUPED_KINDS:
                groups.setdefault((r["user_id"], r["account_id"], kind), []).append(r)
                continue
            if kind == "ea.offline":
                connected = r["ea_connected_at"]
                if connected is not None and connected >= r["created_at"]:
                    continue  # back before the grace period ended
                new = await con.fetchval(
                    "INSERT INTO notify_presence (account_id, offline_alerted_at) "
                    "VALUES ($1, now()) ON CONFLICT DO NOTHING RETURNING 1", r["account_id"])
                if not new:
                    continue  # already alerted for this outage
                base["grace_seconds"] = self.grace
            elif kind == "ea.online":
                alerted = await con.fetchval(
                    "DELETE FROM notify_presence WHERE account_id = $1 RETURNING 1",
                    r["account_id"])
                if not alerted:
                    continue  # the offline alert never went out: nothing to undo
            items.append(Item(r["user_id"], kind, f"ev:{r['id']}", {**r["payload"], **base}))
        for (user_id, account_id, kind), members in groups.items():
            first = members[0]
            items.append(Item(user_id, kind, f"ev:{first['id']}", {
                "kind": kind, "account_id": account_id, "account_name": first["account_name"],
                "count": len(members), "first_at": _ts(first["created_at"]),
                "last_at": _ts(members[-1]["created_at"]),
                "items": [dict(m["payload"]) for m in members[:MAX_ITEMS]]}))
        return items

    async def _summaries(self, con: asyncpg.Connection) -> list[Item]:
        # Channels that selected the summary but have no schedule yet get one first.
        for ch in await con.fetch(
                "SELECT id, time_zone, summary_time FROM notify_channels WHERE enabled "
                "AND 'summary.daily' = ANY (events) AND next_summary_at IS NULL"):
            await con.execute("UPDATE notify_channels SET next_summary_at = $2 WHERE id = $1",
                              ch["id"], next_summary(datetime.now(UTC),
                                                     parse_time_zone(ch["time_zone"]),
                                                     ch["summary_time"]))
        due = await con.fetch(
            "SELECT id, user_id, time_zone, summary_time, next_summary_at FROM notify_channels "
            "WHERE enabled AND 'summary.daily' = ANY (events) AND next_summary_at <= now() "
            "FOR UPDATE SKIP LOCKED")
        items: list[Item] = []
        for ch in due:
            tz = parse_time_zone(ch["time_zone"])
            end: datetime = ch["next_summary_at"]
            start = end - timedelta(days=1)
            day = (end - timedelta(seconds=1)).astimezone(tz).date().isoformat()
            for a in await con.fetch(_SUMMARY_STATS, ch["user_id"], start, end):
                items.append(Item(ch["user_id"], "summary.daily",
                                  f"summary:{a['id']}:{day}", {
                    "kind": "summary.daily", "account_id": a["id"], "account_name": a["name"],
                    "role": a["role"], "date": day, "profit": f"{a['profit']:.2f}",
                    "copies": a["copies"], "failed": a["failed"],
                    "worst_latency_ms": (None if a["worst_latency_ms"] is None
                                         else float(a["worst_latency_ms"])),
                    "from": _ts(start), "to": _ts(end), "only_channel": ch["id"]}))
            await con.execute(
                "UPDATE notify_channels SET next_summary_at = $2 WHERE id = $1", ch["id"],
                next_summary(max(end, datetime.now(UTC)), tz, ch["summary_time"]))
        return items

    async def _insert(self, con: asyncpg.Connection, items: list[Item]) -> int:
        if not items:
            return 0
        users = sorted({i.user_id for i in items})
        channels = await con.fetch(
            "SELECT id, user_id, events, time_zone, quiet_start, quiet_end FROM notify_channels "
            "WHERE user_id = ANY ($1::bigint[]) AND enabled ORDER BY id", users)
        now = datetime.now(UTC)
        cols: list[list[Any]] = [[], [], [], [], []]
        for item in items:
            topic = "summary.daily" if item.kind == "summary.daily" else KIND_TOPIC[item.kind]
            only = item.payload.pop("only_channel", None)
            for ch in channels:
                if ch["user_id"] != item.user_id or topic not in ch["events"]:
                    continue
                if only is not None and ch["id"] != only:
                    continue
                not_before = now
                if item.kind not in URGENT_KINDS:
                    until = quiet_until(now, parse_time_zone(ch["time_zone"]),
                                        ch["quiet_start"], ch["quiet_end"])
                    not_before = until or now
                for col, value in zip(cols, (ch["id"], item.dedupe_key, item.kind,
                                             item.payload, not_before),
                                      strict=True):
                    col.append(value)
        if not cols[0]:
            return 0
        status: str = await con.execute(_INSERT_OUTBOX, *cols)
        return int(status.split()[-1])
