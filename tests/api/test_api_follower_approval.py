"""Optional follower approval (issue 17; docs/api.md "Follower approval", docs/protocol.md AUTH).

A master with ``approve_followers`` on takes a new follower — by the web app or by the
follower EA's master token — only once its owner approves it: until then the follower is
pending (``pending_master_id``), its EA logs in normally and gets no copies; approval starts
the copies, refusal removes it. Real PostgreSQL, the real engine, EAs over real TCP and the
live websocket.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import trio
from wsclient import WsClient

from copytrade.domain.models import Side
from copytrade.protocol import MasterOpen, Stored
from copytrade.sim.link import LinkError

from apitools import Api, error_of


async def _live(api: Api, client: Any) -> WsClient:
    ws = await WsClient.connect(api.port, headers=[
        ("Cookie", f"ct_session={client.cookies['ct_session']}"),
        ("Origin", f"http://127.0.0.1:{api.port}")])
    assert (await ws.recv())["type"] == "hello"
    return ws


async def _next(ws: WsClient, kind: str) -> dict[str, Any]:
    while (event := await ws.recv())["type"] != kind:
        pass
    return event


async def _account(client: Any, name: str, role: str) -> dict[str, Any]:
    r = await client.post("/api/v1/accounts", json={"name": name, "role": role})
    assert r.status_code == 201
    return r.json()  # type: ignore[no-any-return]


async def _open(api: Api, master_key: str, ticket: int) -> None:
    link = await api.ea(master_key)
    await link.send(MasterOpen(side=Side.BUY, symbol="EURUSD", price=Decimal("1.1"),
                               volume=Decimal("0.1"), sl=Decimal(0), tp=Decimal(0),
                               ticket=ticket))
    assert isinstance(await link.receive(), Stored)
    await link.aclose()


async def _approving_master(alice: Any) -> tuple[dict[str, Any], int, str]:
    m = await _account(alice, "Provider", "master")
    mid = m["account"]["id"]
    assert m["account"]["approve_followers"] is False  # off by default
    r = await alice.put(f"/api/v1/accounts/{mid}/approve-followers",
                        json={"approve_followers": True})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["approve_followers"] is True
    return m, mid, m["account"]["master_token"]


async def test_a_pending_follower_by_ea_token_gets_copies_only_after_approval(
    api: Api, alice: Any, bob: Any
) -> None:
    m, mid, token = await _approving_master(alice)
    f = await _account(bob, "BobF", "follower")
    fid = f["account"]["id"]
    with trio.fail_after(30):
        ws_alice, ws_bob = await _live(api, alice), await _live(api, bob)
        # The EA logs in normally (OK) with the master's token: pending, no copies.
        fsim = await api.follower_ea(f["api_key"], master_token=token)
        pending = await _next(ws_alice, "follow.pending")
        assert pending["account_id"] == mid
        assert pending["data"] == {"follower_id": fid, "follower_name": "BobF",
                                   "master_id": mid, "master_name": "Provider", "source": "ea"}
        assert (await _next(ws_bob, "follow.pending"))["account_id"] == fid
        got = (await bob.get(f"/api/v1/accounts/{fid}")).json()["account"]
        assert got["following_id"] is None
        assert got["pending_master_id"] == mid and got["pending_master_name"] == "Provider"
        listed = (await alice.get(f"/api/v1/accounts/{mid}/pending-followers")).json()["items"]
        assert [(i["id"], i["name"], i["online"]) for i in listed] == [(fid, "BobF", True)]
        assert fid not in api.engine.followers_of.get(mid, set())

        await _open(api, m["api_key"], 101)
        await trio.sleep(0.5)
        assert 101 not in fsim.positions  # pending: nothing copied

        r = await alice.post(f"/api/v1/accounts/{mid}/pending-followers/{fid}/approve")
        assert r.status_code == 204, r.text
        assert (await _next(ws_bob, "follow.approved"))["data"]["master_id"] == mid
        assert fid in api.engine.followers_of[mid]
        got = (await bob.get(f"/api/v1/accounts/{fid}")).json()["account"]
        assert got["following_id"] == mid and got["pending_master_id"] is None
        await _open(api, m["api_key"], 102)
        await fsim.wait_for(lambda: 102 in fsim.positions, 10)
        fsim.stop()
        await ws_alice.close()
        await ws_bob.close()

    audit = (await alice.get(f"/api/v1/accounts/{mid}/audit")).json()["items"]
    actions = [e["action"] for e in audit]
    assert actions.count("follower.requested") == 1
    assert "follower.approved" in actions and "approval.changed" in actions
    follower_audit = [e["action"] for e in
                      (await bob.get(f"/api/v1/accounts/{fid}/audit")).json()["items"]]
    assert "follow.requested" in follower_audit and "follow.approved" in follower_audit


async def test_the_web_app_follow_waits_and_a_refusal_removes(api: Api, alice: Any) -> None:
    _m, mid, token = await _approving_master(alice)
    f = await _account(alice, "F", "follower")
    fid = f["account"]["id"]
    r = await alice.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    assert r.status_code == 200, r.text
    account = r.json()["account"]
    assert account["following_id"] is None and account["pending_master_id"] == mid
    # asking again changes nothing
    r = await alice.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    assert r.json()["account"]["pending_master_id"] == mid
    r = await alice.post(f"/api/v1/accounts/{mid}/pending-followers/{fid}/refuse")
    assert r.status_code == 204, r.text
    got = (await alice.get(f"/api/v1/accounts/{fid}")).json()["account"]
    assert got["following_id"] is None and got["pending_master_id"] is None
    removed = (await alice.get(f"/api/v1/accounts/{mid}/removed-followers")).json()["items"]
    assert [i["id"] for i in removed] == [fid]
    # refused = removed: asking again is refused until allowed, by the web app and by the EA
    r = await alice.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token})
    assert r.status_code == 409 and error_of(r)["field_codes"]["master_token"] == \
        "follower_removed"
    with trio.fail_after(10), pytest.raises(LinkError) as refused:
        await api.ea(f["api_key"], master_token=token)
    assert refused.value.code == "UNKNOWN_MASTER_TOKEN"
    # deciding twice: 404 with its code
    r = await alice.post(f"/api/v1/accounts/{mid}/pending-followers/{fid}/approve")
    assert r.status_code == 404
    assert error_of(r)["message_code"] == "not_pending_for_master"


async def test_approval_off_follows_at_once_and_bad_requests(api: Api, alice: Any,
                                                             bob: Any) -> None:
    m = await _account(alice, "Open", "master")
    mid = m["account"]["id"]
    f = await _account(alice, "F2", "follower")
    fid = f["account"]["id"]
    r = await alice.put(f"/api/v1/accounts/{fid}/following",
                        json={"master_token": m["account"]["master_token"]})
    assert r.json()["account"]["following_id"] == mid
    assert r.json()["account"]["pending_master_id"] is None
    # turning approval on keeps the followers it has
    await alice.put(f"/api/v1/accounts/{mid}/approve-followers", json={"approve_followers": True})
    assert (await alice.get(f"/api/v1/accounts/{fid}")).json()["account"]["following_id"] == mid
    # malformed bodies, wrong roles, other users
    for body in ({}, {"approve_followers": "yes"}, {"approve_followers": None},
                 {"approve_followers": True, "x": 1}, []):
        r = await alice.put(f"/api/v1/accounts/{mid}/approve-followers", json=body)
        assert r.status_code == 422, (body, r.text)
        assert all(c != "other" for c in error_of(r)["field_codes"].values()), r.text
    r = await alice.put(f"/api/v1/accounts/{fid}/approve-followers",
                        json={"approve_followers": True})
    assert r.status_code == 409 and error_of(r)["message_code"] == "master_only_approval"
    assert (await alice.get(f"/api/v1/accounts/{fid}/pending-followers")).status_code == 409
    assert (await bob.get(f"/api/v1/accounts/{mid}/pending-followers")).status_code == 404
    r = await bob.post(f"/api/v1/accounts/{mid}/pending-followers/{fid}/approve")
    assert r.status_code == 404
