"""The audit log per account (docs/api.md, Audit log): who changed what and when, written on
the API's write paths; logins from new addresses; per-user isolation; paging."""

from __future__ import annotations

from apitools import PASSWORD, Api, error_of


async def _log(c, account_id: int, **params) -> dict:
    r = await c.get(f"/api/v1/accounts/{account_id}/audit", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_write_paths_are_audited(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid, token = m["account"]["id"], m["account"]["master_token"]
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    fid = f["account"]["id"]
    assert (await alice.put(f"/api/v1/accounts/{mid}/copy-mode",
                            json={"copy_mode": "RECORD"})).status_code == 200
    await alice.put(f"/api/v1/accounts/{mid}/copy-mode", json={"copy_mode": "RECORD"})  # same
    await alice.patch(f"/api/v1/accounts/{mid}", json={"name": "Main"})
    await alice.post(f"/api/v1/accounts/{mid}/rotate-key")
    await alice.post(f"/api/v1/accounts/{mid}/rotate-master-token")
    token = (await alice.get(f"/api/v1/accounts/{mid}")).json()["account"]["master_token"]
    await alice.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    r = await alice.put(f"/api/v1/accounts/{fid}/rules",
                        json={"lot_mode": "FIXED", "lot_value": "0.5", "reverse": True})
    assert r.status_code == 200, r.text
    r = await alice.put(f"/api/v1/accounts/{fid}/risk/limits", json={"max_open_copies": 3})
    assert r.status_code == 200, r.text
    await alice.post(f"/api/v1/accounts/{fid}/risk/control", json={"control": "PAUSED"})
    await alice.delete(f"/api/v1/accounts/{fid}/following")

    master = (await _log(alice, mid))["items"]
    actions = [e["action"] for e in master]
    # Newest first; the owner's first login (an address never seen before) is listed too.
    assert actions == ["master_token.rotated", "key.rotated", "account.updated",
                       "mode.changed", "account.created", "login"], actions
    assert master[3]["detail"] == {"from": "PUBSUB", "to": "RECORD"}
    assert master[2]["detail"] == {"name": {"from": "M", "to": "Main"}}
    assert all(e["by_owner"] is True and e["actor_name"] == "Alice" for e in master)
    assert master[0]["via"] == "session" and master[0]["address"] == "127.0.0.1"
    assert master[-1]["via"] == "login" and master[-1]["account_id"] is None

    follower = (await _log(alice, fid))["items"]
    by_action = {e["action"]: e for e in follower}
    assert [e["action"] for e in follower][:5] == [
        "follow.stopped", "guards.control", "guards.changed", "rules.changed", "follow.started"]
    rules = by_action["rules.changed"]["detail"]
    assert rules["reverse"] == {"from": False, "to": True}
    assert rules["lot_mode"] == {"from": "MULTIPLIER", "to": "FIXED"} or "lot_value" in rules
    assert by_action["guards.changed"]["detail"]["max_open_copies"] == {"from": None, "to": 3}
    assert by_action["guards.control"]["detail"] == {"to": "PAUSED"}
    assert by_action["follow.started"]["detail"]["master_id"] == mid

    # Bob sees none of it.
    assert (await bob.get(f"/api/v1/accounts/{mid}/audit")).status_code == 404
    assert (await bob.get(f"/api/v1/accounts/{fid}/audit")).status_code == 404
    b = (await bob.post("/api/v1/accounts", json={"name": "B", "role": "follower"})).json()
    mine = (await _log(bob, b["account"]["id"]))["items"]
    assert [e["action"] for e in mine] == ["account.created", "login"]


async def test_a_provider_removing_a_follower_shows_on_both_sides(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid, token = m["account"]["id"], m["account"]["master_token"]
    fid = (await bob.post("/api/v1/accounts", json={"name": "BF", "role": "follower"})
           ).json()["account"]["id"]
    await bob.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    assert (await alice.delete(f"/api/v1/accounts/{mid}/followers/{fid}")).status_code == 204
    top = (await _log(bob, fid))["items"][0]
    assert top["action"] == "follow.removed_by_master"
    assert top["by_owner"] is False and top["actor_name"] == "Alice"
    assert top["detail"] == {"master_id": mid}
    top = (await _log(alice, mid))["items"][0]
    assert top["action"] == "follower.removed" and top["detail"]["follower"] == "BF"


async def test_an_ea_following_by_token_is_audited(api: Api, alice) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    link = await api.ea(f["api_key"], master_token=m["account"]["master_token"])
    await link.aclose()
    top = (await _log(alice, f["account"]["id"]))["items"][0]
    assert top["action"] == "follow.started" and top["via"] == "ea"
    assert top["actor_name"] is None and top["by_owner"] is None
    assert top["detail"] == {"master_id": m["account"]["id"], "previous_master_id": None}


async def test_logins_from_new_addresses_only(api: Api, alice) -> None:
    fid = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})
           ).json()["account"]["id"]
    async with api.client(headers={"X-CSRF": "1"}) as again:
        r = await again.post("/api/v1/auth/login",
                             json={"email": "alice@example.com", "password": PASSWORD})
        assert r.status_code == 200
    logins = [e for e in (await _log(alice, fid))["items"] if e["action"] == "login"]
    assert len(logins) == 1  # the same address again is not news


async def test_paging_and_malformed_queries(api: Api, alice) -> None:
    mid = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})
           ).json()["account"]["id"]
    for mode in ("RECORD", "PUBSUB", "RECORD", "PUBSUB"):
        await alice.put(f"/api/v1/accounts/{mid}/copy-mode", json={"copy_mode": mode})
    page1 = await _log(alice, mid, limit=2)
    assert len(page1["items"]) == 2 and page1["next_before_id"] is not None
    page2 = await _log(alice, mid, limit=2, before_id=page1["next_before_id"])
    page3 = await _log(alice, mid, limit=2, before_id=page2["next_before_id"])
    ids = [e["id"] for p in (page1, page2, page3) for e in p["items"]]
    assert len(ids) == 6 == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert page3["next_before_id"] is None
    for params, field in (({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"),
                          ({"before_id": "abc"}, "before_id"), ({"before_id": "0"}, "before_id")):
        r = await alice.get(f"/api/v1/accounts/{mid}/audit", params=params)
        assert r.status_code == 422 and field in error_of(r)["fields"], (params, r.text)
    assert (await alice.get("/api/v1/accounts/999999/audit")).status_code == 404
