"""Who a follower follows: the web app decides, an EA's master token cannot override it.

Issue 11 finding 9: a follower set to follow M1 in the API that logged in with M2's token
ended up following M2. Now (docs/protocol.md, AUTH): a token of the master it follows changes
nothing; a token of another master is refused with UNKNOWN_MASTER_TOKEN saying so, nothing
changes, and the dashboard gets an ``ea.master_token_refused`` event; for a follower that
follows no master the token sets it (``account.following`` event). Over real TCP, with the
real engine and the live websocket.
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

from apitools import Api


async def _live(api: Api, client) -> WsClient:
    ws = await WsClient.connect(api.port, headers=[
        ("Cookie", f"ct_session={client.cookies['ct_session']}"),
        ("Origin", f"http://127.0.0.1:{api.port}")])
    assert (await ws.recv())["type"] == "hello"
    return ws


async def _next(ws: WsClient, kind: str) -> dict[str, Any]:
    while (event := await ws.recv())["type"] != kind:
        pass
    return event


async def _account(client, name: str, role: str) -> dict[str, Any]:
    r = await client.post("/api/v1/accounts", json={"name": name, "role": role})
    assert r.status_code == 201
    return r.json()  # type: ignore[no-any-return]


async def test_the_dashboard_master_wins_over_the_ea_token(api: Api, alice) -> None:
    m1, m2 = await _account(alice, "M1", "master"), await _account(alice, "M2", "master")
    f = await _account(alice, "F", "follower")
    m1_id, m2_id, fid = m1["account"]["id"], m2["account"]["id"], f["account"]["id"]
    token1, token2 = m1["account"]["master_token"], m2["account"]["master_token"]
    r = await alice.put(f"/api/v1/accounts/{fid}/following", json={"master_token": token1})
    assert r.status_code == 200
    with trio.fail_after(20):
        ws = await _live(api, alice)
        with pytest.raises(LinkError) as refused:
            await api.ea(f["api_key"], master_token=token2)
        assert refused.value.code == "UNKNOWN_MASTER_TOKEN"
        text = str(refused.value)
        assert (f"this follower follows master account {m1_id} as set in the web app, which "
                "decides; nothing was changed") in text
        event = await _next(ws, "ea.master_token_refused")
        assert event["account_id"] == fid
        assert event["data"]["following_id"] == m1_id
        assert event["data"]["following_name"] == "M1"
        assert "web app" in event["data"]["reason"]
        # nothing changed: the API, the engine's routing
        got = (await alice.get(f"/api/v1/accounts/{fid}")).json()["account"]
        assert got["following_id"] == m1_id
        assert api.engine.accounts[fid].following_id == m1_id
        assert fid not in api.engine.followers_of.get(m2_id, set())

        # The token of the master it follows, or none, logs in; it copies M1, not M2.
        await (await api.ea(f["api_key"])).aclose()  # no token: follows as set
        fsim = await api.follower_ea(f["api_key"], master_token=token1)
        for key, ticket in ((m1["api_key"], 11), (m2["api_key"], 22)):
            link = await api.ea(key)
            await link.send(MasterOpen(side=Side.BUY, symbol="EURUSD", price=Decimal("1.1"),
                                       volume=Decimal("0.1"), sl=Decimal(0), tp=Decimal(0),
                                       ticket=ticket))
            assert isinstance(await link.receive(), Stored)
            await link.aclose()
        await fsim.wait_for(lambda: 11 in fsim.positions, 10)
        await trio.sleep(0.3)
        assert 22 not in fsim.positions
        fsim.stop()
        await ws.close()


async def test_an_ea_token_sets_the_master_of_a_follower_that_follows_none(
    api: Api, alice
) -> None:
    m = await _account(alice, "M", "master")
    g = await _account(alice, "G", "follower")
    mid, gid = m["account"]["id"], g["account"]["id"]
    with trio.fail_after(20):
        ws = await _live(api, alice)
        link = await api.ea(g["api_key"], master_token=m["account"]["master_token"])
        event = await _next(ws, "account.following")
        assert event["account_id"] == gid
        assert event["data"] == {"following_id": mid, "following_name": "M", "source": "ea"}
        got = (await alice.get(f"/api/v1/accounts/{gid}")).json()["account"]
        assert got["following_id"] == mid and got["following_name"] == "M"
        assert gid in api.engine.followers_of[mid]
        await link.aclose()
        await ws.close()
