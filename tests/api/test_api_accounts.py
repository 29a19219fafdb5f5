"""Trading accounts: CRUD, the API key shown once, rotation, and isolation between users."""

from __future__ import annotations

import pytest
import trio

from copytrade.domain import keys
from copytrade.protocol import Ping, Pong
from copytrade.sim.link import LinkError

from apitools import Api, dropped, error_codes, error_of


async def test_create_list_show_update_delete(api: Api, alice) -> None:
    r = await alice.post("/api/v1/accounts", json={"name": " Main ", "role": "master"})
    assert r.status_code == 201
    body = r.json()
    key, acc = body["api_key"], body["account"]
    assert key.startswith("sk_live_") and acc["api_key_prefix"] == key[:12]
    assert acc["name"] == "Main" and acc["role"] == "master"
    assert acc["master_token"].startswith("MST-") and acc["copy_mode"] == "PUBSUB"
    assert acc["online"] is False and acc["state"] is None and acc["open_pairs"] == 0
    assert acc["rules"] is None and acc["following_id"] is None
    stored = await api.db.fetchval("SELECT api_key_hash FROM trading_accounts")
    assert bytes(stored) == keys.hash_secret(key)

    created = (await alice.post("/api/v1/accounts",
                                json={"name": "Copy", "role": "follower"})).json()
    f, follower_key = created["account"], created["api_key"]
    assert f["master_token"] is None and f["rules"]["lot_mode"] == "MULTIPLIER"
    assert f["rules"]["lot_value"] == "1.00" and f["rules"]["max_lot"] is None

    master_ea = await api.ea(key)
    await api.db.execute(
        "INSERT INTO account_states (account_id, balance, equity, margin_level, currency, "
        "leverage) VALUES ($1, 1000.5, 990.25, 350, 'USD', 100)", acc["id"])
    listed = (await alice.get("/api/v1/accounts")).json()["items"]
    assert [a["id"] for a in listed] == [acc["id"], f["id"]]
    assert all("api_key" not in a for a in listed)
    shown = (await alice.get(f"/api/v1/accounts/{acc['id']}")).json()["account"]
    assert shown["online"] is True
    assert shown["state"]["balance"] == "1000.50" and shown["state"]["equity"] == "990.25"
    assert shown["state"]["currency"] == "USD" and shown["state"]["leverage"] == 100

    r = await alice.patch(f"/api/v1/accounts/{acc['id']}", json={"name": "Renamed",
                                                                 "is_active": False})
    assert r.status_code == 200
    assert r.json()["account"]["name"] == "Renamed" and r.json()["account"]["is_active"] is False
    # the engine heard of it: the connected EA is dropped and the account is offline at once
    assert r.json()["account"]["online"] is False
    assert error_codes(await dropped(master_ea)) == ["ACCOUNT_INACTIVE"]
    assert api.engine.accounts[acc["id"]].is_active is False
    for bad, field in [({"is_active": "no"}, "is_active"), ({"name": ""}, "name"),
                       ({"role": "follower"}, "role"), ({"name": None}, "name")]:
        r = await alice.patch(f"/api/v1/accounts/{acc['id']}", json=bad)
        assert r.status_code == 422 and field in error_of(r)["fields"], bad

    follower_ea = await api.follower_ea(follower_key)
    assert (await alice.get(f"/api/v1/accounts/{f['id']}")).json()["account"]["online"] is True
    assert (await alice.delete(f"/api/v1/accounts/{f['id']}")).status_code == 204
    assert (await alice.get(f"/api/v1/accounts/{f['id']}")).status_code == 404
    # its EA is dropped, the engine forgot the account, and the key no longer logs in
    await follower_ea.wait_for(lambda: follower_ea.link is None)
    assert [e.code.value for e in follower_ea.errors] == ["KEY_ROTATED"]
    assert f["id"] not in api.engine.accounts and not api.engine.is_online(f["id"])
    with pytest.raises(LinkError) as refused:
        await api.ea(follower_key)
    assert refused.value.code == "AUTH_FAILED"


async def test_create_validation(api: Api, alice) -> None:
    for body, field in [({"name": "A", "role": "admin"}, "role"), ({"name": "A"}, "role"),
                        ({"name": 1, "role": "master"}, "name"),
                        ({"name": "A", "role": "master", "api_key": "sk_live_x"}, "api_key")]:
        r = await alice.post("/api/v1/accounts", json=body)
        assert r.status_code == 422 and field in error_of(r)["fields"], body
    assert (await alice.get("/api/v1/accounts")).json()["items"] == []


