"""Copy existing positions: a follower that starts following a master (or resumes from pause)
copies the master's open trades up to N minutes old, within X points of the master's price.

Master sim → server (real TCP + PostgreSQL) → follower sims with their own quotes.
"""

from __future__ import annotations

import time
from decimal import Decimal

import trio

from copytrade.domain.models import Side
from copytrade.domain.risk import Control
from copytrade.protocol import ErrorCode
from copytrade.sim.market import Market

from helpers import World, set_rules

D = Decimal
EXISTING = {"copy_existing": True, "copy_existing_max_age_minutes": 30,
            "copy_existing_max_points": 50}


def minutes_ago(minutes: float) -> int:
    return int((time.time() - minutes * 60) * 1000)


def quotes() -> Market:
    market = Market()
    market.set("EURUSD", D("1.08460"))   # 10 points from the master's 1.08450
    market.set("GBPUSD", D("1.27000"))   # 500 points from the master's 1.26500
    market.set("XAUUSD", D("2350.10"))
    return market


async def follow(w: World, account, master) -> None:
    await w.control.follow(account.id, w.user_id, master.master_token)  # as the API does


async def test_a_new_follower_copies_young_open_trades_within_the_price_limit(server, nursery):
    with trio.fail_after(40):
        w = World(server, nursery)
        await w.setup_user()
        master, msim = await w.master()
        eur = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"), D("1.08000"),
                              open_time_ms=minutes_ago(10))
        gbp = await msim.open("GBPUSD", Side.BUY, D("0.10"), D("1.26500"),
                              open_time_ms=minutes_ago(5))
        old = await msim.open("XAUUSD", Side.SELL, D("0.10"), D("2350.10"),
                              open_time_ms=minutes_ago(40))
        closed = await msim.open("EURUSD", Side.SELL, D("0.10"), open_time_ms=minutes_ago(3))
        await msim.close(closed)
        rows = await w.wait_pairs(lambda r: True)
        assert rows == []

        # Connected, following nobody; then it follows the master in the dashboard: the
        # server makes it reconnect and its login resync copies what qualifies.
        acc, fsim = await w.follower(None, market=quotes())
        await set_rules(server, acc, **EXISTING)
        plain, psim = await w.follower(None, market=quotes())   # copy_existing off (default)
        logins = fsim.logins
        for account in (acc, plain):
            await follow(w, account, master)
        await fsim.wait_for(lambda: fsim.logins > logins and eur in fsim.positions)
        assert fsim.positions[eur].volume == D("0.10")
        assert fsim.positions[eur].sl == D("1.08")

        rows = await w.wait_pairs(lambda r: len([p for p in r if p["account_id"] == acc.id]) == 3
                                  and all(p["status"] != "PENDING" for p in r))
        mine = {p["master_ticket"]: p for p in rows if p["account_id"] == acc.id}
        assert mine[eur]["status"] == "OPEN"
        assert (mine[gbp]["status"], mine[gbp]["reason_code"]) == ("SKIPPED",
                                                                   "EXISTING_PRICE_MOVED")
        assert "500 points" in mine[gbp]["reason"]
        assert (mine[old]["status"], mine[old]["reason_code"]) == ("EXPIRED", "EXPIRED")
        assert closed not in mine   # closed before the follow: nothing to copy
        assert set(fsim.positions) == {eur}

        # Off by default: the plain follower's EA is not made to reconnect, and copies only
        # what the master opens from now on.
        assert psim.positions == {} and psim.logins == 1
        assert not [p for p in rows if p["account_id"] == plain.id]

        # A later reconnect is an ordinary resync: nothing more is copied.
        logins = fsim.logins
        await server.engine.disconnect(acc.id, ErrorCode.RESYNC)
        await fsim.wait_for(lambda: fsim.logins > logins)
        await w.synced(fsim)
        assert set(fsim.positions) == {eur} and fsim.opens_executed == 1
        fresh = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08460"))
        await psim.wait_for(lambda: fresh in psim.positions)


async def test_resume_from_pause_copies_what_was_opened_meanwhile(server, nursery):
    with trio.fail_after(40):
        w = World(server, nursery)
        await w.setup_user()
        master, msim = await w.master()
        acc, fsim = await w.follower(master, market=quotes())
        await set_rules(server, acc, **EXISTING)
        await server.engine.guards.set_control(acc.id, Control.PAUSED)
        # Opened while paused (and, by its open time, past the 30 s signal expiry).
        held = await msim.open("EURUSD", Side.BUY, D("0.20"), D("1.08450"),
                               open_time_ms=minutes_ago(2))
        await w.wait_pairs(lambda r: len(r) == 1 and r[0]["status"] == "PENDING")
        assert fsim.positions == {}
        logins = fsim.logins
        await server.engine.guards.set_control(acc.id, Control.ACTIVE)
        await fsim.wait_for(lambda: fsim.logins > logins and held in fsim.positions)
        assert fsim.positions[held].volume == D("0.20")
        rows = await w.wait_pairs(lambda r: r[0]["status"] == "OPEN")
        assert rows[0]["master_ticket"] == held


async def test_the_price_limit_is_one_sided_and_mirrored_for_reversed_copies(server, nursery):
    """Only a worse price refuses: a follower buying far cheaper than the master copies; one
    buying dearer by more than X does not; a reversed (selling) follower is mirrored."""
    with trio.fail_after(40):
        w = World(server, nursery)
        await w.setup_user()
        master, msim = await w.master()
        buy = await msim.open("EURUSD", Side.BUY, D("0.10"), D("1.08450"),
                              open_time_ms=minutes_ago(3))
        better, dearer, rev_ok, rev_bad = (Market() for _ in range(4))
        better.set("EURUSD", D("1.07950"))   # buys 500 points cheaper: fine
        dearer.set("EURUSD", D("1.08560"))   # buys 110 points dearer: refused
        rev_ok.set("EURUSD", D("1.09950"))   # sells 1500 points higher: fine
        rev_bad.set("EURUSD", D("1.08300"))  # sells 150 points lower: refused
        accounts = []
        for market, reverse in ((better, False), (dearer, False), (rev_ok, True),
                                (rev_bad, True)):
            acc, sim = await w.follower(None, market=market)
            await set_rules(server, acc, **EXISTING, reverse=reverse)
            accounts.append((acc, sim))
        for acc, _ in accounts:
            await follow(w, acc, master)
        ids = {acc.id for acc, _ in accounts}
        rows = await w.wait_pairs(lambda r: len([p for p in r if p["account_id"] in ids]) == 4
                                  and all(p["status"] != "PENDING" for p in r))
        by = {p["account_id"]: p for p in rows}
        (a, sa), (b, sb), (c, sc), (d, sd) = accounts
        assert by[a.id]["status"] == "OPEN" and sa.positions[buy].side is Side.BUY
        assert by[c.id]["status"] == "OPEN" and sc.positions[buy].side is Side.SELL
        for acc, sim, worse in ((b, sb, 110), (d, sd, 150)):
            assert (by[acc.id]["status"], by[acc.id]["reason_code"]) == (
                "SKIPPED", "EXISTING_PRICE_MOVED")
            assert f"{worse} points worse" in by[acc.id]["reason"], by[acc.id]["reason"]
            assert sim.positions == {}
