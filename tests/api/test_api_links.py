"""Copy mode, 1TO1 partner, following by master token, copy rules with field errors."""

from __future__ import annotations

from decimal import Decimal

from copytrade.domain.models import CopyMode
from copytrade.protocol import Rules

from apitools import Api, error_of


async def _accounts(c, *, keys: dict[int, str] | None = None):
    m = (await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await c.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    if keys is not None:
        keys.update({m["account"]["id"]: m["api_key"], f["account"]["id"]: f["api_key"]})
    return m["account"], f["account"]


async def test_copy_mode(api: Api, alice) -> None:
    m, f = await _accounts(alice)
    for mode in ("1TO1", "RECORD", "PUBSUB"):
        r = await alice.put(f"/api/v1/accounts/{m['id']}/copy-mode", json={"copy_mode": mode})
        assert r.status_code == 200 and r.json()["account"]["copy_mode"] == mode
        # the engine routes the next signal by the new mode (its cached account has it)
        assert api.engine.accounts[m["id"]].copy_mode is CopyMode(mode)
    r = await alice.put(f"/api/v1/accounts/{m['id']}/copy-mode", json={"copy_mode": "1to1"})
    assert r.status_code == 422 and "copy_mode" in error_of(r)["fields"]
    r = await alice.put(f"/api/v1/accounts/{f['id']}/copy-mode", json={"copy_mode": "RECORD"})
    assert r.status_code == 409


async def test_partner(api: Api, alice) -> None:
    m, f = await _accounts(alice)
    r = await alice.put(f"/api/v1/accounts/{m['id']}/partner", json={"partner_id": f["id"]})
    assert r.status_code == 200 and r.json()["account"]["partner_id"] == f["id"]
    assert api.engine.partner_of == {f["id"]: m["id"]}
    assert api.engine.accounts[m["id"]].partner_id == f["id"]
    r = await alice.put(f"/api/v1/accounts/{m['id']}/partner", json={"partner_id": m["id"]})
    assert r.status_code == 409
    r = await alice.put(f"/api/v1/accounts/{m['id']}/partner", json={"partner_id": 424242})
    assert r.status_code == 422 and "partner_id" in error_of(r)["fields"]
    r = await alice.put(f"/api/v1/accounts/{m['id']}/partner", json={"partner_id": "1"})
    assert r.status_code == 422
    r = await alice.put(f"/api/v1/accounts/{m['id']}/partner", json={})
    assert r.status_code == 422
    r = await alice.put(f"/api/v1/accounts/{m['id']}/partner", json={"partner_id": None})
    assert r.status_code == 200 and r.json()["account"]["partner_id"] is None
    assert api.engine.partner_of == {} and api.engine.accounts[m["id"]].partner_id is None


async def test_follow_and_unfollow(api: Api, alice, bob) -> None:
    keys: dict[int, str] = {}
    m, f = await _accounts(alice, keys=keys)
    bm = (await bob.post("/api/v1/accounts", json={"name": "BM", "role": "master"})).json()
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m["master_token"]})
    assert r.status_code == 200
    acc = r.json()["account"]
    assert acc["following_id"] == m["id"] and acc["following_name"] == "M"
    assert api.engine.followers_of[m["id"]] == {f["id"]}
    assert api.engine.accounts[f["id"]].following_id == m["id"]
    items = (await alice.get(f"/api/v1/accounts/{m['id']}/followers")).json()["items"]
    assert [{k: i[k] for k in ("id", "name", "is_active", "online")} for i in items] == [
        {"id": f["id"], "name": "F", "is_active": True, "online": False}]
    await api.follower_ea(keys[f["id"]])
    items = (await alice.get(f"/api/v1/accounts/{m['id']}/followers")).json()["items"]
    assert [{k: i[k] for k in ("id", "name", "is_active", "online")} for i in items] == [
        {"id": f["id"], "name": "F", "is_active": True, "online": True}]
    assert (await alice.get(f"/api/v1/accounts/{f['id']}/followers")).status_code == 409
    # following another user's master by its token is allowed (that is what tokens are for)
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": bm["account"]["master_token"]})
    assert r.status_code == 200 and r.json()["account"]["following_id"] == bm["account"]["id"]
    assert api.engine.followers_of[m["id"]] == set()
    assert api.engine.followers_of[bm["account"]["id"]] == {f["id"]}
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": "MST-doesnotexist0000"})
    assert r.status_code == 422 and "master_token" in error_of(r)["fields"]
    r = await alice.put(f"/api/v1/accounts/{m['id']}/following",
                        json={"master_token": m["master_token"]})
    assert r.status_code == 409
    r = await alice.delete(f"/api/v1/accounts/{f['id']}/following")
    assert r.status_code == 200 and r.json()["account"]["following_id"] is None
    assert api.engine.followers_of[bm["account"]["id"]] == set()
    assert api.engine.accounts[f["id"]].following_id is None


