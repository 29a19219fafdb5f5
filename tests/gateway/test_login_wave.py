"""A wave of follower logins at once (issue 14: of 10,020 EAs, 1,626 never became ready).

Two causes, each caught here at a small scale: the login resyncs of one master's followers
ran one after the other under its decider lock (three database round trips each), and the idle
watchdog dropped an EA whose SYNC the engine was still working on (the gateway reads nothing
while it handles a line, so the EA's PINGs went unread).
"""

from __future__ import annotations

from typing import Any

import pytest
import trio

from copytrade.bench.procs import ClientProcess
from copytrade.bench.world import BenchWorld
from copytrade.engine import resync

FOLLOWERS = 120


async def _log_in(server: Any, monkeypatch: pytest.MonkeyPatch, followers: int,
                  delay: float) -> tuple[int, int]:
    """Log ``followers`` followers of one master in at once; (snapshot loads, followers)."""
    loads: list[int] = []
    load_many = resync.Resync._load_many

    async def counted(self: Any, jobs: Any, *args: Any) -> Any:
        loads.append(len(jobs))
        await trio.sleep(delay)  # a database slow under load
        return await load_many(self, jobs, *args)

    monkeypatch.setattr(resync.Resync, "_load_many", counted)
    world = BenchWorld(server)
    await world.setup_user()
    (group,) = await world.create_groups(1, followers)
    client = await ClientProcess.start()
    try:
        with trio.fail_after(40):
            reply = await client.request(
                "connect", host="127.0.0.1", port=server.ea_port,
                masters=[[group.master_key, 0]],
                followers=[[key, 0] for key in group.follower_keys])
            assert reply["ok"], reply
            # Until every follower's resync is done (the master, silent since its AUTH, may
            # be dropped as idle meanwhile: the load client pings only every 10 s).
            while not all((lv := server.engine.live.get(fid)) is not None and lv.ready
                          for fid in group.follower_ids):
                await trio.sleep(0.05)
            assert all(fid in server.engine.sessions for fid in group.follower_ids)  # none dropped
    finally:
        await client.aclose()
    return len(loads), sum(loads)


async def test_a_wave_of_logins_is_resynced_in_a_few_batches(server, monkeypatch) -> None:
    batches, resynced = await _log_in(server, monkeypatch, FOLLOWERS, delay=0.0)
    assert resynced == FOLLOWERS
    assert batches <= FOLLOWERS // 4, f"{batches} snapshot transactions for {FOLLOWERS}"


async def test_an_ea_is_not_idle_while_its_login_resync_runs(server, monkeypatch) -> None:
    # The batch takes longer than the idle limit: the EAs waiting for it stay.
    delay = server.engine.settings.ea_idle_timeout + 1
    batches, resynced = await _log_in(server, monkeypatch, 20, delay=delay)
    assert resynced == 20
    assert batches >= 1
