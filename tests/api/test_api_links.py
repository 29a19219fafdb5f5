"""Copy mode, 1TO1 partner, following by master token, copy rules with field errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import trio
from wsclient import WsClient

from copytrade.domain.models import CopyMode, LotMode
from copytrade.protocol import Rules

from apitools import Api, error_of, eventually


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
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m["master_token"]})
    assert r.status_code == 200
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


async def test_the_1to1_partner_must_follow_the_master(api: Api, alice, bob) -> None:
    """Finding 8: a follower of no master, or of another master, is refused as partner (422
    on partner_id, nothing changed); one of the master's followers is accepted."""
    m, f = await _accounts(alice)
    other = (await alice.post("/api/v1/accounts", json={"name": "M2", "role": "master"})
             ).json()["account"]
    partner_path = f"/api/v1/accounts/{m['id']}/partner"
    r = await alice.put(partner_path, json={"partner_id": f["id"]})
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "validation_failed"
    assert err["message"] == "The 1TO1 partner must be one of this master's followers."
    assert "follows no master" in err["fields"]["partner_id"]
    assert err["field_codes"] == {"partner_id": "partner_follows_no_master"}
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": other["master_token"]})
    assert r.status_code == 200
    r = await alice.put(partner_path, json={"partner_id": f["id"]})
    assert r.status_code == 422
    assert "follows another master" in error_of(r)["fields"]["partner_id"]
    assert error_of(r)["field_codes"] == {"partner_id": "partner_follows_other"}
    assert (await alice.get(f"/api/v1/accounts/{m['id']}")).json()["account"][
        "partner_id"] is None
    assert api.engine.partner_of == {}
    # A follower of this master (even one following another user's master first) is fine.
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m["master_token"]})
    assert r.status_code == 200
    r = await alice.put(partner_path, json={"partner_id": f["id"]})
    assert r.status_code == 200 and r.json()["account"]["partner_id"] == f["id"]
    assert api.engine.partner_of == {f["id"]: m["id"]}
    # Another user's follower that follows this master is still not a partner of yours.
    bf = (await bob.post("/api/v1/accounts", json={"name": "BF", "role": "follower"})
          ).json()["account"]
    r = await bob.put(f"/api/v1/accounts/{bf['id']}/following",
                      json={"master_token": m["master_token"]})
    assert r.status_code == 200
    r = await alice.put(partner_path, json={"partner_id": bf["id"]})
    assert r.status_code == 422 and "partner_id" in error_of(r)["fields"]
    assert api.engine.partner_of == {f["id"]: m["id"]}


