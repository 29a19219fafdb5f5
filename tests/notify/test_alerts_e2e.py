"""End to end over the real server and simulated EAs: alerts reach a loopback Telegram Bot
API once, after the grace period, grouped, in the channel's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from copytrade.domain.models import Side
from copytrade.notify.dispatch import DISPATCH_LOCK
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

from alerttools import AlertWorld, eventually, start_world

pytestmark = pytest.mark.slow


@pytest.fixture
async def world(aio_loop: None, db_url: str, tmp_path: Path,
                nursery: trio.Nursery) -> AsyncIterator[AlertWorld]:
    w = await start_world(nursery, db_url, tmp_path)
    yield w
    w.server.shutdown.set()


async def _account(c, role: str, name: str) -> dict:
    r = await c.post("/api/v1/accounts", json={"name": name, "role": role})
    assert r.status_code == 201, r.text
    return r.json()


async def test_ea_offline_alerts_once_after_the_grace_period(world: AlertWorld,
                                                             nursery: trio.Nursery) -> None:
    with trio.fail_after(30):
        c = await world.user()
        await world.telegram_channel(c, chat_id=5001)
        master = await _account(c, "master", "Gold master")
        sim = MasterSim("127.0.0.1", world.server.ea_port, master["api_key"])
        await nursery.start(sim.run)

        # A blip shorter than the grace period says nothing.
        await sim.link.aclose()
        await sim.wait_for(lambda: sim.logins >= 2)
        await trio.sleep(1.2)
        assert world.telegram.sent == []

        # Offline for longer: exactly one message, after the grace period.
        sim.stop()
        await trio.sleep(0.4)
        assert world.telegram.sent == []  # still inside the grace period
        await eventually(lambda: len(world.telegram.sent) == 1)
        await trio.sleep(0.5)
        assert len(world.telegram.sent) == 1
        msg = world.telegram.sent[0]
        assert msg["chat_id"] == 5001
        assert msg["text"].startswith("EA offline: Gold master")

        # Back online: one more message.
        sim2 = MasterSim("127.0.0.1", world.server.ea_port, master["api_key"])
        await nursery.start(sim2.run)
        await eventually(lambda: len(world.telegram.sent) == 2)
        assert world.telegram.sent[1]["text"].startswith("EA back online: Gold master")
        sim2.stop()
        assert world.telegram.problems == []


async def test_a_burst_of_failed_copies_is_one_message_in_thai(world: AlertWorld,
                                                               nursery: trio.Nursery) -> None:
    with trio.fail_after(30):
        c = await world.user()
        await world.telegram_channel(c, chat_id=7007, language="th")
        master = await _account(c, "master", "Master")
        follower = await _account(c, "follower", "Follower")
        r = await c.put(f"/api/v1/accounts/{follower['account']['id']}/following",
                        json={"master_token": master["account"]["master_token"]})
        assert r.status_code == 200, r.text
        msim = MasterSim("127.0.0.1", world.server.ea_port, master["api_key"])
        fsim = FollowerSim("127.0.0.1", world.server.ea_port, follower["api_key"],
                           reject_rate=1.0)
        await nursery.start(msim.run)
        await nursery.start(fsim.run)
        await fsim.wait_for(lambda: fsim.logins > 0)
        await trio.sleep(0.3)
        # The dispatcher is kept out (its advisory lock held) until all 30 failures are queued,
        # so the message does not depend on how fast this machine records them; the grouping
        # rule itself, with set timestamps, is tests/notify/test_grouping.py.
        fid = follower["account"]["id"]
        async with world.server.db.connection() as hold:
            await hold.execute("SELECT pg_advisory_lock($1)", DISPATCH_LOCK)
            try:
                for i in range(30):
                    await msim.open("EURUSD", Side.BUY, ticket=9000 + i)
                await msim.wait_stored()
                await eventually(lambda: world.server.db.fetchval(
                    "SELECT count(*) FROM notify_events WHERE account_id = $1 "
                    "AND kind = 'copy.failed'", fid), lambda n: n >= 30, timeout=30,
                    interval=0.05)
            finally:
                await hold.execute("SELECT pg_advisory_unlock($1)", DISPATCH_LOCK)
        await eventually(lambda: len(world.telegram.sent) >= 1)
        await trio.sleep(1.0)
        assert len(world.telegram.sent) == 1, world.telegram.sent
        text = world.telegram.sent[0]["text"]
        assert text.startswith("คัดลอกไม่สำเร็จ 30 รายการ ที่ Follower"), text
        assert "No money" in text and "และอีก 20 รายการ" in text
        msim.stop()
        fsim.stop()


async def test_kill_switch_summary_risk_hook_and_quiet_hours(world: AlertWorld,
                                                              nursery: trio.Nursery) -> None:
    from copytrade.notify.db import record_risk_trip
    from copytrade.notify.events import RiskTrip

    with trio.fail_after(30):
        c = await world.user()
        ch = await world.telegram_channel(c, chat_id=31, events=[
            "killswitch.stopout", "risk.tripped", "summary.daily", "master.trade"])
        master = await _account(c, "master", "Master 1")
        follower = await _account(c, "follower", "Partner")
        mid, fid = master["account"]["id"], follower["account"]["id"]
        assert (await c.put(f"/api/v1/accounts/{mid}/copy-mode",
                            json={"copy_mode": "1TO1"})).status_code == 200
        assert (await c.put(f"/api/v1/accounts/{fid}/following", json={
            "master_token": master["account"]["master_token"]})).status_code == 200
        assert (await c.put(f"/api/v1/accounts/{mid}/partner",
                            json={"partner_id": fid})).status_code == 200
        msim = MasterSim("127.0.0.1", world.server.ea_port, master["api_key"])
        await nursery.start(msim.run)

        # master.trade (selected here): one message per open.
        await msim.open("XAUUSD", Side.SELL, ticket=4242)
        await eventually(lambda: len(world.telegram.sent) == 1)
        assert world.telegram.sent[0]["text"].startswith("Master 1 opened #4242 SELL")

        # Kill switch: a stop-out on the master of a 1TO1 pair.
        await msim.stop_out()
        await eventually(lambda: len(world.telegram.sent) == 2)
        text = world.telegram.sent[1]["text"]
        assert text.startswith("Kill switch: stop-out on a 1TO1 pair"), text
        assert "Closing the follower side" in text

        # The risk guards' hook, on the connection of their own transaction.
        user_id = await world.server.db.fetchval(
            "SELECT user_id FROM trading_accounts WHERE id = $1", fid)

        async def trip(con) -> None:
            async with con.transaction():
                await record_risk_trip(con, RiskTrip(
                    user_id=user_id, account_id=fid, guard="MAX_DAILY_LOSS",
                    detail="daily loss 512.40 USD > limit 500.00 USD"))

        await world.server.db.run(trip)
        await eventually(lambda: len(world.telegram.sent) == 3)
        assert world.telegram.sent[2]["text"] == (
            "Risk guard tripped on Partner: MAX_DAILY_LOSS\n"
            "daily loss 512.40 USD > limit 500.00 USD")

        # The daily summary, once due: one per account, made once.
        await world.server.db.execute(
            "UPDATE notify_channels SET next_summary_at = now() - interval '1 second' "
            "WHERE id = $1", ch["id"])
        await eventually(lambda: len(world.telegram.sent) == 5)
        summaries = sorted(m["text"] for m in world.telegram.sent[3:])
        assert summaries[0].startswith("Daily summary ") and ": Master 1" in summaries[0]
        assert "P/L 0.00 · copies 0 · failed 0" in summaries[1]
        nxt = await world.server.db.fetchval(
            "SELECT next_summary_at > now() + interval '1 hour' FROM notify_channels "
            "WHERE id = $1", ch["id"])
        assert nxt is True

        # Quiet hours around now: a master trade waits, a risk trip does not.
        r = await c.patch(f"/api/v1/alerts/channels/{ch['id']}", json={
            "time_zone": "UTC", "quiet_start": "00:00", "quiet_end": "23:59"})
        assert r.status_code == 200, r.text
        await msim.open("EURUSD", Side.BUY, ticket=4343)
        await world.server.db.run(trip)
        await eventually(lambda: len(world.telegram.sent) == 6)
        assert world.telegram.sent[5]["text"].startswith("Risk guard tripped")
        waiting = await world.server.db.fetchrow(
            "SELECT status, not_before > now() AS later FROM notify_outbox "
            "WHERE kind = 'master.opened' ORDER BY id DESC LIMIT 1")
        assert (waiting["status"], waiting["later"]) == ("pending", True)
        await trio.sleep(0.5)
        assert len(world.telegram.sent) == 6
        msim.stop()


async def test_a_risk_guard_trip_alerts_once(world: AlertWorld, nursery: trio.Nursery) -> None:
    """A follower's account report trips its equity floor → one Telegram message, written to
    the outbox in the trip's own transaction; the same episode does not alert again."""
    from decimal import Decimal

    with trio.fail_after(30):
        c = await world.user()
        await world.telegram_channel(c, chat_id=77, events=["risk.tripped"])
        follower = await _account(c, "follower", "Partner")
        fid = follower["account"]["id"]
        r = await c.put(f"/api/v1/accounts/{fid}/risk/limits", json={
            "equity_floor": {"value": "9000", "action": "SKIP_NEW"}})
        assert r.status_code == 200, r.text
        fsim = FollowerSim("127.0.0.1", world.server.ea_port, follower["api_key"])
        await nursery.start(fsim.run)
        await fsim.wait_for(lambda: fsim.logins > 0)
        await fsim.report_account(Decimal("8500.00"))
        await eventually(lambda: len(world.telegram.sent) == 1)
        sent = world.telegram.sent[0]
        assert sent["chat_id"] == 77
        head, detail = sent["text"].split("\n", 1)
        assert head == "Risk guard tripped on Partner: EQUITY_FLOOR"
        stored = await world.server.db.fetchrow(
            "SELECT reason, id FROM risk_trips WHERE account_id = $1", fid)
        assert detail == stored["reason"] and "8500" in detail
        row = await world.server.db.fetchrow(
            "SELECT status, payload FROM notify_outbox WHERE kind = 'risk.tripped'")
        assert row["status"] in ("pending", "sent"), row  # sent, its status being written
        assert row["payload"]["figures"] == {"trip_id": str(stored["id"]),
                                             "action": "SKIP_NEW", "value": "8500",
                                             "limit": "9000"}, row["payload"]["figures"]
        # Still below the floor: the same episode, no second trip and no second alert.
        await fsim.report_account(Decimal("8400.00"))
        await trio.sleep(0.5)
        assert len(world.telegram.sent) == 1
        assert await world.server.db.fetchval(
            "SELECT count(*) FROM notify_outbox WHERE kind = 'risk.tripped'") == 1
        assert await world.server.db.fetchval("SELECT count(*) FROM risk_trips") == 1
        fsim.stop()
