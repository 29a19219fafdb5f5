"""The provider's view of its followers (docs/api.md, Followers): per follower result, open
copies, failure rate, latency, slippage and a flag for recent failures; removing a follower
(it cannot follow again, by API or EA, until allowed); other users see nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from copytrade.db.accounts import REMOVED_TEXT
from copytrade.sim.link import LinkError

from apitools import Api, error_of


async def _pair(api: Api, mid: int, fid: int, n: int, status: str, *, profit: str | None = None,
                floating: str | None = None, latency_ms: int | None = None,
                fill: str | None = None) -> None:
    now = datetime.now(UTC) - timedelta(minutes=100 - n)
    tid = await api.db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
        "open_volume, status, opened_at) VALUES ($1, $2, 'EURUSD', 'BUY', 1.10000, 0.1, 0.1, "
        "'OPEN', $3) ON CONFLICT DO NOTHING RETURNING id", mid, n, now)
    if tid is None:
        tid = await api.db.fetchval(
            "SELECT id FROM master_trades WHERE account_id = $1 AND ticket = $2", mid, n)
    ended = status in ("FAILED", "SKIPPED", "EXPIRED", "UNKNOWN")
    await api.db.execute(
        "INSERT INTO trade_pairs (master_trade_id, account_id, status, symbol, slave_ticket, "
        "slave_volume, slave_type, profit, floating_profit, reason, fill_price, digits, "
        "created_at, sent_at, acked_at) VALUES ($1, $2, $3, 'EURUSD', $4, 0.1, 'BUY', "
        "$5::numeric, $6::numeric, $7, $8::numeric, 5, $9, $9, $10)",
        tid, fid, status, None if ended else 1000 + n, profit, floating,
        "broker said no" if ended else None, fill, now,
        None if latency_ms is None else now + timedelta(milliseconds=latency_ms))


async def test_overview_flags_failing_followers(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid, token = m["account"]["id"], m["account"]["master_token"]
    good = (await alice.post("/api/v1/accounts", json={"name": "Good", "role": "follower"})
            ).json()["account"]["id"]
    bad = (await bob.post("/api/v1/accounts", json={"name": "Bad", "role": "follower"})
           ).json()["account"]["id"]
    assert (await alice.put(f"/api/v1/accounts/{good}/following",
                            json={"master_token": token})).status_code == 200
    assert (await bob.put(f"/api/v1/accounts/{bad}/following",
                          json={"master_token": token})).status_code == 200
    # Good: two closed (+10, -4), one open (+5 floating); latency 10 and 30 ms; fills +2 and
    # -1 points against 1.10000; one SKIPPED by its rules (not an attempt).
    await _pair(api, mid, good, 1, "CLOSED", profit="10", latency_ms=10, fill="1.10002")
    await _pair(api, mid, good, 2, "CLOSED", profit="-4", latency_ms=30, fill="1.09999")
    await _pair(api, mid, good, 3, "OPEN", floating="5")
    await _pair(api, mid, good, 4, "SKIPPED")
    # Bad: one closed +1, then FAILED, EXPIRED, UNKNOWN → 3 of its last 4 failed: flagged.
    await _pair(api, mid, bad, 1, "CLOSED", profit="1")
    await _pair(api, mid, bad, 2, "FAILED")
    await _pair(api, mid, bad, 3, "EXPIRED")
    await _pair(api, mid, bad, 4, "UNKNOWN")

    items = (await alice.get(f"/api/v1/accounts/{mid}/followers")).json()["items"]
    by_name = {i["name"]: i for i in items}
    g, b = by_name["Good"], by_name["Bad"]
    assert {k: g[k] for k in ("realised_profit", "floating_profit", "open_copies", "copies",
                              "failed", "failure_rate", "flagged", "avg_latency_ms",
                              "avg_slippage_points")} == {
        "realised_profit": "6.00", "floating_profit": "5.00", "open_copies": 1, "copies": 3,
        "failed": 0, "failure_rate": 0.0, "flagged": False, "avg_latency_ms": 20.0,
        "avg_slippage_points": 0.5}
    assert {k: b[k] for k in ("realised_profit", "copies", "failed", "failure_rate",
                              "recent_copies", "recent_failed", "flagged")} == {
        "realised_profit": "1.00", "copies": 4, "failed": 3, "failure_rate": 0.75,
        "recent_copies": 4, "recent_failed": 3, "flagged": True}
    assert g["online"] is False and "ea_disconnected_at" in g

    # Bob follows alice's master but cannot see its followers, nor remove any.
    assert (await bob.get(f"/api/v1/accounts/{mid}/followers")).status_code == 404
    assert (await bob.delete(f"/api/v1/accounts/{mid}/followers/{good}")).status_code == 404


async def test_remove_and_allow_a_follower(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid, token = m["account"]["id"], m["account"]["master_token"]
    f = (await bob.post("/api/v1/accounts", json={"name": "Bad", "role": "follower"})).json()
    fid, key = f["account"]["id"], f["api_key"]
    await bob.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})

    r = await alice.delete(f"/api/v1/accounts/{mid}/followers/{fid}")
    assert r.status_code == 204, r.text
    assert (await alice.get(f"/api/v1/accounts/{mid}/followers")).json()["items"] == []
    assert (await bob.get(f"/api/v1/accounts/{fid}")).json()["account"]["following_id"] is None
    assert fid not in api.engine.followers_of.get(mid, set())
    removed = (await alice.get(f"/api/v1/accounts/{mid}/removed-followers")).json()["items"]
    assert [(i["id"], i["name"]) for i in removed] == [(fid, "Bad")]
    # Removing again: it no longer follows.
    r = await alice.delete(f"/api/v1/accounts/{mid}/followers/{fid}")
    assert r.status_code == 404

    # It cannot come back, neither by the API nor by its EA naming the token.
    r = await bob.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    assert r.status_code == 409 and error_of(r)["fields"] == {"master_token": REMOVED_TEXT}
    with pytest.raises(LinkError) as refused:
        await api.ea(key, master_token=token)
    assert refused.value.code == "UNKNOWN_MASTER_TOKEN" and "removed" in str(refused.value)

    # Only the master's owner may allow it again; then it can follow.
    assert (await bob.delete(f"/api/v1/accounts/{mid}/removed-followers/{fid}")
            ).status_code == 404
    r = await alice.delete(f"/api/v1/accounts/{mid}/removed-followers/{fid}")
    assert r.status_code == 204
    assert (await alice.delete(f"/api/v1/accounts/{mid}/removed-followers/{fid}")
            ).status_code == 404
    r = await bob.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    assert r.status_code == 200


async def test_followers_of_a_non_master_and_bad_ids(api: Api, alice) -> None:
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    fid = f["account"]["id"]
    assert (await alice.get(f"/api/v1/accounts/{fid}/followers")).status_code == 409
    assert (await alice.delete(f"/api/v1/accounts/{fid}/followers/1")).status_code == 409
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid = m["account"]["id"]
    for bad in ("abc", "-1", "99999999999999999999999"):
        r = await alice.delete(f"/api/v1/accounts/{mid}/followers/{bad}")
        assert r.status_code == 404, (bad, r.text)
    assert (await alice.delete(f"/api/v1/accounts/{mid}/followers/{fid}")).status_code == 404
