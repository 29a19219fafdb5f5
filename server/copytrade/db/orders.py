"""Pending orders: the masters' orders (``master_orders``) and their copies (``order_pairs``).

Every write is idempotent on a resend: an order is keyed by (master account, ticket), a pair by
(order, follower), and each status change is guarded by the status it leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .errors import NotFound

LIVE_PAIR = ("PENDING", "PLACED")
"""Order pairs whose copy may still be on the follower as a pending order."""

_PAIR_COLUMNS = (
    "p.id, p.order_id, p.account_id, p.status, p.symbol, p.order_type, p.volume, p.price, "
    "p.sl, p.tp, p.stoplimit, p.expiration_ms, p.slave_ticket, p.reason_code, p.reason, "
    "p.retcode, p.created_at, p.sent_at, p.updated_at"
)


async def record_order(con: Any, account_id: int, ticket: int, symbol: str, order_type: str,
                       price: Decimal, volume: Decimal, sl: Decimal, tp: Decimal,
                       stoplimit: Decimal, expiration_ms: int) -> tuple[Any, bool]:
    """Store a master's new order; ``(row, new)`` (``new`` False for a resend)."""
    row = await con.fetchrow(
        "INSERT INTO master_orders (account_id, ticket, symbol, order_type, price, volume, sl, "
        "tp, stoplimit, expiration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
        "ON CONFLICT (account_id, ticket) DO NOTHING RETURNING *",
        account_id, ticket, symbol, order_type, price, volume, sl, tp, stoplimit, expiration_ms)
    if row is not None:
        return row, True
    row = await con.fetchrow(
        "SELECT * FROM master_orders WHERE account_id = $1 AND ticket = $2", account_id, ticket)
    return row, False


async def modify_order(con: Any, account_id: int, ticket: int, price: Decimal, sl: Decimal,
                       tp: Decimal, stoplimit: Decimal, expiration_ms: int,
                       volume: Decimal | None = None) -> tuple[Any, bool]:
    """Set a live order's values (``volume`` None: unchanged); ``(row, changed)``, the row
    with ``old_volume`` (its volume before). NotFound for an unknown ticket."""
    row = await con.fetchrow(
        "UPDATE master_orders o SET price = $3, sl = $4, tp = $5, stoplimit = $6, "
        "expiration_ms = $7, volume = coalesce($8, o.volume), updated_at = now() "
        "FROM (SELECT id, volume AS old_volume FROM master_orders "
        "      WHERE account_id = $1 AND ticket = $2) b "
        "WHERE o.id = b.id AND o.status = 'PLACED' "
        "AND (o.price, o.sl, o.tp, o.stoplimit, o.expiration_ms, o.volume) "
        "IS DISTINCT FROM ($3, $4, $5, $6, $7, coalesce($8, o.volume)) "
        "RETURNING o.*, b.old_volume",
        account_id, ticket, price, sl, tp, stoplimit, expiration_ms, volume)
    if row is not None:
        return row, True
    row = await con.fetchrow(
        "SELECT *, volume AS old_volume FROM master_orders WHERE account_id = $1 "
        "AND ticket = $2", account_id, ticket)
    if row is None:
        raise NotFound(f"unknown order ticket {ticket}")
    return row, False


async def end_order(con: Any, account_id: int, ticket: int, status: str) -> tuple[Any, bool]:
    """Mark a live order CANCELLED or EXPIRED; ``(row, changed)``. NotFound if unknown."""
    row = await con.fetchrow(
        "UPDATE master_orders SET status = $3, ended_at = now(), updated_at = now() "
        "WHERE account_id = $1 AND ticket = $2 AND status = 'PLACED' RETURNING *",
        account_id, ticket, status)
    if row is not None:
        return row, True
    row = await con.fetchrow(
        "SELECT * FROM master_orders WHERE account_id = $1 AND ticket = $2", account_id, ticket)
    if row is None:
        raise NotFound(f"unknown order ticket {ticket}")
    return row, False


