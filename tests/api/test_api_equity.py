"""Equity, balance and drawdown over time (docs/api.md, Equity): reports from a real EA are
folded into one row per minute; the API buckets them to fit the range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from copytrade.api.equity import bucket_for
from copytrade.db.equity import fold

from apitools import Api, error_of
from polling import eventually


def test_bucket_fits_the_range() -> None:
    assert bucket_for(timedelta(hours=24)) == 60
    assert bucket_for(timedelta(days=7)) == 900
    assert bucket_for(timedelta(days=30)) == 3600
    assert bucket_for(timedelta(days=90)) == 4 * 3600
    assert bucket_for(timedelta(days=5000)) == 7 * 86400


def test_fold_keeps_last_min_max_per_minute() -> None:
    t0 = datetime(2026, 12, 2, 10, 0, 5, tzinfo=UTC)
    d = Decimal
    rows = fold([(1, d(100), d(100), t0), (1, d(100), d(90), t0 + timedelta(seconds=20)),
                 (1, d(101), d(95), t0 + timedelta(seconds=40)),
                 (1, d(101), d(99), t0 + timedelta(seconds=60)),
                 (2, d(5), d(5), t0)])
    minute = t0.replace(second=0)
    # 100 → 90 → 95 in the first minute: a fall of 10 from the high to a later low.
    assert rows == [(1, minute, d(101), d(95), d(90), d(100), d(10), 3),
                    (1, minute + timedelta(minutes=1), d(101), d(99), d(99), d(99), d(0), 1),
                    (2, minute, d(5), d(5), d(5), d(5), d(0), 1)]
    # A low before the high is no drawdown.
    rows = fold([(1, d(0), d(90), t0), (1, d(0), d(100), t0 + timedelta(seconds=1))])
    assert rows[0][6] == d(0)


async def _seed(api: Api, account_id: int, minutes: list[tuple[int, str, str, str, str]]
                ) -> datetime:
    """Rows (minutes ago, balance, equity, min, max); returns the base minute (now, floored)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for ago, bal, eq, lo, hi in minutes:
        await api.db.execute(
            "INSERT INTO equity_points (account_id, minute, balance, equity, equity_min, "
            "equity_max) VALUES ($1, $2, $3::numeric, $4::numeric, $5::numeric, $6::numeric)",
            account_id, now - timedelta(minutes=ago), bal, eq, lo, hi)
    return now


async def test_reports_from_an_ea_become_minute_points(api: Api, alice) -> None:
    r = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    fid, key = r["account"]["id"], r["api_key"]
    sim = await api.follower_ea(key)
    for eq in ("10000.00", "9950.00", "10020.00"):
        await sim.report_account(Decimal(eq), balance=Decimal("10000.00"))

    async def equity() -> dict:
        return (await alice.get(f"/api/v1/accounts/{fid}/equity")).json()

    body = await eventually(equity, lambda b: b["points"] and b["points"][-1]["equity"]
                            == "10020.00", interval=0.05)
    assert body["range"] == "24h" and body["bucket_s"] == 60
    last = body["points"][-1]
    assert last["balance"] == "10000.00"
    assert Decimal(last["equity_min"]) <= Decimal("9950.00")
    assert last["equity_max"] == "10020.00"
    # Within the minute: 10000 → 9950 → 10020 fell 50 from a high to a later low (the
    # 10020 high came after the 9950 low), even if the reports arrived in separate batches.
    if len(body["points"]) == 1:
        assert last["drawdown"] == "50.00"
    rows = await api.db.fetchval("SELECT count(*) FROM equity_points WHERE account_id = $1", fid)
    assert rows <= 2  # one row per minute, not one per report
    sim.stop()


async def test_drawdown_against_the_running_peak(api: Api, alice) -> None:
    fid = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})
           ).json()["account"]["id"]
    # equity 1000 → peak 1100 → trough 990 (min) → 1050
    await _seed(api, fid, [(30, "1000", "1000", "1000", "1000"),
                           (20, "1000", "1100", "1000", "1100"),
                           (10, "1000", "1000", "990", "1100"),
                           (5, "1050", "1050", "1040", "1060")])
    body = (await alice.get(f"/api/v1/accounts/{fid}/equity", params={"range": "24h"})).json()
    pts = body["points"]
    assert [p["equity"] for p in pts] == ["1000.00", "1100.00", "1000.00", "1050.00"]
    # Minute 2 went 1000 → 1100 (a rise, no fall); then 1100 down to 990, and 1040 at worst.
    assert [p["drawdown"] for p in pts] == ["0.00", "0.00", "110.00", "60.00"]
    assert pts[2]["drawdown_pct"] == "10.00"  # 110 / 1100
    assert body["max_drawdown"] == "110.00" and body["max_drawdown_pct"] == "10.00"
    # The first point is the first data, not a zero.
    assert pts[0]["equity"] == "1000.00"
    # 7 days: 15-minute buckets fold the four minutes into two or three buckets.
    week = (await alice.get(f"/api/v1/accounts/{fid}/equity", params={"range": "7d"})).json()
    assert week["bucket_s"] == 900
    assert len(week["points"]) <= 3 and week["points"][-1]["equity"] == "1050.00"
    assert min(Decimal(p["equity_min"]) for p in week["points"]) == Decimal("990")
    # "all" starts at the first stored minute: 30 minutes → minute buckets.
    every = (await alice.get(f"/api/v1/accounts/{fid}/equity", params={"range": "all"})).json()
    assert every["bucket_s"] == 60 and every["since"] is None and len(every["points"]) == 4


