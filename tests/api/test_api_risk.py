"""Risk guard routes: presets, limits (from a preset, then edited), the control switch, trips
and their reset; bad input on every field; per-user isolation. Real server, EA over TCP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copytrade.domain.risk import Control, GuardKind
from copytrade.protocol import ErrorCode

from apitools import Api, error_codes, error_of, eventually

D = Decimal


async def _follower(c, name="F"):
    r = await c.post("/api/v1/accounts", json={"name": name, "role": "follower"})
    assert r.status_code == 201, r.text
    return r.json()["account"], r.json()["api_key"]


async def test_presets_are_listed_with_their_limits(alice) -> None:
    r = await alice.get("/api/v1/risk/presets")
    assert r.status_code == 200
    items = {p["name"]: p for p in r.json()["items"]}
    assert set(items) == {"prop_firm_standard", "prop_firm_trailing", "weekday_sessions"}
    std = items["prop_firm_standard"]["limits"]
    assert std["daily_loss_pct"] == {"value": "5.00", "action": "CLOSE_ALL_AND_PAUSE"}
    assert std["max_drawdown_pct"]["value"] == "10.00" and std["drawdown_from"] == "START_BALANCE"
    hours = items["weekday_sessions"]["limits"]["trading_hours"]
    assert hours == {"days": [0, 1, 2, 3, 4], "windows": [{"start": "07:00", "end": "21:00"}],
                     "timezone": "UTC"}
    assert all(p["description"] for p in items.values())


async def test_put_from_a_preset_then_edit(api: Api, alice) -> None:
    f, _key = await _follower(alice)
    base = f"/api/v1/accounts/{f['id']}/risk"
    r = await alice.get(base)
    assert r.status_code == 200
    risk = r.json()["risk"]
    assert risk["control"] == "ACTIVE" and risk["active_trips"] == [] and not risk["paused"]
    assert risk["limits"]["equity_floor"] is None and risk["baseline"] is None

    body = {"preset": "prop_firm_standard", "daily_loss_pct": {"value": "4.5"},
            "max_open_copies": 3, "max_total_lots": "2.5",
            "trading_hours": {"days": [0, 1, 2, 3, 4],
                              "windows": [{"start": "22:00", "end": "02:00"}],
                              "timezone": "Asia/Bangkok"},
            "day_timezone": "Europe/London"}
    r = await alice.put(f"{base}/limits", json=body)
    assert r.status_code == 200, r.text
    limits = r.json()["risk"]["limits"]
    assert limits["daily_loss_pct"] == {"value": "4.50", "action": "CLOSE_ONLY"}  # edited
    assert limits["max_drawdown_pct"] == {"value": "10.00", "action": "CLOSE_ALL_AND_PAUSE"}
    assert (limits["max_open_copies"], limits["max_total_lots"]) == (3, "2.50")
    assert limits["trading_hours"]["windows"] == [{"start": "22:00", "end": "02:00"}]
    assert (await alice.get(base)).json()["risk"]["limits"] == limits
    guard = api.engine.guards.book[f["id"]]  # in force at once
    assert guard.limits.max_open_copies == 3 and guard.limits.day_timezone == "Europe/London"

    # A PUT replaces the whole set: null or left out = off.
    r = await alice.put(f"{base}/limits", json={"equity_floor": {"value": "9000.50",
                                                                "action": "SKIP_NEW"},
                                                "max_total_lots": None})
    limits = r.json()["risk"]["limits"]
    assert limits["equity_floor"] == {"value": "9000.50", "action": "SKIP_NEW"}
    assert limits["daily_loss_pct"] is None and limits["trading_hours"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"equity_floor": {"value": "-1"}}, "equity_floor"),
    ({"equity_floor": {"value": "0"}}, "equity_floor"),
    ({"equity_floor": {"value": "100.001"}}, "equity_floor"),
    ({"equity_floor": {"value": 100}}, "equity_floor.value"),
    ({"equity_floor": {"value": "100", "action": "PANIC"}}, "equity_floor.action"),
    ({"equity_floor": {"value": "100", "extra": 1}}, "equity_floor.extra"),
    ({"equity_floor": "100"}, "equity_floor"),
    ({"max_drawdown_pct": {"value": "100.01"}}, "max_drawdown_pct"),
    ({"max_drawdown_pct": {"value": "-5"}}, "max_drawdown_pct"),
    ({"daily_loss": {"value": "abc"}}, "daily_loss.value"),
    ({"daily_loss_pct": {"value": "5.555"}}, "daily_loss_pct"),
    ({"daily_profit_target": {"value": "-10"}}, "daily_profit_target"),
    ({"margin_level_floor": {"value": "0"}}, "margin_level_floor"),
    ({"drawdown_from": "YESTERDAY"}, "drawdown_from"),
    ({"day_timezone": "Mars/Olympus_Mons"}, "day_timezone"),
    ({"day_timezone": ""}, "day_timezone"),
    ({"max_open_copies": 0}, "max_open_copies"),
    ({"max_open_copies": 10001}, "max_open_copies"),
    ({"max_open_copies": "3"}, "max_open_copies"),
    ({"max_total_lots": "-1"}, "max_total_lots"),
    ({"max_symbol_lots": "0.00001"}, "max_symbol_lots"),
    ({"trading_hours": {"days": [7]}}, "trading_hours.days"),
    ({"trading_hours": {"days": [-1]}}, "trading_hours.days"),
    ({"trading_hours": {"days": []}}, "trading_hours.days"),
    ({"trading_hours": {"days": [1], "windows": [{"start": "09:00", "end": "09:00"}]}},
     "trading_hours.windows[0]"),
    ({"trading_hours": {"days": [1], "windows": [{"start": "24:00", "end": "09:00"}]}},
     "trading_hours.windows[0].start"),
    ({"trading_hours": {"days": [1], "timezone": "Nowhere/Town"}}, "trading_hours.timezone"),
    ({"trading_hours": {"windows": []}}, "trading_hours.days"),
    ({"preset": "yolo"}, "preset"),
    ({"surprise": True}, "surprise"),
])
async def test_bad_limits_are_refused_with_the_field_and_change_nothing(
        alice, body, field) -> None:
    f, _key = await _follower(alice)
    base = f"/api/v1/accounts/{f['id']}/risk"
    good = await alice.put(f"{base}/limits", json={"equity_floor": {"value": "5000"}})
    assert good.status_code == 200
    r = await alice.put(f"{base}/limits", json=body)
    assert r.status_code == 422, r.text
    err = error_of(r)
    assert field in err["fields"], err
    assert err["fields"][field]
    after = (await alice.get(base)).json()["risk"]["limits"]
    assert after == good.json()["risk"]["limits"]


async def test_every_error_is_reported_at_once(alice) -> None:
    f, _key = await _follower(alice)
    r = await alice.put(f"/api/v1/accounts/{f['id']}/risk/limits",
                        json={"equity_floor": {"value": "-1"}, "day_timezone": "Nope/Nope",
                              "max_total_lots": "0"})
    assert set(error_of(r)["fields"]) == {"equity_floor", "day_timezone", "max_total_lots"}


async def test_other_users_accounts_are_404_and_masters_409(alice, bob) -> None:
    f, _key = await _follower(alice)
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    await alice.put(f"/api/v1/accounts/{f['id']}/risk/limits",
                    json={"equity_floor": {"value": "5000"}})
    calls = [("GET", "/risk", None), ("PUT", "/risk/limits", {"max_open_copies": 1}),
             ("POST", "/risk/control", {"control": "PAUSED"}), ("GET", "/risk/trips", None),
             ("POST", "/risk/trips/1/reset", None)]
    for method, path, body in calls:
        r = await bob.request(method, f"/api/v1/accounts/{f['id']}{path}", json=body)
        assert r.status_code == 404, (method, path, r.text)
        r = await alice.request(method, f"/api/v1/accounts/{m['account']['id']}{path}",
                                json=body)
        assert r.status_code == 409, (method, path, r.text)
    risk = (await alice.get(f"/api/v1/accounts/{f['id']}/risk")).json()["risk"]
    assert risk["control"] == "ACTIVE" and risk["limits"]["max_open_copies"] is None


async def test_control_switch_pause_and_resume_an_online_follower(api: Api, alice) -> None:
    f, key = await _follower(alice)
    sim = await api.follower_ea(key)
    base = f"/api/v1/accounts/{f['id']}/risk/control"
    for bad in ({"control": "paused"}, {"control": "STOP"}, {}, {"control": None}):
        r = await alice.post(base, json=bad)
        assert r.status_code == 422 and "control" in error_of(r)["fields"], bad
    r = await alice.post(base, json={"control": "PAUSED"})
    assert r.status_code == 200 and r.json()["risk"]["paused"]
    assert api.engine.guards.book[f["id"]].control is Control.PAUSED
    assert not api.engine.live[f["id"]].ready  # the fan-out sends it nothing
    r = await alice.post(base, json={"control": "ACTIVE"})  # resume
    assert r.status_code == 200 and not r.json()["risk"]["paused"]
    await eventually(lambda: ErrorCode.RESYNC.value in error_codes(sim.received))
    r = await alice.post(base, json={"control": "CLOSE_ONLY"})
    assert r.json()["risk"]["control"] == "CLOSE_ONLY" and not r.json()["risk"]["paused"]


async def test_trips_are_listed_with_figures_and_reset(api: Api, alice) -> None:
    f, key = await _follower(alice)
    base = f"/api/v1/accounts/{f['id']}/risk"
    await alice.put(f"{base}/limits", json={"equity_floor": {"value": "9000"},
                                            "daily_loss": {"value": "2000"}})
    sim = await api.follower_ea(key)
    await sim.report_account(D("8750.25"))

    async def listed():
        await api.engine.ledger.flush()
        return (await alice.get(f"{base}/trips")).json()["items"]

    items: list = []
    for _ in range(200):
        items = await listed()
        if items:
            break
    (trip,) = items
    assert trip["kind"] == GuardKind.EQUITY_FLOOR.value and trip["active"]
    assert (trip["value"], trip["limit"], trip["action"]) == ("8750.25", "9000.00", "CLOSE_ONLY")
    assert trip["holds_until"] is None and "8750.25" in trip["reason"]
    risk = (await alice.get(base)).json()["risk"]
    assert [t["id"] for t in risk["active_trips"]] == [trip["id"]]
    assert risk["baseline"]["start_balance"] == "10000.00"

    for bad in ("?status=open", "?limit=0", "?limit=501", "?before_id=abc", "?before_id=0"):
        r = await alice.get(f"{base}/trips{bad}")
        assert r.status_code == 422, bad
    await sim.report_account(D("9500.00"))  # back above the floor
    r = await alice.post(f"{base}/trips/{trip['id']}/reset")
    assert r.status_code == 200 and r.json()["trip"]["reset_by"] == "USER"
    assert not r.json()["trip"]["active"]
    r = await alice.post(f"{base}/trips/{trip['id']}/reset")
    assert r.status_code == 409
    r = await alice.post(f"{base}/trips/999999/reset")
    assert r.status_code == 404
    assert (await alice.get(f"{base}/trips?status=active")).json()["items"] == []
    ended = (await alice.get(f"{base}/trips?status=ended")).json()["items"]
    assert [t["id"] for t in ended] == [trip["id"]]
    assert GuardKind.EQUITY_FLOOR not in api.engine.guards.book[f["id"]].trips