async def test_rules_read_update_and_field_errors(api: Api, alice) -> None:
    keys: dict[int, str] = {}
    m, f = await _accounts(alice, keys=keys)
    follower_ea = await api.follower_ea(keys[f["id"]])
    url = f"/api/v1/accounts/{f['id']}/rules"
    rules = (await alice.get(url)).json()["rules"]
    assert rules["lot_mode"] == "MULTIPLIER" and rules["symbol_map"] == ""
    assert rules["updated_at"] is None
    r = await alice.put(url, json={
        "lot_mode": "FIXED", "lot_value": "0.10", "reverse": True, "min_lot_to_copy": "0.05",
        "max_lot": "2.5", "symbol_map": "XAUUSD=GOLD, US30=DJ30",
        "allowed_symbols": ["EURUSD", "XAUUSD"], "blocked_symbols": ["BTCUSD"],
        "signal_expiry_seconds": 60, "max_deviation_points": 20,
        "stale_open_policy": "MARKET"})
    assert r.status_code == 200, r.text
    got = r.json()["rules"]
    assert got["lot_mode"] == "FIXED" and got["lot_value"] == "0.10" and got["reverse"] is True
    assert got["min_lot_to_copy"] == "0.05" and got["max_lot"] == "2.50"
    assert sorted(got["symbol_map"].split(", ")) == ["US30=DJ30", "XAUUSD=GOLD"]
    assert got["allowed_symbols"] == ["EURUSD", "XAUUSD"] and got["blocked_symbols"] == ["BTCUSD"]
    assert got["signal_expiry_seconds"] == 60 and got["stale_open_policy"] == "MARKET"
    assert got["updated_at"] is not None
    assert (await alice.get(url)).json()["rules"] == got
    # the connected follower EA is sent its new rules at once
    await follower_ea.wait_for(lambda: any(isinstance(m, Rules) for m in follower_ea.received))
    sent = [m for m in follower_ea.received if isinstance(m, Rules)]
    assert len(sent) == 1 and sent[0].lot_mode == "FIXED" and sent[0].reverse is True
    assert sent[0].lot_value == Decimal("0.10") and sent[0].min_lot == Decimal("0.05")
    assert sorted(sent[0].symbol_map.split(",")) == ["US30=DJ30", "XAUUSD=GOLD"]  # wire form
    assert api.engine.accounts[f["id"]].rules.max_lot == Decimal("2.5")
    # partial update keeps the rest; null clears the cap
    r = await alice.put(url, json={"max_lot": None})
    assert r.json()["rules"]["max_lot"] is None and r.json()["rules"]["lot_value"] == "0.10"
    assert api.engine.accounts[f["id"]].rules.max_lot is None

    bad_cases = [
        ({"lot_value": "0"}, "lot_value"), ({"lot_value": 1}, "lot_value"),
        ({"lot_value": "abc"}, "lot_value"), ({"lot_value": "0.00001"}, "lot_value"),
        ({"lot_mode": "DOUBLE"}, "lot_mode"), ({"reverse": "yes"}, "reverse"),
        ({"symbol_map": "XAUUSD"}, "symbol_map"), ({"symbol_map": "A=B, a=C"}, "symbol_map"),
        ({"allowed_symbols": "EURUSD"}, "allowed_symbols"),
        ({"allowed_symbols": ["EUR USD"]}, "allowed_symbols"),
        ({"allowed_symbols": ["EURUSD"], "blocked_symbols": ["EURUSD"]}, "blocked_symbols"),
        ({"signal_expiry_seconds": 0}, "signal_expiry_seconds"),
        ({"signal_expiry_seconds": 86401}, "signal_expiry_seconds"),
        ({"max_deviation_points": -1}, "max_deviation_points"),
        ({"max_deviation_points": 1.5}, "max_deviation_points"),
        ({"stale_open_policy": "skip"}, "stale_open_policy"),
        ({"min_lot_to_copy": "-1"}, "min_lot_to_copy"), ({"max_lot": "0"}, "max_lot"),
        ({"expiry_seconds": 10}, "expiry_seconds"), ({"updated_at": None}, "updated_at"),
    ]
    for body, field in bad_cases:
        r = await alice.put(url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in error_of(r)["fields"], (body, error_of(r))
    assert (await alice.get(url)).json()["rules"]["max_lot"] is None  # unchanged
    assert (await alice.get(url)).json()["rules"]["allowed_symbols"] == ["EURUSD", "XAUUSD"]
    r = await alice.get(f"/api/v1/accounts/{m['id']}/rules")
    assert r.status_code == 409
    r = await alice.put(f"/api/v1/accounts/{m['id']}/rules", json={"reverse": True})
    assert r.status_code == 409
