"""The live websocket: cookie auth, origin check, own events only, close 1001 on shutdown."""

from __future__ import annotations

from decimal import Decimal

import pytest
import trio
from wsclient import Closed, Rejected, WsClient

from copytrade.domain.models import Side
from copytrade.protocol import MasterOpen, Stored
from copytrade.sim.link import Link

from apitools import Api, start_api


def _cookie(client) -> list[tuple[str, str]]:
    return [("Cookie", f"ct_session={client.cookies['ct_session']}")]


async def test_receives_own_events_only(api: Api, alice, bob) -> None:
    mine = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    theirs = (await bob.post("/api/v1/accounts", json={"name": "B", "role": "master"})).json()
    mid = mine["account"]["id"]
    with trio.fail_after(10):
        ws = await WsClient.connect(api.port, headers=[*_cookie(alice), ("Origin", f"http://127.0.0.1:{api.port}")])
        assert await ws.recv() == {"type": "hello", "id": 0}
        # real engine events: bob's EA logs in and trades, then alice's, then bob's again
        bob_ea = await api.ea(theirs["api_key"])
        await _open(bob_ea, 1)
        alice_ea = await api.ea(mine["api_key"])
        await _open(bob_ea, 2)
        await _open(alice_ea, 3)
        first = await ws.recv()
        assert first["type"] == "ea.status" and first["account_id"] == mid
        assert first["data"]["online"] is True
        second = await ws.recv()
        assert second["type"] == "trade.opened" and second["account_id"] == mid
        assert second["data"]["ticket"] == 3 and second["data"]["symbol"] == "EURUSD"
        assert second["id"] > first["id"]  # bob's events never arrived
        await alice_ea.aclose()
        third = await ws.recv()
        assert third["type"] == "ea.status" and third["account_id"] == mid
        assert third["data"] == {"online": False} and third["id"] > second["id"]
        await ws.close()
        await bob_ea.aclose()


async def _open(link: Link, ticket: int) -> None:
    """A master EA's open, waited for until the server answers STORED."""
    await link.send(MasterOpen(side=Side.BUY, symbol="EURUSD", price=Decimal("1.1"),
                               volume=Decimal("0.1"), sl=Decimal(0), tp=Decimal(0),
                               ticket=ticket))
    reply = await link.receive()
    assert isinstance(reply, Stored) and reply.ticket == ticket, reply


async def test_rejects_without_session_or_from_other_origin(api: Api, alice) -> None:
    with trio.fail_after(10):
        with pytest.raises(Rejected) as no_cookie:
            await WsClient.connect(api.port)
        assert no_cookie.value.status == 401
        with pytest.raises(Rejected) as bad:
            await WsClient.connect(api.port, headers=[("Cookie", "ct_session=forged")])
        assert bad.value.status == 401
        with pytest.raises(Rejected) as cross:
            await WsClient.connect(api.port, headers=[*_cookie(alice), ("Origin", "https://evil.example")])
        assert cross.value.status == 403
        secret = (await alice.post("/api/v1/tokens", json={"name": "t"})).json()["secret"]
        with pytest.raises(Rejected) as token_in_url:
            await WsClient.connect(api.port, path=f"/api/v1/live?token={secret}")
        assert token_in_url.value.status == 401


async def test_closes_1001_on_shutdown(db, nursery) -> None:
    server = await start_api(nursery, db)
    c = await server.user()
    with trio.fail_after(10):
        ws = await WsClient.connect(server.port, headers=_cookie(c))
        assert (await ws.recv())["type"] == "hello"
        server.ctx.shutdown.set()
        with pytest.raises(Closed) as closed:
            await ws.recv()
        assert closed.value.code == 1001
    await c.aclose()
