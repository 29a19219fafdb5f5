"""SQL for master trades and the trade-pair ledger, as used by the engine.

The functions here take an asyncpg connection and run on the asyncio side, so that the engine
can do several of them in one trio→asyncio crossing (``Database.run``). Pair transitions are
guarded UPDATEs: a late or repeated ACK can never move a pair backwards or apply twice. Batches
go through ``unnest`` arrays, one statement per batch.

Trades and pairs come back in the REST API's vocabulary (db/shapes.py): a master trade as a
:class:`MasterTrade`, a pair as a row of ``PAIR_REST`` plus ``account_id`` (the follower). The
pair statements return the rows they changed in that shape, which is what a ``pair.status``
live event carries: nothing is read again to publish it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import asyncpg
import attrs

from .errors import NotFound
from .shapes import PAIR_REST, TRADE_REST, json_value

Row = asyncpg.Record

TRADE_COLUMNS = f"{TRADE_REST}, t.account_id, t.received_at"
"""A master trade as :class:`MasterTrade` (table alias ``t``)."""
PAIR_COLUMNS = f"{PAIR_REST}, p.account_id"
"""A pair (alias ``p``, joined to its master trade ``t``) as the API's ``PairOut`` plus the
follower's ``account_id`` (which routes its live event)."""


@attrs.frozen
class MasterTrade:
    """One master trade as stored, in the REST vocabulary (``TradeOut``'s fields) plus the
    master's ``account_id`` and ``received_at``."""

    id: int
    account_id: int
    ticket: int
    symbol: str
    side: str
    price: Decimal
    volume: Decimal
    open_volume: Decimal
    sl: Decimal
    tp: Decimal
    status: str
    opened_at: datetime
    received_at: datetime
    closed_at: datetime | None = None
    close_price: Decimal | None = None
    close_reason: str | None = None
    profit: Decimal = Decimal(0)
    current_price: Decimal | None = None
    floating_profit: Decimal | None = None
    swap: Decimal | None = None
    floating_at: datetime | None = None
    pips: float | None = None

    @classmethod
    def of(cls, row: Row) -> MasterTrade:
        return cls(**dict(row.items()))

    def rest(self) -> dict[str, Any]:
        """The trade as the REST API sends it (``TradeOut``): a live event's ``data``."""
        return {f.name: json_value(getattr(self, f.name)) for f in _REST_FIELDS}


_REST_FIELDS = [f for f in attrs.fields(MasterTrade) if f.name not in ("account_id", "received_at")]


class NewPair(NamedTuple):
    """A pair the fan-out or a login resync decided (``insert_pairs`` row)."""

    master_trade_id: int
    account_id: int
    status: str
    follower_symbol: str | None = None
    requested_volume: Decimal | None = None
    follower_side: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    sent_at: datetime | None = None


def _trade(row: Row | None) -> MasterTrade:
    assert row is not None
    return MasterTrade.of(row)


async def record_open(
    con: asyncpg.Connection, account_id: int, ticket: int, symbol: str, side: str,
    price: Decimal, volume: Decimal, sl: Decimal, tp: Decimal, opened_at: datetime,
) -> tuple[MasterTrade, bool]:
    """Store a master open; the same (account, ticket) again returns the stored row, not new."""
    row = await con.fetchrow(
        f"INSERT INTO master_trades AS t (account_id, ticket, symbol, type, price, volume, "
        f"open_volume,"
        f" sl, tp, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) "
        f"ON CONFLICT (account_id, ticket) DO NOTHING RETURNING {TRADE_COLUMNS}",
        account_id, ticket, symbol, side, price, volume, sl, tp, opened_at,
    )
    if row is not None:
        return MasterTrade.of(row), True
    row = await con.fetchrow(
        f"SELECT {TRADE_COLUMNS} FROM master_trades t WHERE account_id = $1 AND ticket = $2",
        account_id, ticket,
    )
    return _trade(row), False


