"""The whole server as ``copytrade serve`` runs it (``copytrade.app.run_server``): a user drives
it through the web API while simulated EAs trade over the real EA protocol.

Register and log in, create a master and a follower (keys shown once), follow by master token,
connect the EAs, copy a trade and watch it in the REST API and on the live websocket, switch
the master to RECORD, close, read the statistics, and rotate the follower's key.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import trio
from wsclient import WsClient

from copytrade.app import RunningServer
from copytrade.domain.models import Side
from copytrade.protocol import CopyOpen
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

from polling import eventually

PASSWORD = "correct horse battery"
Event = dict[str, Any]


async def _until(ws: WsClient, seen: list[Event], match: Callable[[Event], bool]) -> Event:
    """The first event (already seen, or arriving now) that ``match`` accepts."""
    for event in seen:
        if match(event):
            return event
    while True:
        event = await ws.recv()
        seen.append(event)
        if match(event):
            return event


async def _poll(c: httpx.AsyncClient, path: str, match: Callable[[Any], bool]) -> Any:
    """GET ``path`` until its JSON body satisfies ``match`` (the ledger writes in batches)."""
    async def get() -> Any:
        r = await c.get(path)
        assert r.status_code == 200, r.text
        return r.json()

    return await eventually(get, match, what=f"GET {path}")


async def test_copy_a_trade_through_the_whole_server(server: RunningServer, nursery) -> None:
    base = f"http://127.0.0.1:{server.http_port}"
    async with httpx.AsyncClient(base_url=base, timeout=10, headers={"X-CSRF": "1"}) as c:
        with trio.fail_after(60):
            await _scenario(server, nursery, c)


async def _scenario(server: RunningServer, nursery: trio.Nursery, c: httpx.AsyncClient) -> None:
    # ---- a user signs up and logs in
    r = await c.post("/api/v1/auth/register",
                     json={"email": "trader@example.com", "name": "Trader", "password": PASSWORD})
    assert r.status_code == 201, r.text
    r = await c.post("/api/v1/auth/login",
                     json={"email": "trader@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    info = (await c.get("/api/v1/connection-info")).json()
    assert info["ea_port"] == server.ea_port

    # ---- a master and a follower (each key is shown once), following by master token
    r = await c.post("/api/v1/accounts", json={"name": "Master", "role": "master"})
    assert r.status_code == 201, r.text
    master, master_key = r.json()["account"], r.json()["api_key"]
    r = await c.post("/api/v1/accounts", json={"name": "Follower", "role": "follower"})
    assert r.status_code == 201, r.text
    follower, follower_key = r.json()["account"], r.json()["api_key"]
    mid, fid = master["id"], follower["id"]
    assert all("api_key" not in a for a in (await c.get("/api/v1/accounts")).json()["items"])
    r = await c.put(f"/api/v1/accounts/{fid}/following",
                    json={"master_token": master["master_token"]})
    assert r.status_code == 200 and r.json()["account"]["following_id"] == mid

    # ---- the dashboard's live feed
    origin = f"http://127.0.0.1:{server.http_port}"
    ws = await WsClient.connect(server.http_port, headers=[
        ("Cookie", f"ct_session={c.cookies['ct_session']}"), ("Origin", origin)])
    assert await ws.recv() == {"type": "hello", "id": 0}
    seen: list[Event] = []

    # ---- the EAs log in with the keys the API gave
    msim = MasterSim("127.0.0.1", server.ea_port, master_key, reconnect=False)
    await nursery.start(msim.run)
    fsim = FollowerSim("127.0.0.1", server.ea_port, follower_key, reconnect=False)
    await nursery.start(fsim.run)
    await eventually(lambda: server.engine.live.get(fid), lambda live: live is not None
                     and live.ready, interval=0.01)  # until the follower's login sync is through
    listed = {a["id"]: a for a in (await c.get("/api/v1/accounts")).json()["items"]}
    assert listed[mid]["online"] is True and listed[fid]["online"] is True

    # ---- the master opens: the follower copies it
    ticket = await msim.open("EURUSD", Side.BUY, Decimal("0.10"), Decimal("1.08450"))
    await msim.wait_stored()
    await fsim.wait_for(lambda: ticket in fsim.positions)
    active = await _poll(c, f"/api/v1/accounts/{fid}/active",
                         lambda b: [p["status"] for p in b["items"]] == ["OPEN"])
    pair = active["items"][0]
    assert pair["master_ticket"] == ticket and pair["master_account_id"] == mid
    assert pair["symbol"] == "EURUSD" and pair["side"] == "BUY" and pair["volume"] == "0.10"
    assert pair["follower_ticket"] == fsim.positions[ticket].ticket
    trades = (await c.get(f"/api/v1/accounts/{mid}/trades")).json()["items"]
    assert [(t["ticket"], t["status"], t["symbol"], t["side"], t["volume"], t["price"])
            for t in trades] == [(ticket, "OPEN", "EURUSD", "BUY", "0.10", "1.0845")]
    opened = await _until(ws, seen, lambda e: e["type"] == "trade.opened")
    assert opened["account_id"] == mid and opened["data"]["ticket"] == ticket
    status = await _until(ws, seen, lambda e: e["type"] == "pair.status"
                          and e["data"]["status"] == "OPEN")
    assert status["account_id"] == fid and status["data"]["master_ticket"] == ticket

    # ---- RECORD: the next open is stored and reaches no follower
    r = await c.put(f"/api/v1/accounts/{mid}/copy-mode", json={"copy_mode": "RECORD"})
    assert r.status_code == 200 and r.json()["account"]["copy_mode"] == "RECORD"
    recorded = await msim.open("GBPUSD", Side.SELL, Decimal("0.20"), Decimal("1.27000"))
    await msim.wait_stored()
    # Closing the copied trade goes through the same per-master channel after that open, so
    # once the follower has closed its copy, the RECORD open has been routed (to nobody).
    await msim.close(ticket, price=Decimal("1.08600"), profit=Decimal("12.50"))
    await msim.wait_stored()
    await fsim.wait_for(lambda: ticket not in fsim.positions)
    assert recorded not in fsim.positions
    assert not any(isinstance(m, CopyOpen) and m.master_ticket == recorded
                   for m in fsim.received)
    trades = (await c.get(f"/api/v1/accounts/{mid}/trades")).json()["items"]
    assert [(t["ticket"], t["status"]) for t in trades] == [(recorded, "OPEN"),
                                                             (ticket, "CLOSED")]

    # ---- closed: statistics on both sides
    stats = await _poll(c, f"/api/v1/accounts/{fid}/stats", lambda s: s["closed_count"] == 1)
    assert stats["total_profit"] == "15.00" and stats["open_count"] == 0  # the sim's P/L
    assert stats["win_rate"] == 1.0 and stats["latency_ms"]["count"] == 1
    pairs = (await c.get(f"/api/v1/accounts/{fid}/pairs")).json()["items"]
    assert [(p["master_ticket"], p["status"], p["profit"]) for p in pairs] == [
        (ticket, "CLOSED", "15.00")]
    stats = (await c.get(f"/api/v1/accounts/{mid}/stats")).json()
    assert stats["closed_count"] == 1 and stats["total_profit"] == "12.50"
    assert stats["open_count"] == 1  # the recorded trade
    closed = await _until(ws, seen, lambda e: e["type"] == "trade.closed")
    assert closed["account_id"] == mid and closed["data"]["ticket"] == ticket
    assert {e["account_id"] for e in seen if e.get("account_id") is not None} <= {mid, fid}

    # ---- a new follower key: the EA on the old one is told and dropped
    r = await c.post(f"/api/v1/accounts/{fid}/rotate-key")
    assert r.status_code == 200 and r.json()["api_key"] != follower_key
    await fsim.wait_for(lambda: fsim.link is None)
    assert [e.code.value for e in fsim.errors] == ["KEY_ROTATED"]
    assert (await c.get(f"/api/v1/accounts/{fid}")).json()["account"]["online"] is False
    assert (await c.get(f"/api/v1/accounts/{mid}")).json()["account"]["online"] is True
    offline = await _until(ws, seen, lambda e: e["type"] == "ea.status"
                           and e["account_id"] == fid and e["data"] == {"online": False})
    assert offline["id"] > closed["id"]
    await ws.close()