async def test_explicit_period(api: Api, alice) -> None:
    fid = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})
           ).json()["account"]["id"]
    now = await _seed(api, fid, [(120, "1", "1", "1", "1"), (60, "2", "2", "2", "2"),
                                 (1, "3", "3", "3", "3")])
    since = (now - timedelta(minutes=90)).isoformat()
    until = (now - timedelta(minutes=30)).isoformat()
    body = (await alice.get(f"/api/v1/accounts/{fid}/equity",
                            params={"since": since, "until": until})).json()
    assert body["range"] is None and [p["equity"] for p in body["points"]] == ["2.00"]
    assert body["bucket_s"] == 60


async def test_malformed_queries_and_other_users(api: Api, alice, bob) -> None:
    fid = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})
           ).json()["account"]["id"]
    await _seed(api, fid, [(1, "1", "1", "1", "1")])
    url = f"/api/v1/accounts/{fid}/equity"
    for params, field in (({"range": "1y"}, "range"), ({"since": "yesterday"}, "since"),
                          ({"until": "2026-13-01T00:00:00Z"}, "until"),
                          ({"since": "2026-12-02T10:00:00Z", "until": "2026-12-02T09:00:00Z"},
                           "until")):
        r = await alice.get(url, params=params)
        assert r.status_code == 422 and field in error_of(r)["fields"], (params, r.text)
    r = await bob.get(url)
    assert r.status_code == 404
    bobs = (await bob.post("/api/v1/accounts", json={"name": "B", "role": "follower"})
            ).json()["account"]["id"]
    body = (await bob.get(f"/api/v1/accounts/{bobs}/equity")).json()
    assert body["points"] == [] and body["max_drawdown"] is None
    assert (await alice.get(f"/api/v1/accounts/{bobs}/equity")).status_code == 404


async def test_old_minutes_fold_into_hours(api: Api, alice) -> None:
    from copytrade.db.equity import EquityQueries

    fid = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})
           ).json()["account"]["id"]
    hour = datetime(2026, 1, 5, 10, tzinfo=UTC)
    rows = [  # minute, balance, equity, min, max, inner fall
        (0, "1000", "1000", "1000", "1000", "0"), (10, "1000", "1100", "1000", "1100", "0"),
        (20, "1000", "1020", "1010", "1100", "40"), (50, "1030", "1030", "1030", "1050", "5"),
        (60, "1030", "1040", "1040", "1040", "0")]  # the next hour: a lone :00 row stays
    for m, bal, eq, lo, hi, dd in rows:
        await api.db.execute(
            "INSERT INTO equity_points (account_id, minute, balance, equity, equity_min, "
            "equity_max, drawdown, reports) VALUES ($1, $2, $3::numeric, $4::numeric, "
            "$5::numeric, $6::numeric, $7::numeric, 2)", fid, hour + timedelta(minutes=m),
            bal, eq, lo, hi, dd)
    recent = await _seed(api, fid, [(5, "2000", "2000", "2000", "2000")])
    q = EquityQueries(api.ctx.db)
    assert await q.compact(recent - timedelta(days=1)) == 1
    got = await api.db.fetch("SELECT minute, balance, equity, equity_min, equity_max, drawdown, "
                             "reports FROM equity_points WHERE account_id = $1 ORDER BY minute",
                             fid)
    # 10:00-10:59 → one row: last 1030/1030, extremes 1000..1100, the worst fall 1100 → 1010
    # (90: higher than any minute's own), 8 reports; 11:00 and the recent minute untouched.
    assert [tuple(r) for r in got[:2]] == [
        (hour, Decimal("1030.00"), Decimal("1030.00"), Decimal("1000.00"), Decimal("1100.00"),
         Decimal("90.00"), 8),
        (hour + timedelta(hours=1), Decimal("1030.00"), Decimal("1040.00"), Decimal("1040.00"),
         Decimal("1040.00"), Decimal("0.00"), 2)]
    assert len(got) == 3
    assert await q.compact(recent - timedelta(days=1)) == 0  # nothing left to fold
