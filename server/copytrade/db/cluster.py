"""Cluster ownership in PostgreSQL (sql/035_cluster.sql, docs/cluster.md §3).

Node heartbeats, which node holds each EA's session, and the per-master lease: only the
holder of a master's current generation may commit its signals. :func:`next_seq` is the fenced
write, run inside the signal's own transaction: with a stale generation it matches no row and
raises :class:`LeaseLost`, so a paused or late old owner cannot store anything. Every time is
PostgreSQL's ``now()``, never a node's clock. Used by nothing yet (the nodes are not built).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import asyncpg
import attrs

from .database import Database

NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_TTL_S = 3600.0


class LeaseLost(Exception):
    """The lease moved to another node or generation: this node must stop acting for it."""


def check_node_id(node_id: str) -> str:
    if not isinstance(node_id, str) or not NODE_ID.fullmatch(node_id):
        raise ValueError(f"node id {node_id!r} must match {NODE_ID.pattern}")
    return node_id


def _ttl(seconds: float) -> dt.timedelta:
    if not isinstance(seconds, int | float) or not 0 < seconds <= MAX_TTL_S:
        raise ValueError(f"lease ttl {seconds!r} must be above 0 and at most {MAX_TTL_S} s")
    return dt.timedelta(seconds=seconds)


@attrs.frozen
class Lease:
    """One node's right to write for one master."""

    master_account_id: int
    node_id: str
    generation: int
    """Bumped at every change of hands (and a take after expiry)."""
    expires_at: dt.datetime
    seq: int
    """The master's last committed signal sequence when the lease was read."""


def _lease(row: Any) -> Lease:
    return Lease(int(row["master_account_id"]), row["node_id"], int(row["generation"]),
                 row["expires_at"], int(row["seq"]))


@attrs.define
class ClusterRepository:
    db: Database

    # ------------------------------------------------------------------ nodes
    async def heartbeat(self, node_id: str, ea_address: str = "") -> None:
        """Register the node or refresh its heartbeat (a restarted node starts afresh)."""
        await self.db.execute(
            "INSERT INTO cluster_nodes (node_id, ea_address) VALUES ($1, $2) "
            "ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now(), "
            "ea_address = EXCLUDED.ea_address, stopped_at = NULL",
            check_node_id(node_id), ea_address)

    async def stopped(self, node_id: str) -> None:
        """A clean stop: the node is no longer live."""
        await self.db.execute("UPDATE cluster_nodes SET stopped_at = now() WHERE node_id = $1",
                              check_node_id(node_id))

    async def live_nodes(self, within_s: float) -> list[str]:
        """Nodes that beat within the last ``within_s`` seconds and did not stop."""
        rows = await self.db.fetch(
            "SELECT node_id FROM cluster_nodes WHERE stopped_at IS NULL "
            "AND heartbeat_at > now() - $1::interval ORDER BY node_id", _ttl(within_s))
        return [r["node_id"] for r in rows]

    # --------------------------------------------------------------- presence
    async def claim_presence(self, account_id: int, node_id: str) -> str | None:
        """This node now holds the account's EA session; returns the node that held it
        before (``None`` if none, or this node)."""
        check_node_id(node_id)

        async def claim(con: asyncpg.Connection) -> Any:
            before = await con.fetchval(
                "SELECT node_id FROM ea_presence WHERE account_id = $1 FOR UPDATE", account_id)
            await con.execute(
                "INSERT INTO ea_presence (account_id, node_id) VALUES ($1, $2) "
                "ON CONFLICT (account_id) DO UPDATE SET node_id = EXCLUDED.node_id, "
                "connected_at = now()", account_id, node_id)
            return before

        previous = await self.db.run_in_transaction(claim)
        return None if previous in (None, node_id) else str(previous)

    async def release_presence(self, account_id: int, node_id: str) -> bool:
        """The session ended on this node; a newer claim by another node is left alone."""
        done = await self.db.execute(
            "DELETE FROM ea_presence WHERE account_id = $1 AND node_id = $2",
            account_id, check_node_id(node_id))
        return done.endswith(" 1")

    async def presence(self, account_id: int) -> str | None:
        value = await self.db.fetchval(
            "SELECT node_id FROM ea_presence WHERE account_id = $1", account_id)
        return None if value is None else str(value)

    async def clear_presence(self, node_id: str) -> int:
        """Forget a dead node's sessions; returns how many."""
        done = await self.db.execute("DELETE FROM ea_presence WHERE node_id = $1",
                                     check_node_id(node_id))
        return int(done.split()[-1])

    # ------------------------------------------------------------------ leases
    async def take(self, master_account_id: int, node_id: str, ttl_s: float) -> Lease | None:
        """Take (or renew our own live) lease; ``None`` while another node holds a live one.
        A change of hands, or a take after expiry, bumps the generation."""
        row = await self.db.fetchrow(
            "INSERT INTO master_leases AS l (master_account_id, node_id, generation, expires_at)"
            " VALUES ($1, $2, 1, now() + $3::interval) "
            "ON CONFLICT (master_account_id) DO UPDATE SET "
            "  node_id = EXCLUDED.node_id, expires_at = EXCLUDED.expires_at, "
            "  generation = CASE WHEN l.node_id = EXCLUDED.node_id AND l.expires_at > now() "
            "                    THEN l.generation ELSE l.generation + 1 END, "
            "  taken_at = CASE WHEN l.node_id = EXCLUDED.node_id AND l.expires_at > now() "
            "                  THEN l.taken_at ELSE now() END "
            "WHERE l.expires_at <= now() OR l.node_id = EXCLUDED.node_id "
            "RETURNING l.*",
            master_account_id, check_node_id(node_id), _ttl(ttl_s))
        return None if row is None else _lease(row)

    async def renew(self, lease: Lease, ttl_s: float) -> Lease | None:
        """Extend the lease while it is still this node's and this generation; ``None``:
        it was taken over (stop acting for this master)."""
        row = await self.db.fetchrow(
            "UPDATE master_leases SET expires_at = now() + $4::interval "
            "WHERE master_account_id = $1 AND node_id = $2 AND generation = $3 RETURNING *",
            lease.master_account_id, lease.node_id, lease.generation, _ttl(ttl_s))
        return None if row is None else _lease(row)

    async def release(self, lease: Lease) -> bool:
        """Hand over at once: the next ``take`` by any node succeeds without waiting."""
        done = await self.db.execute(
            "UPDATE master_leases SET expires_at = now() "
            "WHERE master_account_id = $1 AND node_id = $2 AND generation = $3",
            lease.master_account_id, lease.node_id, lease.generation)
        return done.endswith(" 1")

    async def current(self, master_account_id: int) -> Lease | None:
        row = await self.db.fetchrow(
            "SELECT * FROM master_leases WHERE master_account_id = $1", master_account_id)
        return None if row is None else _lease(row)


async def next_seq(con: asyncpg.Connection, lease: Lease) -> int:
    """The fenced write (asyncio side, inside the signal's transaction): the master's next
    signal sequence, or :class:`LeaseLost` when ``lease`` is no longer the current one."""
    seq = await con.fetchval(
        "UPDATE master_leases SET seq = seq + 1 "
        "WHERE master_account_id = $1 AND node_id = $2 AND generation = $3 RETURNING seq",
        lease.master_account_id, lease.node_id, lease.generation)
    if seq is None:
        raise LeaseLost(f"master {lease.master_account_id}: generation {lease.generation} of "
                        f"node {lease.node_id} is no longer the lease")
    return int(seq)
