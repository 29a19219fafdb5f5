"""No answer is an answer (issue 11, finding 10): a copy whose OPEN got neither ACK_OPEN nor
NACK_OPEN within COPYTRADE_ACK_TIMEOUT is UNKNOWN (reason code NO_ANSWER) in the API, and is
resolved by a late answer or by the follower's next login report — even after the master
closed the trade."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from copytrade.domain.models import Side
from copytrade.sim.master import MasterSim

from apitools import start_api
from polling import eventually

D = Decimal


async def _pair(c: Any, fid: int, ticket: int, status: str) -> dict[str, Any]:
    async def pair() -> Any:
        items = (await c.get(f"/api/v1/accounts/{fid}/pairs")).json()["items"]
        return next((p for p in items if p["master_ticket"] == ticket), None)

    found: dict[str, Any] = await eventually(
        pair, lambda p: p is not None and p["status"] == status, interval=0.05)
    return found


async def test_a_copy_without_answer_becomes_unknown_and_is_resolved(db, nursery) -> None:
    api = await start_api(nursery, db, ack_timeout=0.4)
    c = await api.user()
    master = (await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    follower = (await c.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    fid = follower["account"]["id"]
    r = await c.put(f"/api/v1/accounts/{fid}/following",
                    json={"master_token": master["account"]["master_token"]})
    assert r.status_code == 200, r.text
    msim = MasterSim("127.0.0.1", api.ctx.ea_port, master["api_key"])
    await nursery.start(msim.run)
    # A follower EA that executes OPENs but whose answers never arrive.
    fsim = await api.follower_ea(follower["api_key"], drop_ack_opens=True)

    first = await msim.open("EURUSD", Side.BUY, D("0.10"))
    second = await msim.open("GBPUSD", Side.SELL, D("0.20"))
    await fsim.wait_for(lambda: {first, second} <= set(fsim.positions))
    unknown = await _pair(c, fid, first, "UNKNOWN")
    assert unknown["reason_code"] == "NO_ANSWER" and "0.4 s" in unknown["reason"]
    await _pair(c, fid, second, "UNKNOWN")  # its own 0.4 s run from its own OPEN
    r = await c.get(f"/api/v1/accounts/{fid}/pairs", params={"status": "UNKNOWN"})
    assert {p["master_ticket"] for p in r.json()["items"]} == {first, second}
    active = (await c.get(f"/api/v1/accounts/{fid}/active")).json()["items"]
    assert {p["master_ticket"] for p in active} == {first, second}  # may be open: still live

    # The master closes the first: the CLOSE still goes out, and its ACK_CLOSE proves the copy.
    await msim.close(first)
    await fsim.wait_for(lambda: first not in fsim.positions)
    closed = await _pair(c, fid, first, "CLOSED")
    assert closed["follower_ticket"] == fsim.closed[-1].ticket and closed["reason_code"] is None

    # The second stays UNKNOWN while the follower is away and the master closes it; the
    # follower's next login report holds the copy: OPEN, then its CLOSE → CLOSED.
    fsim.stop()
    await eventually(lambda: fid not in api.engine.sessions, timeout=5, interval=0.01)
    await msim.close(second)
    await msim.wait_stored()
    assert (await _pair(c, fid, second, "UNKNOWN"))["reason_code"] == "NO_ANSWER"
    fsim.drop_ack_opens = False
    await api.follower_ea(follower["api_key"], positions=fsim.positions, closed=fsim.closed,
                          copied=fsim.copied)
    resolved = await _pair(c, fid, second, "CLOSED")
    assert resolved["reason_code"] is None and resolved["follower_ticket"] is not None
    assert fsim.open_log == [first, second]
    msim.stop()
    await c.aclose()
    await api.stop()
