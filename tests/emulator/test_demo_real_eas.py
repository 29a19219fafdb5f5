"""``copytrade demo --real-eas``: the demo's master and followers are the real, compiled EAs in
emulated terminals; the master terminal trades and the follower terminals hold the copies."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from copytrade.demo_eas import run_demo_real_eas

from polling import eventually

pytestmark = pytest.mark.slow


async def test_demo_with_real_eas_trades_and_followers_copy(
        aio_loop: None, server_settings: Any, nursery: trio.Nursery) -> None:
    lines: list[str] = []
    stop = trio.Event()
    running = await nursery.start(lambda task_status: run_demo_real_eas(
        server_settings, interval=0.3, seed=5, say=lines.append, shutdown=stop,
        task_status=task_status))
    banner = next(line for line in lines if "demo@copytrade.local" in line)
    assert running.accounts.password in banner and "CopyTradeFollower.mq5" in banner
    db = running.server.db
    await eventually(lambda: db.fetch("SELECT account_id, count(*) AS n FROM trade_pairs "
                                      "WHERE status IN ('OPEN', 'CLOSED') GROUP BY account_id"),
                     lambda rows: len(rows) == 3 and all(r["n"] >= 2 for r in rows),
                     timeout=40, interval=0.2)
    reversed_t, suffix_t, capped_t = running.followers
    assert all(p["symbol"].endswith(".m") for p in (await suffix_t.state())["positions"])
    assert all(p["volume"] <= 0.3 for p in (await capped_t.state())["positions"])
    master_sides = {p["id"]: p["side"] for p in (await running.master.state())["positions"]}
    for copy in (await reversed_t.state())["positions"]:
        ticket = int(copy["comment"].removeprefix("CT#"))
        if ticket in master_sides:
            assert copy["side"] != master_sides[ticket]
    master_sends = running.master.lines("sent", "CMD_OPEN|")
    assert master_sends and reversed_t.lines("sent", "ACK_OPEN|")
    assert any(line.startswith("master open") for line in lines)
    assert any("copies → reversed:" in line for line in lines)
    stop.set()
    await eventually(lambda: all(t.exited.is_set() for t in (running.master, *running.followers)),
                     timeout=30, interval=0.1)
    assert lines[-1] == "stopping the demo ..."