async def fill_order(con: Any, account_id: int, ticket: int) -> Any:
    """The master's position ``ticket`` was opened: if it came from a live order, that order is
    FILLED, linked to the trade, and its live pairs FILLED (their copy is now the trade pair).
    Idempotent, one statement (so atomic); returns the order row, or None when the position did
    not come from a live order."""
    return await con.fetchrow(
        "WITH o AS (UPDATE master_orders o SET status = 'FILLED', ended_at = now(), "
        "updated_at = now(), trade_id = t.id FROM master_trades t WHERE o.account_id = $1 "
        "AND o.ticket = $2 AND o.status = 'PLACED' AND t.account_id = $1 AND t.ticket = $2 "
        "RETURNING o.*), p AS (UPDATE order_pairs SET status = 'FILLED', updated_at = now() "
        "FROM o WHERE order_pairs.order_id = o.id AND order_pairs.status = ANY($3::text[])) "
        "SELECT * FROM o", account_id, ticket, list(LIVE_PAIR))


async def insert_pairs(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(order_id, account_id, status, symbol, order_type, volume, price, sl, tp, stoplimit,
    expiration_ms, reason_code, reason, sent) rows; an existing pair is kept, except that a
    PENDING one not sent yet takes the new decision."""
    if not rows:
        return
    cols = [list(c) for c in zip(*rows, strict=True)]
    await con.execute(
        "INSERT INTO order_pairs AS p (order_id, account_id, status, symbol, order_type, volume, "
        "price, sl, tp, stoplimit, expiration_ms, reason_code, reason, sent_at) "
        "SELECT o, a, s, sy, ty, v, pr, sl, tp, st, ex, rc, r, CASE WHEN sent THEN now() END "
        "FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
        "$6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], "
        "$11::bigint[], $12::text[], $13::text[], $14::bool[]) "
        "AS u(o, a, s, sy, ty, v, pr, sl, tp, st, ex, rc, r, sent) "
        "ON CONFLICT (order_id, account_id) DO UPDATE SET status = EXCLUDED.status, "
        "symbol = EXCLUDED.symbol, order_type = EXCLUDED.order_type, volume = EXCLUDED.volume, "
        "price = EXCLUDED.price, sl = EXCLUDED.sl, tp = EXCLUDED.tp, "
        "stoplimit = EXCLUDED.stoplimit, expiration_ms = EXCLUDED.expiration_ms, "
        "reason_code = EXCLUDED.reason_code, reason = EXCLUDED.reason, "
        "sent_at = coalesce(EXCLUDED.sent_at, p.sent_at), updated_at = now() "
        "WHERE p.status = 'PENDING'", *cols)


async def live_pairs_of_order(con: Any, order_id: int) -> list[Any]:
    return list(await con.fetch(
        f"SELECT {_PAIR_COLUMNS} FROM order_pairs p WHERE p.order_id = $1 "
        "AND p.status = ANY($2::text[])", order_id, list(LIVE_PAIR)))


async def follower_view(con: Any, master_id: int, follower_id: int) -> tuple[list[Any], list[Any]]:
    """For a login resync: the master's orders that are live or still have a live pair for
    this follower, and this follower's pairs of them."""
    orders = await con.fetch(
        "SELECT * FROM master_orders o WHERE o.account_id = $1 AND (o.status = 'PLACED' OR "
        "EXISTS (SELECT 1 FROM order_pairs p WHERE p.order_id = o.id AND p.account_id = $2 "
        "AND p.status = ANY($3::text[])))", master_id, follower_id, list(LIVE_PAIR))
    pairs = await con.fetch(
        f"SELECT {_PAIR_COLUMNS}, o.ticket AS master_ticket FROM order_pairs p "
        "JOIN master_orders o ON o.id = p.order_id WHERE p.account_id = $1 AND o.account_id = $2",
        follower_id, master_id)
    return list(orders), list(pairs)


async def orders_by_tickets(con: Any, master_id: int, tickets: list[int]) -> list[Any]:
    return list(await con.fetch(
        "SELECT * FROM master_orders WHERE account_id = $1 AND ticket = ANY($2::bigint[])",
        master_id, tickets))


# --- follower replies (ledger batches: fn(con, rows)) -------------------------------------


async def ack_orders(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(follower id, master ticket, slave ticket, volume, order type): PENDING → PLACED.

    Returns nothing: the ledger publishes returned rows as trade ``pair.status`` events."""
    for fid, ticket, slave, volume, order_type in rows:
        await con.execute(
            "UPDATE order_pairs p SET status = 'PLACED', slave_ticket = $3, volume = $4, "
            "order_type = $5, updated_at = now() FROM master_orders o "
            "WHERE o.id = p.order_id AND p.account_id = $1 AND o.ticket = $2 "
            "AND p.status IN ('PENDING', 'PLACED')",
            fid, ticket, slave, volume, order_type)


async def note_order_pairs(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(follower id, master ticket, new status or None, retcode, code, reason, only-from
    statuses): set a pair's status and/or reason, guarded by the statuses it may leave."""
    for fid, ticket, status, retcode, code, reason, from_statuses in rows:
        await con.execute(
            "UPDATE order_pairs p SET status = coalesce($3, p.status), retcode = $4, "
            "reason_code = $5, reason = $6, updated_at = now() FROM master_orders o "
            "WHERE o.id = p.order_id AND p.account_id = $1 AND o.ticket = $2 "
            "AND p.status = ANY($7::text[])",
            fid, ticket, status, retcode, code, reason, list(from_statuses))


async def set_pair_values(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(pair id, price, sl, tp, stoplimit, expiration_ms): what an ORDER_MODIFY asked for."""
    for pid, price, sl, tp, stoplimit, expiration_ms in rows:
        await con.execute(
            "UPDATE order_pairs SET price = $2, sl = $3, tp = $4, stoplimit = $5, "
            "expiration_ms = $6, updated_at = now() WHERE id = $1",
            pid, price, sl, tp, stoplimit, expiration_ms)


async def set_pair_volumes(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(pair id, volume): a copy resized after the master's order volume changed."""
    for pid, volume in rows:
        await con.execute("UPDATE order_pairs SET volume = $2, updated_at = now() WHERE id = $1",
                          pid, volume)


async def orders_of_account(con: Any, account_id: int, limit: int) -> list[Any]:
    """The API's list: a master's own orders, or a follower's copies of its master's orders."""
    return list(await con.fetch(
        "SELECT o.id, o.account_id AS master_id, o.ticket, o.symbol AS master_symbol, "
        "o.order_type AS master_order_type, o.price AS master_price, o.volume AS master_volume, "
        "o.sl AS master_sl, o.tp AS master_tp, o.stoplimit AS master_stoplimit, "
        "o.expiration_ms AS master_expiration_ms, o.status AS master_status, o.placed_at, "
        "o.ended_at, p.status AS copy_status, p.symbol AS copy_symbol, "
        "p.order_type AS copy_order_type, p.volume AS copy_volume, p.price AS copy_price, "
        "p.sl AS copy_sl, p.tp AS copy_tp, p.slave_ticket, p.reason_code, p.reason "
        "FROM master_orders o LEFT JOIN order_pairs p ON p.order_id = o.id AND p.account_id = $1 "
        "WHERE o.account_id = $1 OR p.account_id = $1 ORDER BY o.id DESC LIMIT $2",
        account_id, limit))


# --- copies to remove at the follower's next login (sql/033_due_marks.sql) ----------------


async def mark_cancel_due(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(follower id, master ticket, code, reason): a live copy a trip or the kill switch wants
    removed while the follower is offline; its next login cancels it."""
    for fid, ticket, code, reason in rows:
        await con.execute(
            "UPDATE order_pairs p SET cancel_due = true, reason_code = $3, reason = $4, "
            "updated_at = now() FROM master_orders o WHERE o.id = p.order_id "
            "AND p.account_id = $1 AND o.ticket = $2 AND p.status = ANY($5::text[])",
            fid, ticket, code, reason, list(LIVE_PAIR))


async def cancel_due_pairs(con: Any, follower_id: int) -> list[Any]:
    """The follower's live copies marked for removal: ticket, code, reason."""
    return list(await con.fetch(
        "SELECT o.ticket, p.reason_code, p.reason FROM order_pairs p "
        "JOIN master_orders o ON o.id = p.order_id WHERE p.account_id = $1 AND p.cancel_due "
        "AND p.status = ANY($2::text[])", follower_id, list(LIVE_PAIR)))


async def end_cancel_due(con: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """(follower id, master ticket): a marked copy was removed at login: CANCELLED (the
    reason noted at the trip is kept)."""
    for fid, ticket in rows:
        await con.execute(
            "UPDATE order_pairs p SET status = 'CANCELLED', cancel_due = false, "
            "updated_at = now() FROM master_orders o WHERE o.id = p.order_id "
            "AND p.account_id = $1 AND o.ticket = $2 AND p.cancel_due "
            "AND p.status = ANY($3::text[])", fid, ticket, list(LIVE_PAIR))
