"""Trades and pairs pages (filters, cursors), active lists, stats and profit series,
checked against hand-computed numbers from rows inserted with SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apitools import Api, error_of


async def _seed(api: Api, c):
    m = (await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await c.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    mid, fid = m["account"]["id"], f["account"]["id"]
    now = datetime.now(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    closes = [day - timedelta(days=5, hours=-10), day - timedelta(days=5, hours=-15),
              day - timedelta(days=2, hours=-12), now - timedelta(hours=2)]
    master_profit = [Decimal("20"), Decimal("-5"), Decimal("0")]
    trade_ids = []
    for i in range(1, 9):
        closed = i <= 3
        tid = await api.db.fetchval(
            "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
            "open_volume, status, opened_at, closed_at, close_price, profit) VALUES "
            "($1, $2, 'EURUSD', 'BUY', 1.1, 0.1, 0.1, $3, $4, $5, $6, $7) RETURNING id",
            mid, i, "CLOSED" if closed else "OPEN", now - timedelta(minutes=i),
            closes[i - 1] if closed else None, Decimal("1.2") if closed else None,
            master_profit[i - 1] if closed else Decimal(0))
        trade_ids.append(tid)
    pair_profit = [Decimal("10.00"), Decimal("-3.50"), Decimal("5.25"), Decimal("2.00")]
    statuses = ["CLOSED"] * 4 + ["PENDING", "OPEN", "FAILED"]
    pair_ids = []
    for i, status in enumerate(statuses, start=1):
        closed = status == "CLOSED"
        sent = now - timedelta(days=1)
        pid = await api.db.fetchval(
            "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, "
            "requested_volume, slave_ticket, slave_volume, slave_type, reason, profit, "
            "created_at, sent_at, acked_at, closed_at) VALUES ($1, $2, $3, 'EURUSD.m', 0.1, "
            "$4, 0.1, 'BUY', $5, $6, $7, $8, $9, $10) RETURNING id",
            trade_ids[i - 1], fid, status, i, "refused" if status == "FAILED" else None,
            pair_profit[i - 1] if closed else None, now - timedelta(hours=8 - i),
            sent, sent + timedelta(milliseconds=10 * i) if closed else None,
            closes[i - 1] if closed else None)
        pair_ids.append(pid)
    return mid, fid, trade_ids, pair_ids


async def test_pairs_pages_filters_and_fields(api: Api, alice) -> None:
    mid, fid, _, pids = await _seed(api, alice)
    url = f"/api/v1/accounts/{fid}/pairs"
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await alice.get(url, params=params)).json()
        seen.append([p["id"] for p in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [pids[6:3:-1], pids[3:0:-1], pids[0:1]]

    r = await alice.get(f"{url}?status=CLOSED&status=OPEN")
    assert [p["id"] for p in r.json()["items"]] == [pids[5], pids[3], pids[2], pids[1], pids[0]]
    since = (datetime.now(UTC) - timedelta(hours=3.5)).isoformat()
    until = (datetime.now(UTC) - timedelta(hours=5.5)).isoformat()
    r = await alice.get(url, params={"since": since})
    assert [p["id"] for p in r.json()["items"]] == [pids[6], pids[5], pids[4]]
    r = await alice.get(url, params={"until": until})
    assert [p["id"] for p in r.json()["items"]] == [pids[1], pids[0]]

    first = (await alice.get(url, params={"status": "CLOSED"})).json()["items"][-1]
    assert first["master_ticket"] == 1 and first["symbol"] == "EURUSD"
    assert first["follower_symbol"] == "EURUSD.m" and first["side"] == "BUY"
    assert first["master_volume"] == "0.10" and first["open_price"] == "1.10"
    assert first["volume"] == "0.10" and first["follower_ticket"] == 1
    assert first["profit"] == "10.00" and first["status"] == "CLOSED"
    assert first["latency_ms"] == pytest.approx(10.0)
    assert first["master_account_id"] == mid
    failed = (await alice.get(url, params={"status": "FAILED"})).json()["items"]
    assert [p["reason"] for p in failed] == ["refused"] and failed[0]["latency_ms"] is None

    active = (await alice.get(f"/api/v1/accounts/{fid}/active")).json()["items"]
    assert [p["id"] for p in active] == [pids[5], pids[4]]
    assert (await alice.get(f"/api/v1/accounts/{mid}/pairs")).status_code == 409


async def test_trades_pages_and_active(api: Api, alice) -> None:
    mid, fid, tids, _ = await _seed(api, alice)
    url = f"/api/v1/accounts/{mid}/trades"
    p1 = (await alice.get(url, params={"limit": 5})).json()
    assert [t["id"] for t in p1["items"]] == tids[::-1][:5]
    p2 = (await alice.get(url, params={"limit": 5, "cursor": p1["next_cursor"]})).json()
    assert [t["id"] for t in p2["items"]] == tids[2::-1] and p2["next_cursor"] is None
    closed = (await alice.get(url, params={"status": "CLOSED"})).json()["items"]
    assert [t["ticket"] for t in closed] == [3, 2, 1]
    assert closed[-1]["profit"] == "20.00" and closed[-1]["close_price"] == "1.20"
    assert closed[-1]["side"] == "BUY" and closed[-1]["volume"] == "0.10"
    active = (await alice.get(f"/api/v1/accounts/{mid}/active")).json()["items"]
    assert [t["ticket"] for t in active] == [8, 7, 6, 5, 4]
    assert (await alice.get(f"/api/v1/accounts/{fid}/trades")).status_code == 409


async def test_bad_query_parameters(api: Api, alice) -> None:
    _mid, fid, _, _ = await _seed(api, alice)
    for q, field in [("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"),
                     ("status=BOGUS", "status"), ("since=yesterday", "since"),
                     ("cursor=abc", "cursor"), ("limit=1&limit=2", "limit")]:
        r = await alice.get(f"/api/v1/accounts/{fid}/pairs?{q}")
        assert r.status_code == 422, q
        assert field in " ".join(error_of(r)["fields"]), (q, error_of(r))
    r = await alice.get(f"/api/v1/accounts/{fid}/profit-series?range=1y")
    assert r.status_code == 422 and "range" in error_of(r)["fields"]
    r = await alice.get(f"/api/v1/accounts/{fid}/pairs?cursor=99999999999999999999")
    assert r.status_code == 422
    r = await alice.get(f"/api/v1/accounts/{fid}/pairs?cursor=9999999999999999999")
    assert r.status_code == 200 and len(r.json()["items"]) == 7


async def test_stats_follower_and_master(api: Api, alice) -> None:
    mid, fid, _, _ = await _seed(api, alice)
    s = (await alice.get(f"/api/v1/accounts/{fid}/stats")).json()
    # closed: 10.00, -3.50, 5.25, 2.00; PENDING + OPEN open; latencies 10, 20, 30, 40 ms
    assert s["total_profit"] == "13.75" and s["closed_count"] == 4
    assert s["win_rate"] == 0.75 and s["best"] == "10.00" and s["worst"] == "-3.50"
    assert s["open_count"] == 2
    assert s["latency_ms"]["count"] == 4
    assert s["latency_ms"]["p50"] == pytest.approx(25.0)
    assert s["latency_ms"]["p95"] == pytest.approx(38.5)  # 30 + 0.85 * 10

    s = (await alice.get(f"/api/v1/accounts/{mid}/stats")).json()
    # master closed: 20, -5, 0; five open trades; latency over every copy of its trades
    assert s["total_profit"] == "15.00" and s["closed_count"] == 3
    assert s["win_rate"] == pytest.approx(0.3333) and s["best"] == "20.00"
    assert s["worst"] == "-5.00" and s["open_count"] == 5
    assert s["latency_ms"]["p50"] == pytest.approx(25.0)

    empty = (await alice.post("/api/v1/accounts", json={"name": "E", "role": "follower"}))
    s = (await alice.get(f"/api/v1/accounts/{empty.json()['account']['id']}/stats")).json()
    assert s == {"total_profit": "0.00", "closed_count": 0, "win_rate": None, "best": None,
                 "worst": None, "open_count": 0,
                 "latency_ms": {"p50": None, "p95": None, "count": 0}}


async def test_profit_series(api: Api, alice) -> None:
    mid, fid, _, _ = await _seed(api, alice)

    async def series(account_id: int, rng: str):
        r = await alice.get(f"/api/v1/accounts/{account_id}/profit-series", params={"range": rng})
        assert r.status_code == 200
        body = r.json()
        return body["bucket"], [(p["profit"], p["cumulative"]) for p in body["points"]]

    assert await series(fid, "all") == ("day", [("6.50", "6.50"), ("5.25", "11.75"),
                                                ("2.00", "13.75")])
    assert await series(fid, "30d") == await series(fid, "all")
    assert await series(fid, "7d") == ("hour", [("10.00", "10.00"), ("-3.50", "6.50"),
                                                ("5.25", "11.75"), ("2.00", "13.75")])
    assert await series(fid, "24h") == ("minute", [("2.00", "2.00")])
    assert await series(mid, "all") == ("day", [("15.00", "15.00"), ("0.00", "15.00")])
    body = (await alice.get(f"/api/v1/accounts/{fid}/profit-series")).json()
    assert body["range"] == "30d" and body["points"][0]["t"].endswith("+00:00")
    assert body["points"][0]["t"][11:19] == "00:00:00"