async def record_close(
    con: asyncpg.Connection, account_id: int, ticket: int, deal: int, volume: Decimal,
    price: Decimal, profit: Decimal, remaining: Decimal, reason: str,
) -> tuple[MasterTrade, bool, Decimal]:
    """Store one closing deal; returns (trade after, new?, open volume before this deal)."""
    async with con.transaction():
        trade = await con.fetchrow(
            f"SELECT {TRADE_COLUMNS} FROM master_trades t WHERE account_id = $1 AND ticket = $2 "
            f"FOR UPDATE", account_id, ticket)
        if trade is None:
            raise NotFound(f"unknown ticket {ticket}")
        trade_id: int = trade["id"]
        before: Decimal = trade["open_volume"]
        inserted = await con.fetchval(
            "INSERT INTO master_trade_closes (master_trade_id, deal, volume, price, profit, "
            "remaining, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            trade_id, deal, volume, price, profit, remaining, reason,
        )
        if inserted is None:
            return MasterTrade.of(trade), False, before
        remaining = min(remaining, before)
        after = await con.fetchrow(
            f"UPDATE master_trades AS t SET open_volume = $2::numeric, profit = profit + $3, "
            f"status = CASE WHEN $2::numeric = 0 THEN 'CLOSED' ELSE status END, "
            f"closed_at = CASE WHEN $2::numeric = 0 THEN now() ELSE closed_at END, "
            f"close_price = CASE WHEN $2::numeric = 0 THEN $4 ELSE close_price END, "
            f"close_reason = CASE WHEN $2::numeric = 0 THEN $5 ELSE close_reason END "
            f"WHERE id = $1 RETURNING {TRADE_COLUMNS}",
            trade_id, remaining, profit, price, reason,
        )
        return _trade(after), True, before


async def record_modify(
    con: asyncpg.Connection, account_id: int, ticket: int, sl: Decimal, tp: Decimal
) -> tuple[MasterTrade, bool]:
    """Store new SL/TP; returns (trade, changed?)."""
    row = await con.fetchrow(
        f"SELECT {TRADE_COLUMNS} FROM master_trades t WHERE account_id = $1 AND ticket = $2",
        account_id, ticket)
    if row is None:
        raise NotFound(f"unknown ticket {ticket}")
    trade = MasterTrade.of(row)
    if trade.sl == sl and trade.tp == tp:
        return trade, False
    after = await con.fetchrow(
        f"UPDATE master_trades AS t SET sl = $2, tp = $3 WHERE id = $1 "
        f"RETURNING {TRADE_COLUMNS}", trade.id, sl, tp)
    return _trade(after), True


_INSERT_PAIRS = (
    "INSERT INTO trade_pairs AS p (master_trade_id, account_id, status, symbol, "
    "requested_volume, slave_type, reason_code, reason, sent_at) "
    "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], "
    "$5::numeric[], $6::text[], $7::text[], $8::text[], $9::timestamptz[]) "
    "ON CONFLICT (master_trade_id, account_id) DO NOTHING"
)


def _rest(statement: str) -> str:
    """``statement`` (an INSERT or UPDATE of ``trade_pairs AS p``) returning the changed pairs
    in the REST shape (:data:`PAIR_COLUMNS`), joined to their master trades."""
    return (f"WITH p AS ({statement} RETURNING p.*) SELECT {PAIR_COLUMNS} FROM p "
            f"JOIN master_trades t ON t.id = p.master_trade_id")


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[]] * width
    return [list(c) for c in cols]


async def insert_pairs(con: asyncpg.Connection, rows: Sequence[NewPair]) -> list[Row]:
    """Insert new pairs in one statement; existing (trade, follower) pairs are left alone.
    Returns the pairs inserted."""
    return await con.fetch(_rest(_INSERT_PAIRS), *_columns(rows, len(NewPair._fields)))


_MARK_RECORDED = (
    "UPDATE master_trades SET pairs_recorded = true WHERE id = ANY($1::bigint[]) "
    "AND NOT pairs_recorded"
)


async def insert_fanout_pairs(con: asyncpg.Connection, rows: Sequence[NewPair]) -> list[Row]:
    """The fan-out's pairs of new master trades (:func:`insert_pairs`), and the mark that
    they are committed (``master_trades.pairs_recorded``: a trade left unmarked by a kill -9
    gets its rows back at the next start, :func:`recover_unrecorded_pairs`)."""
    out = await insert_pairs(con, rows)
    await con.execute(_MARK_RECORDED, sorted({r.master_trade_id for r in rows}))
    return out


