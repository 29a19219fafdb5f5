"""``copytrade demo``'s machinery, in-process on the test's database: it sets up the demo user
and accounts (idempotently), runs the simulated EAs, trades, and the followers get copies."""

from __future__ import annotations

from decimal import Decimal

import argon2
import trio

from copytrade.db.users import UserRepository
from copytrade.demo import DEMO_EMAIL, prepare, run_demo
from copytrade.domain.models import Side

from polling import eventually


async def test_prepare_is_idempotent_and_resets_the_password(db):
    first = await prepare(db)
    second = await prepare(db)
    assert second.user_id == first.user_id
    assert second.master.id == first.master.id
    assert [a.id for _p, a, _k in second.followers] == [a.id for _p, a, _k in first.followers]
    assert second.master_key != first.master_key  # rotated: keys are shown only once
    _user, hashed = await UserRepository(db).credentials(DEMO_EMAIL)
    assert argon2.PasswordHasher().verify(hashed, second.password)
    assert second.password != first.password
    rules = {plan.name: a.rules for plan, a, _k in second.followers}
    assert rules["Demo reversed"].reverse is True
    assert rules["Demo x2 max 0.30"].lot_value == Decimal(2)
    assert rules["Demo x2 max 0.30"].max_lot == Decimal("0.30")
    assert all(a.following_id == second.master.id for _p, a, _k in second.followers)


async def test_demo_trades_and_followers_copy(aio_loop, server_settings, nursery):
    lines: list[str] = []
    stop = trio.Event()
    running = await nursery.start(lambda task_status: run_demo(
        server_settings, interval=0.05, seed=11, say=lines.append, shutdown=stop,
        task_status=task_status))
    assert "demo@copytrade.local" in lines[0] and running.accounts.password in lines[0]
    reversed_sim, suffix_sim, capped_sim = running.followers
    await eventually(lambda: len(running.master.stored) >= 12 and all(
        sim.opens_executed >= 3 for sim in running.followers), timeout=20, interval=0.05)
    rows = await running.server.db.fetch(
        "SELECT count(*) AS n FROM trade_pairs WHERE status IN ('OPEN', 'CLOSED')")
    assert rows[0]["n"] >= 9
    for ticket, pos in list(running.master.positions.items()):
        copy = reversed_sim.positions.get(ticket)
        if copy is not None:
            assert copy.side is (Side.SELL if pos.side is Side.BUY else Side.BUY)
    assert all(p.symbol.endswith(".m") for p in suffix_sim.positions.values())
    assert all(p.volume <= Decimal("0.30") for p in capped_sim.positions.values())
    assert any(line.startswith("master open") for line in lines)
    stop.set()
