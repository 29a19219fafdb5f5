"""End to end over the real server and simulated EAs: alerts reach a loopback Telegram Bot
API once, after the grace period, grouped, in the channel's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from copytrade.domain.models import Side
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
        for i in range(30):
            await msim.open("EURUSD", Side.BUY, ticket=9000 + i)
        await msim.wait_stored()
        await eventually(lambda: len(world.telegram.sent) >= 1)
        await trio.sleep(1.0)
        assert len(world.telegram.sent) == 1, world.telegram.sent
        text = world.telegram.sent[0]["text"]
        assert text.startswith("คัดลอกไม่สำเร็จ 30 รายการ ที่ Follower"), text
        assert "No money" in text and "และอีก 20 รายการ" in text
        msim.stop()
        fsim.stop()