async def recover_unrecorded_pairs(con: asyncpg.Connection) -> int:
    """At start: every master trade whose fan-out rows were never committed (they were queued
    in memory when the process died) gets a PENDING pair for each follower it is routed to now
    (PUBSUB: the active followers of its master; 1TO1: the partner); existing pairs are kept.
    The follower's next login resync resolves each one: adopted from its POS report, sent,
    or recorded EXPIRED/SKIPPED with the reason. Returns the number of trades recovered."""
    async with con.transaction():
        rows = await con.fetch(
            "WITH t AS (SELECT id, account_id FROM master_trades WHERE NOT pairs_recorded "
            "FOR UPDATE), ins AS (INSERT INTO trade_pairs (master_trade_id, account_id, status) "
            "SELECT t.id, f.id, 'PENDING' FROM t JOIN trading_accounts m ON m.id = t.account_id "
            "JOIN trading_accounts f ON f.role = 'follower' AND f.is_active AND ("
            "(m.copy_mode = 'PUBSUB' AND f.following_id = m.id) OR "
            "(m.copy_mode = '1TO1' AND f.id = m.partner_id)) "
            "ON CONFLICT (master_trade_id, account_id) DO NOTHING) "
            "UPDATE master_trades SET pairs_recorded = true FROM t WHERE master_trades.id = t.id "
            "RETURNING master_trades.id")
    return len(rows)


async def mark_no_answer(con: asyncpg.Connection, timeout_s: float) -> list[Row]:
    """PENDING → UNKNOWN for copies whose OPEN went out more than ``timeout_s`` ago with
    neither ACK_OPEN nor NACK_OPEN since (reason code NO_ANSWER)."""
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET status = 'UNKNOWN', reason_code = 'NO_ANSWER', "
        "reason = 'no ACK or NACK from the follower EA within ' || $1::text || ' s of the "
        "OPEN; outcome unknown until it answers or reports its positions at its next login' "
        "WHERE p.status = 'PENDING' AND p.sent_at IS NOT NULL "
        "AND p.sent_at < now() - make_interval(secs => $2)"), f"{timeout_s:g}", timeout_s)


_PAIR_BY_TICKET = (
    "FROM (SELECT DISTINCT ON (u.fid, u.ticket) u.*, p.id AS pid "
    "FROM unnest({arrays}) AS u({names}) "
    "JOIN master_trades t ON t.ticket = u.ticket JOIN trade_pairs p ON p.master_trade_id = t.id "
    "AND p.account_id = u.fid ORDER BY u.fid, u.ticket, p.id DESC) AS x WHERE p.id = x.pid"
)


def _by_ticket(arrays: str, names: str) -> str:
    return _PAIR_BY_TICKET.format(arrays=arrays, names=names)


_ACK_OPENS = (
    "UPDATE trade_pairs AS p SET status = 'OPEN', slave_ticket = x.sticket, "
    "slave_volume = x.vol, slave_type = x.side, acked_at = x.at, reason_code = NULL, "
    "reason = NULL, retcode = NULL "
    + _by_ticket("$1::bigint[], $2::bigint[], $3::bigint[], $4::numeric[], $5::text[], "
                 "$6::timestamptz[]", "fid, ticket, sticket, vol, side, at")
    + " AND p.status IN ('PENDING', 'UNKNOWN')"
)


async def ack_opens(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """PENDING/UNKNOWN → OPEN.

    Row: (follower_id, master_ticket, slave_ticket, volume, side, acked_at).
    """
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(_ACK_OPENS), *cols)


async def fail_opens(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """PENDING/UNKNOWN → FAILED. Row: (follower_id, master_ticket, retcode, text, at)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET status = 'FAILED', retcode = x.retcode, "
        "reason_code = 'REJECTED', reason = x.txt, acked_at = x.at "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::timestamptz[]",
                     "fid, ticket, retcode, txt, at")
        + " AND p.status IN ('PENDING', 'UNKNOWN')"), *cols)


async def skip_opens(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """PENDING/UNKNOWN → SKIPPED: the follower EA refused an OPEN the server sent knowing it
    might (copy existing positions, beyond the price limit). Row: (follower_id,
    master_ticket, reason_code, text, at)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET status = 'SKIPPED', reason_code = x.code, "
        "reason = x.txt, acked_at = x.at "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[]",
                     "fid, ticket, code, txt, at")
        + " AND p.status IN ('PENDING', 'UNKNOWN')"), *cols)


