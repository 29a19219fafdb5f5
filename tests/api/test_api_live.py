"""The live websocket: cookie auth, origin check, own events only, close 1001 on shutdown."""

from __future__ import annotations

import pytest
import trio
from wsclient import Closed, Rejected, WsClient

from conftest import Api, start_api


def _cookie(client) -> list[tuple[str, str]]:
    return [("Cookie", f"ct_session={client.cookies['ct_session']}")]


async def test_receives_own_events_only(api: Api, alice, bob) -> None:
    alice_id = (await alice.get("/api/v1/me")).json()["user"]["id"]
    bob_id = (await bob.get("/api/v1/me")).json()["user"]["id"]
    with trio.fail_after(10):
        ws = await WsClient.connect(api.port, headers=[*_cookie(alice), ("Origin", f"http://127.0.0.1:{api.port}")])
        assert await ws.recv() == {"type": "hello", "id": 0}
        api.ctx.events.publish(bob_id, "trade.opened", {"ticket": 1}, account_id=99)
        sent = api.ctx.events.publish(alice_id, "pair.status", {"status": "OPEN"}, account_id=7)
        later = api.ctx.events.publish(alice_id, "ea.status", {"online": True}, account_id=7)
        first = await ws.recv()
        assert first["id"] == sent.id and first["type"] == "pair.status"
        assert first["account_id"] == 7 and first["data"] == {"status": "OPEN"}
        second = await ws.recv()
        assert second["id"] == later.id > first["id"]  # bob's event never arrived
        await ws.close()


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
