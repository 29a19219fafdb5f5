"""Performance statistics against tables computed by hand (docs/api.md, Performance)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apitools import Api, error_of

# A follower's closed copies over six hours, in close order (profit):
#   +10, -5, +20, -15, -10, +5
# running total   10,   5,  25,  10,   0,   5      peak 10, 10, 25, 25, 25, 25
# drawdown         0,   5,   0,  15,  25,  20  →  max 25.00
# balance now 1005.00, net +5 since the period began → start balance 1000.00;
# drawdown % = 25 / (1000 + 25) = 2.439… → 2.44
# wins 3, losses 3, win rate 0.5; gross +35 / -30: profit factor 1.1667;
# average win 35/3 = 11.67, average loss -10.00, expectancy 5/6 = 0.83; best 20, worst -15;
# 6 trades in 7 days = 0.8571 a day.
# Copies: latency 10, 20, 30 ms → 20 ms; slippage (5-digit fills against the master's 1.10000):
#   BUY at 1.10003 → +3 points, SELL at 1.09990 → +10 points, BUY at 1.09995 → -5 points
#   → average 8/3 = 2.67 points.
PROFITS = ["10", "-5", "20", "-15", "-10", "5"]


async def _seed(api: Api, c):
    f = (await c.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    m = (await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    fid, mid = f["account"]["id"], m["account"]["id"]
    now = datetime.now(UTC)
    start = now - timedelta(hours=7)
    fills = [("BUY", "1.10003"), ("SELL", "1.09990"), ("BUY", "1.09995"),
             ("BUY", None), ("BUY", None), ("BUY", None)]
    for i, profit in enumerate(PROFITS):
        tid = await api.db.fetchval(
            "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
            "open_volume, status, opened_at, closed_at, close_price, profit) VALUES ($1, $2, "
            "'EURUSD', 'BUY', 1.10000, 0.1, 0, 'CLOSED', $3, $4, 1.1, $5::numeric) RETURNING id",
            mid, i + 1, start, start + timedelta(hours=i + 1), profit)
        side, fill = fills[i]
        sent = start + timedelta(minutes=i)
        await api.db.execute(
            "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, "
            "requested_volume, slave_ticket, slave_volume, slave_type, profit, close_price, "
            "fill_price, digits, created_at, sent_at, acked_at, closed_at) VALUES ($1, $2, "
            "'CLOSED', 'EURUSD', 0.1, $3, 0, $4, $5::numeric, 1.1, $6::numeric, 5, $7, $7, $8, "
            "$9)", tid, fid, 100 + i, side, profit, fill, sent,
            sent + timedelta(milliseconds=10 * (i + 1)) if i < 3 else None,
            start + timedelta(hours=i + 1))
    # Closed long ago: outside 7d, inside "all".
    old = await api.db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
        "open_volume, status, opened_at, closed_at, close_price, profit) VALUES ($1, 99, "
        "'EURUSD', 'BUY', 1.1, 0.1, 0, 'CLOSED', $2, $2, 1.1, 50) RETURNING id",
        mid, now - timedelta(days=20))
    await api.db.execute(
        "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, slave_ticket, "
        "slave_volume, slave_type, profit, created_at, closed_at) VALUES ($1, $2, 'CLOSED', "
        "'EURUSD', 99, 0, 'BUY', 50, $3, $3)", old, fid, now - timedelta(days=20))
    await api.db.execute(
        "INSERT INTO account_states (account_id, balance, equity, margin_level, currency, "
        "leverage) VALUES ($1, 1005, 1005, 0, 'USD', 100)", fid)
    return fid, mid


async def test_follower_figures_match_the_hand_computed_table(api: Api, alice) -> None:
    fid, _ = await _seed(api, alice)
    r = (await alice.get(f"/api/v1/accounts/{fid}/performance", params={"range": "7d"})).json()
    expected = {
        "trades": 6, "wins": 3, "losses": 3, "win_rate": 0.5, "net_profit": "5.00",
        "gross_profit": "35.00", "gross_loss": "-30.00", "profit_factor": 1.1667,
        "avg_win": "11.67", "avg_loss": "-10.00", "expectancy": "0.83", "best": "20.00",
        "worst": "-15.00", "max_drawdown": "25.00", "max_drawdown_pct": "2.44",
        "start_balance": "1000.00", "trades_per_day": 0.8571, "avg_latency_ms": 20.0,
        "latency_count": 3, "avg_slippage_points": 2.67, "slippage_count": 3,
    }
    assert {k: r[k] for k in expected} == expected
    # "all" adds the old +50 close: start 1005 - 55 = 950, the curve 50, 60, 55, 75, 60, 50, 55
    # peaks at 75 → drawdown 25 = 25 / (950 + 75) = 2.44 %; 7 trades over 20 days.
    r = (await alice.get(f"/api/v1/accounts/{fid}/performance", params={"range": "all"})).json()
    assert (r["trades"], r["net_profit"], r["start_balance"], r["max_drawdown"]) == (
        7, "55.00", "950.00", "25.00")
    assert r["max_drawdown_pct"] == "2.44" and r["trades_per_day"] == pytest.approx(0.35, 1e-3)


async def test_master_figures_and_an_empty_period(api: Api, alice) -> None:
    _, mid = await _seed(api, alice)
    r = (await alice.get(f"/api/v1/accounts/{mid}/performance", params={"range": "7d"})).json()
    # Same profits on the master; no account state → no start balance, no percentage; its
    # copies' latency and slippage are the follower's.
    assert (r["trades"], r["net_profit"], r["max_drawdown"], r["profit_factor"]) == (
        6, "5.00", "25.00", 1.1667)
    assert r["max_drawdown_pct"] is None and r["start_balance"] is None
    assert (r["avg_latency_ms"], r["avg_slippage_points"]) == (20.0, 2.67)
    r = (await alice.get(f"/api/v1/accounts/{mid}/performance", params={"range": "24h"})).json()
    assert r["trades"] == 6  # all closed within the last seven hours
    fresh = (await alice.post("/api/v1/accounts", json={"name": "N", "role": "master"})).json()
    r = (await alice.get(f"/api/v1/accounts/{fresh['account']['id']}/performance")).json()
    assert r == r | {"trades": 0, "win_rate": None, "profit_factor": None, "expectancy": None,
                     "max_drawdown": "0.00", "net_profit": "0.00", "trades_per_day": 0.0,
                     "avg_latency_ms": None, "avg_slippage_points": None}


async def test_bad_range_and_other_users(api: Api, alice, bob) -> None:
    fid, _ = await _seed(api, alice)
    for bad in ("1y", "", "7D"):
        r = await alice.get(f"/api/v1/accounts/{fid}/performance", params={"range": bad})
        assert r.status_code == 422 and "range" in error_of(r)["fields"], r.text
    r = await alice.get(f"/api/v1/accounts/{fid}/performance", params={"range": ["7d", "30d"]})
    assert r.status_code == 422
    assert (await bob.get(f"/api/v1/accounts/{fid}/performance")).status_code == 404