async def already_copied_opens(
    con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]
) -> list[Row]:
    """PENDING/UNKNOWN → CLOSED: the follower EA refused the OPEN because it had already
    copied this master ticket and that copy is closed (``NACK_OPEN|T|0|ALREADY_COPIED …``,
    docs/protocol.md §11). Row: (follower_id, master_ticket, text, at)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET status = 'CLOSED', slave_volume = 0, "
        "reason_code = 'ALREADY_COPIED', reason = x.txt, acked_at = x.at, closed_at = x.at "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[]",
                     "fid, ticket, txt, at")
        + " AND p.status IN ('PENDING', 'UNKNOWN')"), *cols)


async def ack_closes(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """OPEN (or UNKNOWN: the ACK_OPEN never came, but a close proves the copy) → CLOSED
    (remaining 0) or OPEN with less volume (partial).

    Row: (follower_id, master_ticket, closed_volume, remaining, price, profit, at,
    slave_ticket). The guard ``slave_volume > remaining`` makes a repeated ACK_CLOSE a no-op
    (profit is added once).
    """
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET slave_volume = x.remaining, "
        "profit = coalesce(p.profit, 0) + x.profit, "
        "slave_ticket = coalesce(p.slave_ticket, x.sticket), "
        "reason_code = CASE WHEN p.status = 'UNKNOWN' THEN NULL ELSE p.reason_code END, "
        "reason = CASE WHEN p.status = 'UNKNOWN' THEN NULL ELSE p.reason END, "
        "status = CASE WHEN x.remaining = 0 THEN 'CLOSED' ELSE 'OPEN' END, "
        "close_price = CASE WHEN x.remaining = 0 THEN x.price ELSE p.close_price END, "
        "closed_at = CASE WHEN x.remaining = 0 THEN x.at ELSE p.closed_at END "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::numeric[], $4::numeric[], $5::numeric[], "
                     "$6::numeric[], $7::timestamptz[], $8::bigint[]",
                     "fid, ticket, vol, remaining, price, profit, at, sticket")
        + " AND p.status IN ('OPEN', 'UNKNOWN') "
        "AND (p.slave_volume IS NULL OR p.slave_volume > x.remaining)"), *cols)


async def close_pairs_externally(
    con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]
) -> list[Row]:
    """OPEN (or UNKNOWN) → CLOSED because the follower's position closed on its own (or
    vanished).

    Row: (follower_id, master_ticket, price|None, profit|None, reason_code, reason, at).
    """
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET status = 'CLOSED', close_price = x.price, "
        "profit = coalesce(x.profit, p.profit), reason_code = x.code, reason = x.why, "
        "closed_at = x.at, slave_volume = 0 "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::numeric[], $4::numeric[], $5::text[], "
                     "$6::text[], $7::timestamptz[]", "fid, ticket, price, profit, code, why, at")
        + " AND p.status IN ('OPEN', 'UNKNOWN')"), *cols)


async def set_held(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """What a follower EA reported at login for an OPEN pair, when the ledger says otherwise
    (an ACK_CLOSE lost in a crash). Row: (follower_id, master_ticket, slave_ticket, volume)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET slave_ticket = x.sticket, slave_volume = x.vol "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::bigint[], $4::numeric[]",
                     "fid, ticket, sticket, vol")
        + " AND p.status = 'OPEN'"), *cols)