async def test_rotate_key(api: Api, alice) -> None:
    created = (await alice.post("/api/v1/accounts",
                                json={"name": "M", "role": "master"})).json()
    aid = created["account"]["id"]
    old_ea = await api.ea(created["api_key"])
    assert (await alice.get(f"/api/v1/accounts/{aid}")).json()["account"]["online"] is True
    r = await alice.post(f"/api/v1/accounts/{aid}/rotate-key")
    assert r.status_code == 200
    new_key = r.json()["api_key"]
    assert new_key != created["api_key"] and r.json()["account"]["api_key_prefix"] == new_key[:12]
    assert r.json()["account"]["online"] is False
    assert await api.ctx.accounts.by_api_key(created["api_key"]) is None
    assert (await api.ctx.accounts.by_api_key(new_key)).id == aid
    # the EA logged in with the old key is told why and dropped; the old key is dead
    assert error_codes(await dropped(old_ea)) == ["KEY_ROTATED"]
    assert (await alice.get(f"/api/v1/accounts/{aid}")).json()["account"]["online"] is False
    with pytest.raises(LinkError) as refused:
        await api.ea(created["api_key"])
    assert refused.value.code == "AUTH_FAILED"
    new_ea = await api.ea(new_key)
    assert new_ea.ok is not None and new_ea.ok.account_id == aid
    assert (await alice.get(f"/api/v1/accounts/{aid}")).json()["account"]["online"] is True
    await new_ea.aclose()


async def test_delete_refused_with_open_copies(api: Api, alice) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    tid = await api.db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
        "open_volume) VALUES ($1, 1, 'EURUSD', 'BUY', 1.1, 0.1, 0.1) RETURNING id",
        m["account"]["id"])
    await api.db.execute("INSERT INTO trade_pairs (master_trade_id, account_id, status) "
                         "VALUES ($1, $2, 'PENDING')", tid, f["account"]["id"])
    for acc in (m, f):
        r = await alice.delete(f"/api/v1/accounts/{acc['account']['id']}")
        assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    assert len((await alice.get("/api/v1/accounts")).json()["items"]) == 2
    listed = {a["id"]: a for a in (await alice.get("/api/v1/accounts")).json()["items"]}
    assert listed[m["account"]["id"]]["open_pairs"] == 1
    assert listed[f["account"]["id"]]["open_pairs"] == 1


async def test_other_users_accounts_are_404_and_unchanged(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    mid, fid = m["account"]["id"], f["account"]["id"]
    master_ea = await api.ea(m["api_key"])
    follower_ea = await api.follower_ea(f["api_key"])
    await api.engine.ledger.flush()  # their presence (ea_connected_at) is written
    before = await api.db.fetch("SELECT * FROM trading_accounts ORDER BY id")
    mine = (await bob.post("/api/v1/accounts", json={"name": "B", "role": "master"})).json()
    bid = mine["account"]["id"]
    calls = [
        ("GET", f"/api/v1/accounts/{mid}", None),
        ("PATCH", f"/api/v1/accounts/{mid}", {"name": "hacked"}),
        ("DELETE", f"/api/v1/accounts/{mid}", None),
        ("POST", f"/api/v1/accounts/{mid}/rotate-key", None),
        ("PUT", f"/api/v1/accounts/{mid}/copy-mode", {"copy_mode": "RECORD"}),
        ("PUT", f"/api/v1/accounts/{mid}/partner", {"partner_id": fid}),
        ("PUT", f"/api/v1/accounts/{mid}/partner", {"partner_id": None}),
        ("GET", f"/api/v1/accounts/{mid}/followers", None),
        ("PUT", f"/api/v1/accounts/{fid}/following", {"master_token": mine["account"][
            "master_token"]}),
        ("DELETE", f"/api/v1/accounts/{fid}/following", None),
        ("GET", f"/api/v1/accounts/{fid}/rules", None),
        ("PUT", f"/api/v1/accounts/{fid}/rules", {"reverse": True}),
        ("GET", f"/api/v1/accounts/{mid}/trades", None),
        ("GET", f"/api/v1/accounts/{fid}/pairs", None),
        ("GET", f"/api/v1/accounts/{mid}/active", None),
        ("GET", f"/api/v1/accounts/{fid}/stats", None),
        ("GET", f"/api/v1/accounts/{fid}/profit-series", None),
    ]
    for method, path, body in calls:
        r = await bob.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert error_of(r)["code"] == "not_found"
    # nor can bob point his own master at alice's follower as 1TO1 partner
    r = await bob.put(f"/api/v1/accounts/{bid}/partner", json={"partner_id": fid})
    assert r.status_code == 422 and "partner_id" in error_of(r)["fields"]
    await api.engine.ledger.flush()
    assert await api.db.fetch(
        "SELECT * FROM trading_accounts WHERE id <> $1 ORDER BY id", bid) == before
    # alice's EAs were never disturbed: both still connected and answering
    with trio.fail_after(5):
        await master_ea.send(Ping(7))
        assert await master_ea.receive() == Pong(7)
    assert follower_ea.link is not None and follower_ea.errors == []
    listed = (await alice.get("/api/v1/accounts")).json()["items"]
    assert {a["id"]: a["online"] for a in listed} == {mid: True, fid: True}


async def test_huge_and_odd_ids(api: Api, alice) -> None:
    for path in ["/api/v1/accounts/99999999999999999999999", "/api/v1/accounts/-1",
                 "/api/v1/accounts/abc", "/api/v1/accounts/9223372036854775807"]:
        r = await alice.get(path)
        assert r.status_code == 404, path
        assert error_of(r)["code"] == "not_found"
