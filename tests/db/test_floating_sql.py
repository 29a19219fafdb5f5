"""The SQL side of floating P/L: pips() against the shared table (the SPA's lib/pnl.ts is tested
against the same file), slippage in points, and the coalescing PNL writers."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from copytrade.db import trades as sql

CASES = json.loads((Path(__file__).parent.parent / "fixtures" / "pips_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['symbol']}-{c['side']}")
async def test_pips_match_the_shared_table(db, case):
    got = await db.fetchval("SELECT pips($1, $2, $3::numeric, $4::numeric)", case["symbol"],
                            case["side"], case["open"], case["price"])
    assert got == Decimal(str(case["pips"]))


async def test_pips_are_null_without_a_price(db):
    assert await db.fetchval("SELECT pips('EURUSD', 'BUY', 1.1, NULL)") is None


async def _world(db):
    user = await db.fetchval(
        "INSERT INTO users (email, hashed_password, name) VALUES "
        "('s@example.com', '$argon2id$x', 'S') RETURNING id")

    async def account(role, n):
        token = f"MST-{'a' * 15}{n}" if role == "master" else None
        return await db.fetchval(
            "INSERT INTO trading_accounts (user_id, name, role, api_key_hash, api_key_prefix, "
            "master_token) VALUES ($1, $2, $3, $4, 'sk_live_x', $5) RETURNING id",
            user, f"a{n}", role, bytes([n]) * 32, token)

    master, follower = await account("master", 1), await account("follower", 2)
    await db.execute("UPDATE trading_accounts SET following_id = $1 WHERE id = $2",
                     master, follower)
    trade = await db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, open_volume)"
        " VALUES ($1, 77, 'EURUSD', 'BUY', 1.08450, 0.1, 0.1) RETURNING id", master)
    pair = await db.fetchval(
        "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, slave_ticket, "
        "slave_volume, slave_type) VALUES ($1, $2, 'OPEN', 'EURUSD.m', 9, 0.1, 'SELL') "
        "RETURNING id", trade, follower)
    return master, follower, trade, pair


async def test_the_latest_report_wins_and_slippage_is_in_points(db):
    master, follower, trade, pair = await _world(db)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    # Reversed copy: SELL filled at 1.08437, 1.3 pips below the master's BUY at 1.08450 —
    # a seller who got less: 13 points worse.
    rows = [(follower, 77, Decimal("1.08437"), Decimal("1.08500"), Decimal("-6.30"),
             Decimal("0"), 5, at),
            (follower, 77, Decimal("1.08437"), Decimal("1.08520"), Decimal("-8.30"),
             Decimal("-0.12"), 5, at)]
    await db.run(lambda con: sql.save_pair_pnl(con, rows))
    await db.run(lambda con: sql.save_master_pnl(con, [
        (master, 77, Decimal("1.08520"), Decimal("7.00"), Decimal("0"), at),
        (master, 999, Decimal("1"), Decimal("1"), Decimal("0"), at)]))  # unknown: no row
    from copytrade.db.trade_queries import PAIR_PIPS, SLIPPAGE_POINTS
    r = await db.fetchrow(
        f"SELECT p.*, {PAIR_PIPS} AS pips, {SLIPPAGE_POINTS} AS slip FROM trade_pairs p "
        f"JOIN master_trades t ON t.id = p.master_trade_id WHERE p.id = $1", pair)
    assert (r["current_price"], r["floating_profit"], r["swap"]) == (
        Decimal("1.08520"), Decimal("-8.30"), Decimal("-0.12"))
    assert r["fill_price"] == Decimal("1.08437") and r["digits"] == 5
    assert r["pips"] == Decimal("-8.3") and r["slip"] == Decimal("13.0")
    t = await db.fetchrow("SELECT * FROM master_trades WHERE id = $1", trade)
    assert t["floating_profit"] == Decimal("7.00") and t["current_price"] == Decimal("1.08520")


async def test_closed_rows_are_not_touched(db):
    _master, follower, _trade, pair = await _world(db)
    await db.execute("UPDATE trade_pairs SET status = 'CLOSED', closed_at = now() WHERE id = $1",
                     pair)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    await db.run(lambda con: sql.save_pair_pnl(con, [
        (follower, 77, Decimal("1.08437"), Decimal("1.08500"), Decimal("-6.30"), Decimal("0"),
         5, at)]))
    assert await db.fetchval("SELECT floating_profit FROM trade_pairs WHERE id = $1",
                             pair) is None