async def note_pairs(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """Attach a reason to live pairs without changing their status (failed close/modify,
    kill switch). Row: (follower_id, master_ticket, retcode|None, reason_code, reason)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET retcode = x.retcode, reason_code = x.code, reason = x.why "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::text[]",
                     "fid, ticket, retcode, code, why")
        + " AND p.status IN ('PENDING', 'OPEN', 'UNKNOWN')"), *cols)


async def live_pairs_of_trade(con: asyncpg.Connection, master_trade_id: int) -> list[Row]:
    """PENDING, OPEN and UNKNOWN pairs of one master trade."""
    return await con.fetch(
        f"SELECT {PAIR_COLUMNS} FROM trade_pairs p JOIN master_trades t "
        f"ON t.id = p.master_trade_id WHERE p.master_trade_id = $1 "
        f"AND p.status IN ('PENDING', 'OPEN', 'UNKNOWN')", master_trade_id)


async def live_pairs_of_follower(
    con: asyncpg.Connection, follower_id: int
) -> tuple[list[Row], dict[int, MasterTrade]]:
    """A follower's PENDING, OPEN and UNKNOWN pairs, and their master trades by id (for
    resync)."""
    pairs = await con.fetch(
        f"SELECT {PAIR_COLUMNS} FROM trade_pairs p JOIN master_trades t "
        f"ON t.id = p.master_trade_id "
        f"WHERE p.account_id = $1 AND p.status IN ('PENDING', 'OPEN', 'UNKNOWN')", follower_id)
    trades = await trades_by_ids(con, sorted({p["master_trade_id"] for p in pairs}))
    return list(pairs), {t.id: t for t in trades}


async def open_trades_without_pair(
    con: asyncpg.Connection, master_id: int, follower_id: int, since: datetime
) -> list[MasterTrade]:
    """The master's open trades received since ``since`` that have no pair for the follower."""
    rows = await con.fetch(
        f"SELECT {TRADE_COLUMNS} FROM master_trades t WHERE t.account_id = $1 "
        f"AND t.status = 'OPEN' AND t.received_at >= $3 AND NOT EXISTS (SELECT 1 FROM "
        f"trade_pairs p WHERE p.master_trade_id = t.id AND p.account_id = $2) ORDER BY t.id",
        master_id, follower_id, since)
    return [MasterTrade.of(r) for r in rows]


async def trades_by_tickets(
    con: asyncpg.Connection, master_id: int, tickets: Sequence[int]
) -> list[MasterTrade]:
    rows = await con.fetch(
        f"SELECT {TRADE_COLUMNS} FROM master_trades t WHERE account_id = $1 "
        f"AND ticket = ANY($2::bigint[])", master_id, list(tickets))
    return [MasterTrade.of(r) for r in rows]


async def trades_by_ids(con: asyncpg.Connection, ids: Sequence[int]) -> list[MasterTrade]:
    rows = await con.fetch(
        f"SELECT {TRADE_COLUMNS} FROM master_trades t WHERE id = ANY($1::bigint[])", list(ids))
    return [MasterTrade.of(r) for r in rows]


