"""The live websocket: cookie auth, origin check, own events only, close 1001 on shutdown."""

from __future__ import annotations

from decimal import Decimal

import pytest
import trio
from wsclient import Closed, Rejected, WsClient

from copytrade.domain.models import Side
from copytrade.protocol import CloseReason, MasterClose, MasterOpen, Stored
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


async def test_live_trades_and_pairs_are_the_rest_objects_and_a_signal_is_one_message(
        api: Api, alice) -> None:
    """Over real TCP and PostgreSQL: the data of ``trade.opened``/``trade.closed`` and of
    every ``pair.status`` equals what ``/trades`` and ``/pairs`` answer for the same object
    at that moment, and the PENDING pairs of one signal's followers come as one message."""
    master = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid = master["account"]["id"]
    followers = []
    for n in range(3):
        f = (await alice.post("/api/v1/accounts",
                              json={"name": f"F{n}", "role": "follower"})).json()
        fid = f["account"]["id"]
        r = await alice.put(f"/api/v1/accounts/{fid}/following",
                            json={"master_token": master["account"]["master_token"]})
        assert r.status_code == 200, r.text
        followers.append((fid, f["api_key"]))
    with trio.fail_after(20):
        sims = [await api.follower_ea(key) for _, key in followers]
        m_ea = await api.ea(master["api_key"])
        ws = await WsClient.connect(api.port, headers=_cookie(alice))
        assert await ws.recv() == {"type": "hello", "id": 0}
        await _open(m_ea, 41)
        fids = {fid for fid, _ in followers}
        opened = None
        pending_messages: list[list[dict]] = []
        last: dict[int, dict] = {}
        while opened is None or {f for f, e in last.items()
                                 if e["data"]["status"] == "OPEN"} != fids:
            message = await ws.recv_message()
            if not isinstance(message, list):
                continue
            pend = [e for e in message if e["type"] == "pair.status"
                    and e["data"]["status"] == "PENDING"]
            if pend:
                pending_messages.append(pend)
            for e in message:
                if e["type"] == "trade.opened":
                    opened = e
                elif e["type"] == "pair.status":
                    last[e["account_id"]] = e
        # the signal's three PENDING pairs: one message, not one per follower
        assert [sorted(e["account_id"] for e in m) for m in pending_messages] == [sorted(fids)]
        trades = (await alice.get(f"/api/v1/accounts/{mid}/trades")).json()["items"]
        assert opened["account_id"] == mid and opened["data"] == trades[0]
        for fid in fids:
            pairs = (await alice.get(f"/api/v1/accounts/{fid}/pairs")).json()["items"]
            assert last[fid]["data"] == pairs[0], fid
            assert set(last[fid]["data"]) == set(pairs[0])  # no engine-only field leaks
        # the master closes: trade.closed and each CLOSED pair are the REST objects too
        await m_ea.send(MasterClose(ticket=41, deal=4101, volume=Decimal("0.1"),
                                    price=Decimal("1.2"), profit=Decimal("10"),
                                    remaining=Decimal(0), reason=CloseReason.EXPERT))
        closed = None
        while closed is None or {f for f, e in last.items()
                                 if e["data"]["status"] == "CLOSED"} != fids:
            e = await ws.recv()
            if e["type"] == "trade.closed":
                closed = e
            elif e["type"] == "pair.status":
                last[e["account_id"]] = e
        trades = (await alice.get(f"/api/v1/accounts/{mid}/trades")).json()["items"]
        assert closed["data"] == trades[0] and closed["data"]["status"] == "CLOSED"
        for fid in fids:
            pairs = (await alice.get(f"/api/v1/accounts/{fid}/pairs")).json()["items"]
            assert last[fid]["data"] == pairs[0], fid
        await ws.close()
        await m_ea.aclose()
        for sim in sims:
            sim.stop()