async def test_a_partner_that_stops_following_is_no_longer_the_partner(api: Api, alice) -> None:
    """Unfollowing, or following another master, clears the master's 1TO1 partner (the
    engine reloads the master; its account.mode event says partner_id null). Following the
    same master again keeps it."""
    m, f = await _accounts(alice)
    other = (await alice.post("/api/v1/accounts", json={"name": "M2", "role": "master"})
             ).json()["account"]

    async def make_partner() -> None:
        r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                            json={"master_token": m["master_token"]})
        assert r.status_code == 200
        r = await alice.put(f"/api/v1/accounts/{m['id']}/partner",
                            json={"partner_id": f["id"]})
        assert r.status_code == 200

    async def partner_of_m() -> int | None:
        return (await alice.get(f"/api/v1/accounts/{m['id']}")).json()["account"][
            "partner_id"]

    await make_partner()
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m["master_token"]})  # the same master again
    assert r.status_code == 200 and await partner_of_m() == f["id"]
    with trio.fail_after(10):
        ws = await WsClient.connect(api.port, headers=[
            ("Cookie", f"ct_session={alice.cookies['ct_session']}"),
            ("Origin", f"http://127.0.0.1:{api.port}")])
        assert (await ws.recv())["type"] == "hello"
        r = await alice.delete(f"/api/v1/accounts/{f['id']}/following")
        assert r.status_code == 200
        while (event := await ws.recv())["type"] != "account.mode":
            pass
        assert event["account_id"] == m["id"]
        assert event["data"] == {"copy_mode": "PUBSUB", "partner_id": None}
        await ws.close()
    assert await partner_of_m() is None
    assert api.engine.partner_of == {} and api.engine.accounts[m["id"]].partner_id is None

    await make_partner()
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": other["master_token"]})
    assert r.status_code == 200 and r.json()["account"]["following_id"] == other["id"]
    assert await partner_of_m() is None
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
        "stale_open_policy": "MARKET", "max_spread_points": 30})
    assert r.status_code == 200, r.text
    got = r.json()["rules"]
    assert got["lot_mode"] == "FIXED" and got["lot_value"] == "0.10" and got["reverse"] is True
    assert got["min_lot_to_copy"] == "0.05" and got["max_lot"] == "2.50"
    assert sorted(got["symbol_map"].split(", ")) == ["US30=DJ30", "XAUUSD=GOLD"]
    assert got["allowed_symbols"] == ["EURUSD", "XAUUSD"] and got["blocked_symbols"] == ["BTCUSD"]
    assert got["signal_expiry_seconds"] == 60 and got["stale_open_policy"] == "MARKET"
    assert got["max_spread_points"] == 30
    assert api.engine.accounts[f["id"]].rules.max_spread_points == 30
    assert got["updated_at"] is not None
    assert (await alice.get(url)).json()["rules"] == got
    # the connected follower EA is sent its new rules at once
    await follower_ea.wait_for(lambda: any(isinstance(m, Rules) for m in follower_ea.received))
    sent = [m for m in follower_ea.received if isinstance(m, Rules)]
    assert len(sent) == 1 and sent[0].lot_mode is LotMode.FIXED and sent[0].reverse is True
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
        ({"lot_mode": "RISK_PERCENT", "lot_value": "100.5"}, "lot_value"),
        ({"lot_mode": "RISK_PERCENT", "lot_value": "-1"}, "lot_value"),
        ({"copy_existing": "yes"}, "copy_existing"), ({"copy_existing": 1}, "copy_existing"),
        ({"copy_existing_max_age_minutes": 0}, "copy_existing_max_age_minutes"),
        ({"copy_existing_max_age_minutes": 10081}, "copy_existing_max_age_minutes"),
        ({"copy_existing_max_age_minutes": "5"}, "copy_existing_max_age_minutes"),
        ({"copy_existing_max_points": 0}, "copy_existing_max_points"),
        ({"copy_existing_max_points": 100001}, "copy_existing_max_points"),
        ({"max_spread_points": -1}, "max_spread_points"),
        ({"max_spread_points": 100001}, "max_spread_points"),
        ({"max_spread_points": 1.5}, "max_spread_points"),
        ({"max_spread_points": "20"}, "max_spread_points"),
        ({"max_spread_points": None}, "max_spread_points"),
    ]
    for body, field in bad_cases:
        r = await alice.put(url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in error_of(r)["fields"], (body, error_of(r))
    assert (await alice.get(url)).json()["rules"]["max_lot"] is None  # unchanged
    assert (await alice.get(url)).json()["rules"]["allowed_symbols"] == ["EURUSD", "XAUUSD"]
    # lot by risk %: lot_value is the percent of equity risked on the stop loss (0 < R <= 100)
    r = await alice.put(url, json={"lot_mode": "RISK_PERCENT", "lot_value": "1.5"})
    assert r.status_code == 200, r.text
    assert r.json()["rules"]["lot_mode"] == "RISK_PERCENT"
    assert r.json()["rules"]["lot_value"] == "1.50"
    r = await alice.put(url, json={"lot_value": "120"})   # the mode kept: still a percent
    assert r.status_code == 422 and "lot_value" in error_of(r)["fields"]
    r = await alice.put(url, json={"lot_mode": "MULTIPLIER", "lot_value": "120"})
    assert r.status_code == 200, r.text
    # copy existing positions: off by default, N minutes and X points
    assert got["copy_existing"] is False and got["copy_existing_max_age_minutes"] == 60
    assert got["copy_existing_max_points"] == 100
    r = await alice.put(url, json={"copy_existing": True, "copy_existing_max_age_minutes": 15,
                                   "copy_existing_max_points": 30})
    assert r.status_code == 200, r.text
    assert (await alice.get(url)).json()["rules"]["copy_existing_max_age_minutes"] == 15
    assert api.engine.accounts[f["id"]].rules.copy_existing is True
    assert api.engine.accounts[f["id"]].rules.copy_existing_max_points == 30
    r = await alice.get(f"/api/v1/accounts/{m['id']}/rules")
    assert r.status_code == 409
    r = await alice.put(f"/api/v1/accounts/{m['id']}/rules", json={"reverse": True})
    assert r.status_code == 409


async def test_rule_errors_name_exactly_the_field_docs_api_md_says(api: Api, alice) -> None:
    """docs/api.md "Errors" (issue 11 finding 12): a list item of the wrong type is named with
    brackets; a value the rules refuse names the list itself; numbers that do not fit the
    rules' numeric(12,4) columns are 422 naming the field, never 500, never rounded."""
    _m, f = await _accounts(alice)
    url = f"/api/v1/accounts/{f['id']}/rules"
    before = (await alice.get(url)).json()["rules"]
    cases = [
        ({"allowed_symbols": ["EURUSD", 5]}, {"allowed_symbols[1]": "must be a string"}),
        ({"blocked_symbols": ["EURUSD", "US30", None]}, {"blocked_symbols[2]": "must be a string"}),
        ({"allowed_symbols": ["EURUSD", "EUR USD"]}, "allowed_symbols"),
        ({"allowed_symbols": ["EURUSD"], "blocked_symbols": ["eurusd"]}, "blocked_symbols"),
        ({"lot_value": "0.12345"}, {"lot_value": "may have at most 4 decimal places"}),
        ({"min_lot_to_copy": "0.00001"}, "min_lot_to_copy"),
        ({"max_lot": "99999999999999"}, "max_lot"),
        ({"lot_value": "99999999999999.99999999"}, "lot_value"),
        ({"max_lot": "1000000.0001"}, "max_lot"),
    ]
    for body, expected in cases:
        r = await alice.put(url, json=body)
        assert r.status_code == 422, (body, r.text)
        fields = error_of(r)["fields"]
        if isinstance(expected, dict):
            assert fields == expected, (body, fields)
        else:
            assert list(fields) == [expected], (body, fields)
    assert (await alice.get(url)).json()["rules"] == before  # nothing changed
    r = await alice.put(url, json={"lot_value": "1000000", "max_lot": "0.0001"})
    assert r.status_code == 200, r.text
    assert r.json()["rules"]["lot_value"] == "1000000.00"
    assert r.json()["rules"]["max_lot"] == "0.0001"
    # Nested fields use dots, list items inside them brackets.
    r = await alice.put(f"/api/v1/accounts/{f['id']}/risk/limits",
                        json={"equity_floor": {"value": 5}, "trading_hours": {"days": [0, "x"]}})
    assert r.status_code == 422
    assert set(error_of(r)["fields"]) == {"equity_floor.value", "trading_hours.days[1]"}
    # The examples in docs/api.md are these very answers.
    docs = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    assert '`"allowed_symbols[1]": "must be a string"`' in docs
    assert '`"allowed_symbols": "\'EUR USD\' is not a symbol name' in docs
    assert '`"trading_hours.days[1]"`' in docs and '`"equity_floor.value"`' in docs


async def test_following_a_new_master_with_copy_existing_makes_the_ea_resync(
        api: Api, alice) -> None:
    keys: dict[int, str] = {}
    m, f = await _accounts(alice, keys=keys)
    m2 = (await alice.post("/api/v1/accounts", json={"name": "M2", "role": "master"})).json()
    ea = await api.follower_ea(keys[f["id"]])
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m["master_token"]})
    assert r.status_code == 200
    assert ea.errors == [] and f["id"] not in api.engine.copy_existing_due  # off by default
    r = await alice.put(f"/api/v1/accounts/{f['id']}/rules", json={"copy_existing": True})
    assert r.status_code == 200, r.text
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m["master_token"]})
    assert r.status_code == 200 and ea.errors == []   # the same master: not a new follow
    r = await alice.put(f"/api/v1/accounts/{f['id']}/following",
                        json={"master_token": m2["account"]["master_token"]})
    assert r.status_code == 200
    await eventually(lambda: any(e.code.value == "RESYNC" for e in ea.errors))
    assert f["id"] in api.engine.copy_existing_due   # its next login resync copies