async def mark_sent(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """PENDING (or UNKNOWN) pairs queued while the follower was offline, now sent: PENDING
    again, awaiting the answer. Row: (pair_id, symbol, requested_volume, side, sent_at)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    await con.execute(
        "UPDATE trade_pairs AS p SET status = 'PENDING', sent_at = x.at, symbol = x.symbol, "
        "requested_volume = x.vol, slave_type = x.side, reason_code = NULL, reason = NULL "
        "FROM unnest($1::bigint[], $2::text[], $3::numeric[], $4::text[], $5::timestamptz[]) "
        "AS x(id, symbol, vol, side, at) WHERE p.id = x.id AND p.status IN ('PENDING', 'UNKNOWN')",
        *cols)


async def set_outcomes(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """Resolve PENDING/UNKNOWN pairs the resync decided not to send (EXPIRED/SKIPPED).

    Row: (pair_id, status, reason_code, reason).
    """
    cols = [list(c) for c in zip(*rows, strict=True)]
    return await con.fetch(_rest(
        "UPDATE trade_pairs AS p SET status = x.status, reason_code = x.code, reason = x.why "
        "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) "
        "AS x(id, status, code, why) WHERE p.id = x.id AND p.status IN ('PENDING', 'UNKNOWN')"),
        *cols)


async def adopt_pairs(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Row]:
    """Record copies the follower EA reports but the ledger missed (e.g. after a crash).

    Row: (master_trade_id, follower_id, symbol, slave_ticket, volume, side, at).
    """
    out: list[Row] = []
    for row in rows:
        adopted = await adopt_pair(con, *row)
        if adopted is not None:
            out.append(adopted)
    return out


async def adopt_pair(
    con: asyncpg.Connection, master_trade_id: int, follower_id: int, symbol: str,
    slave_ticket: int, volume: Decimal, side: str, at: datetime,
) -> Row | None:
    """Record a copy the follower EA reports but the ledger missed (e.g. after a crash)."""
    return await con.fetchrow(_rest(
        "INSERT INTO trade_pairs AS p (master_trade_id, account_id, status, symbol, "
        "requested_volume, slave_ticket, slave_volume, slave_type, sent_at, acked_at) "
        "VALUES ($1, $2, 'OPEN', $3, $5, $4, $5, $6, $7, $7) "
        "ON CONFLICT (master_trade_id, account_id) DO UPDATE SET status = 'OPEN', "
        "slave_ticket = EXCLUDED.slave_ticket, slave_volume = EXCLUDED.slave_volume, "
        "slave_type = EXCLUDED.slave_type, acked_at = EXCLUDED.acked_at, reason_code = NULL, "
        "reason = NULL, retcode = NULL "
        "WHERE p.status IN ('PENDING', 'UNKNOWN', 'FAILED', 'EXPIRED', 'SKIPPED')"),
        master_trade_id, follower_id, symbol, slave_ticket, volume, side, at)


async def close_remainders(
    con: asyncpg.Connection, master_trade_ids: Sequence[int]
) -> dict[int, list[Decimal]]:
    """Per master trade, the remaining volume after each of its closing deals, in order.

    A position's remaining volume only falls from one deal to the next, so ordering by it
    (largest first) is the order the deals happened in.
    """
    rows = await con.fetch(
        "SELECT master_trade_id, remaining FROM master_trade_closes "
        "WHERE master_trade_id = ANY($1::bigint[]) ORDER BY master_trade_id, remaining DESC",
        list(master_trade_ids))
    out: dict[int, list[Decimal]] = {}
    for r in rows:
        out.setdefault(r["master_trade_id"], []).append(r["remaining"])
    return out


async def set_presence(
    con: asyncpg.Connection, account_id: int, online: bool, client: str | None
) -> None:
    if online:
        await con.execute(
            "UPDATE trading_accounts SET ea_connected_at = now(), ea_client = $2 WHERE id = $1",
            account_id, client)
    else:
        await con.execute(
            "UPDATE trading_accounts SET ea_disconnected_at = now() WHERE id = $1", account_id)


async def save_master_pnl(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Latest floating result of open master trades.

    Row: (master_id, ticket, price, profit, swap, at); only the last row per position counts.
    """
    latest = {(r[0], r[1]): r for r in rows}
    cols = [list(c) for c in zip(*latest.values(), strict=True)]
    await con.execute(
        "UPDATE master_trades AS t SET current_price = u.price, floating_profit = u.profit, "
        "swap = u.swap, floating_at = u.at "
        "FROM unnest($1::bigint[], $2::bigint[], $3::numeric[], $4::numeric[], $5::numeric[], "
        "$6::timestamptz[]) AS u(aid, ticket, price, profit, swap, at) "
        "WHERE t.account_id = u.aid AND t.ticket = u.ticket AND t.status = 'OPEN'", *cols)


async def save_pair_pnl(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Latest floating result (and fill price) of OPEN copies.

    Row: (follower_id, master_ticket, open_price, price, profit, swap, digits|None, at).
    """
    latest = {(r[0], r[1]): r for r in rows}
    cols = [list(c) for c in zip(*latest.values(), strict=True)]
    await con.execute(
        "UPDATE trade_pairs AS p SET fill_price = x.fill, current_price = x.price, "
        "floating_profit = x.profit, swap = x.swap, digits = coalesce(x.digits, p.digits), "
        "floating_at = x.at "
        + _by_ticket("$1::bigint[], $2::bigint[], $3::numeric[], $4::numeric[], $5::numeric[], "
                     "$6::numeric[], $7::smallint[], $8::timestamptz[]",
                     "fid, ticket, fill, price, profit, swap, digits, at")
        + " AND p.status = 'OPEN'", *cols)


PAIR_STATEMENTS = frozenset({
    insert_pairs, insert_fanout_pairs, mark_no_answer, ack_opens, fail_opens, skip_opens,
    already_copied_opens, ack_closes, close_pairs_externally, set_held, note_pairs,
    set_outcomes, adopt_pairs,
})
"""The ledger batch functions whose result is the list of pairs they changed (REST shape plus
``account_id``): each such row is a ``pair.status`` live event."""
