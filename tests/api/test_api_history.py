"""History: closed trades / ended copies by close time, paging, filters, bad input, and the
CSV export parsed back (UTF-8 with BOM, ISO 8601 times)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from apitools import Api, error_of

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def _seed(api: Api, c):
    m = (await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await c.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    mid, fid = m["account"]["id"], f["account"]["id"]
    # ticket, symbol, side, open, close price, opened (h after T0), closed (h), profit
    trades = [
        (1, "EURUSD", "BUY", "1.08450", "1.08650", 0, 5, "20.00"),   # closes 3rd
        (2, "USDJPY", "SELL", "151.250", "151.130", 1, 2, "39.70"),  # closes 1st
        (3, "XAUUSD", "BUY", "2350.10", "2348.60", 2, 3, "-15.00"),  # closes 2nd
        (4, "EURUSD", "SELL", "1.08000", None, 3, None, "0"),        # still open
    ]
    ids = {}
    for ticket, sym, side, op, cp, o, cl, profit in trades:
        ids[ticket] = await api.db.fetchval(
            "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
            "open_volume, status, opened_at, closed_at, close_price, close_reason, profit) "
            "VALUES ($1, $2, $3, $4, $5::numeric, 0.1, $6, $7, $8, $9, $10::numeric, $11, "
            "$12::numeric) RETURNING id",
            mid, ticket, sym, side, op, 0 if cp else 0.1, "CLOSED" if cp else "OPEN",
            T0 + timedelta(hours=o), T0 + timedelta(hours=cl) if cl else None, cp,
            "TP" if cp else None, profit)
    # The follower: a closed copy of 1 (reversed, filled 1.08452), a FAILED copy of 3.
    await api.db.execute(
        "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, requested_volume,"
        " slave_ticket, slave_volume, slave_type, profit, close_price, fill_price, digits, "
        "created_at, sent_at, acked_at, closed_at) VALUES ($1, $2, 'CLOSED', 'EURUSD.m', 0.1, "
        "900, 0, 'SELL', -20.20, 1.08654, 1.08452, 5, $3, $3, $4, $5)",
        ids[1], fid, T0, T0 + timedelta(milliseconds=40), T0 + timedelta(hours=5))
    await api.db.execute(
        "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, requested_volume,"
        " reason_code, reason, retcode, created_at) VALUES ($1, $2, 'FAILED', 'XAUUSD', 0.1, "
        "'REJECTED', 'No money (retcode 10019)', 10019, $3)",
        ids[3], fid, T0 + timedelta(hours=2))
    return mid, fid


async def test_master_history_sorted_by_close_time_with_every_figure(api: Api, alice) -> None:
    mid, _ = await _seed(api, alice)
    page = (await alice.get(f"/api/v1/accounts/{mid}/history")).json()
    assert [r["ticket"] for r in page["items"]] == [1, 3, 2]  # newest close first
    first = page["items"][0]
    assert first == first | {
        "kind": "trade", "symbol": "EURUSD", "side": "BUY", "open_price": "1.0845",
        "close_price": "1.0865", "pips": 20.0, "profit": "20.00", "status": "CLOSED",
        "reason_code": "TP", "duration_s": 5 * 3600.0,
        "open_time": "2026-11-20T09:00:00+00:00", "close_time": "2026-11-20T14:00:00+00:00"}
    assert page["items"][2]["pips"] == 12.0 and page["items"][1]["pips"] == -15.0
    assert page["next_cursor"] is None


async def test_paging_and_filters(api: Api, alice) -> None:
    mid, fid = await _seed(api, alice)
    url = f"/api/v1/accounts/{mid}/history"
    p1 = (await alice.get(url, params={"limit": 2})).json()
    assert [r["ticket"] for r in p1["items"]] == [1, 3] and p1["next_cursor"]
    p2 = (await alice.get(url, params={"limit": 2, "cursor": p1["next_cursor"]})).json()
    assert [r["ticket"] for r in p2["items"]] == [2] and p2["next_cursor"] is None
    eur = (await alice.get(url, params={"symbol": "eurusd"})).json()
    assert [r["ticket"] for r in eur["items"]] == [1]
    window = {"since": "2026-11-20T11:00:00Z", "until": "2026-11-20T14:00:00Z"}
    assert [r["ticket"] for r in (await alice.get(url, params=window)).json()["items"]] == [3, 2]
    # The follower: copies by their end time, symbol by either spelling, status filter.
    furl = f"/api/v1/accounts/{fid}/history"
    rows = (await alice.get(furl)).json()["items"]
    assert [(r["ticket"], r["status"]) for r in rows] == [(1, "CLOSED"), (3, "FAILED")]
    closed, failed = rows
    assert closed == closed | {
        "kind": "copy", "side": "SELL", "follower_symbol": "EURUSD.m", "volume": "0.10",
        "open_price": "1.08452", "close_price": "1.08654", "pips": -20.2, "profit": "-20.20",
        "reason_code": "TP", "follower_ticket": 900}
    assert abs(closed["duration_s"] - (5 * 3600 - 0.04)) < 1e-6
    assert failed["reason"] == "No money (retcode 10019)" and failed["duration_s"] is None
    assert failed["open_time"] is None and failed["close_time"] == "2026-11-20T11:00:00+00:00"
    assert [r["ticket"] for r in (await alice.get(
        furl, params={"symbol": "EURUSD.M"})).json()["items"]] == [1]
    assert [r["status"] for r in (await alice.get(
        furl, params={"status": "FAILED"})).json()["items"]] == ["FAILED"]


async def test_bad_query_parameters_are_named(api: Api, alice, bob) -> None:
    mid, _ = await _seed(api, alice)
    url = f"/api/v1/accounts/{mid}/history"
    cases = {
        "symbol": {"symbol": "EUR/USD"}, "limit": {"limit": "0"},
        "cursor": {"cursor": "abc"}, "since": {"since": "yesterday"},
        "status": {"status": "OPEN"}, "until": {"since": "2026-11-21T00:00:00Z",
                                               "until": "2026-11-20T00:00:00Z"},
    }
    for field, params in cases.items():
        r = await alice.get(url, params=params)
        assert r.status_code == 422, (field, r.text)
        assert any(k.startswith(field) for k in error_of(r)["fields"]), (field, r.text)
    r = await alice.get(url, params={"cursor": "99999999999999999999_1"})  # out of range
    assert r.status_code == 422 and "cursor" in error_of(r)["fields"]
    r = await alice.get(url + ".csv", params={"symbol": "x" * 33})
    assert r.status_code == 422 and "symbol" in error_of(r)["fields"]
    assert (await bob.get(url)).status_code == 404  # not yours
    assert (await bob.get(url + ".csv")).status_code == 404


async def test_csv_export_parses_back(api: Api, alice) -> None:
    mid, fid = await _seed(api, alice)
    r = await alice.get(f"/api/v1/accounts/{fid}/history.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith(f'attachment; filename="history-{fid}-')
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert b"\r\n" in r.content
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["status"] for row in rows] == ["CLOSED", "FAILED"]
    closed = rows[0]
    assert closed["close_time"] == "2026-11-20T14:00:00.000Z"
    assert closed["open_time"] == "2026-11-20T09:00:00.040Z"
    assert datetime.fromisoformat(closed["close_time"]) == T0 + timedelta(hours=5)
    assert Decimal(closed["profit"]) == Decimal("-20.20")
    assert (closed["symbol"], closed["follower_symbol"], closed["side"]) == (
        "EURUSD", "EURUSD.m", "SELL")
    assert float(closed["pips"]) == -20.2 and closed["duration_s"] == "17999.960"
    assert rows[1]["reason"] == "No money (retcode 10019)" and rows[1]["open_time"] == ""
    # Filters apply to the export too.
    r = await alice.get(f"/api/v1/accounts/{mid}/history.csv", params={"symbol": "USDJPY"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["ticket"], row["pips"]) for row in rows] == [("2", "12.0")]
