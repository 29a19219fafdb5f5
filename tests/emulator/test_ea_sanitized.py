"""Both EAs and the emulator compiled with ``-fsanitize=address,undefined`` run a short copy
scenario (with a pending order) against the real server: no AddressSanitizer or UndefinedBehaviorSanitizer report.

(The normal ``-Wall -Wextra -Werror`` build is what every other emulator test uses.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from copytrade.ea.build import build

from eaworld import EaWorld, logged_in, suffixed, synced, wait_orders, wait_positions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sanitized() -> tuple[object, object]:
    return build("master", sanitize=True), build("follower", sanitize=True)


async def test_sanitized_eas_copy_without_a_report(server: object, nursery: trio.Nursery,
                                                   ea_dir: Path, tmp_path: Path,
                                                   sanitized: tuple) -> None:
    reports = tmp_path / "sanitizer"
    reports.mkdir()
    world = EaWorld(server, nursery, ea_dir, *sanitized)
    world.env = {
        "ASAN_OPTIONS": f"log_path={reports}/asan:detect_leaks=1:abort_on_error=0",
        "UBSAN_OPTIONS": f"log_path={reports}/ubsan:print_stacktrace=1",
    }
    await world.setup()
    try:
        master, mkey = await world.master_account()
        f, fkey = await world.follower_account(master)
        m = await world.terminal("master", mkey)
        t = await world.terminal("follower", fkey, master_token=master.master_token,
                                 symbols=suffixed(".m"), send_max=5, phantom_readable=True)
        await logged_in(m)
        await synced(t)
        opened = await m.op("open", symbol="EURUSD", side="BUY", volume=0.20, sl=1.08, tp=1.09)
        await wait_positions(t, lambda ps: len(ps) == 1, timeout=30)
        await m.op("close", position=opened["position"], volume=0.05)
        await m.op("modify", position=opened["position"], sl=1.081, tp=0)
        for term in (m, t):
            await term.op("tick", symbol="EURUSD" if term is m else "EURUSD.m", bid=1.0850,
                          ask=1.0851)
        await wait_positions(t, lambda ps: ps and ps[0]["volume"] == 0.15
                             and ps[0]["sl"] == 1.081, timeout=30)
        await m.op("restart")                       # OnDeinit + a fresh load with state file
        await logged_in(m, timeout=30)
        # a pending order placed, modified and cancelled (docs/protocol.md §7a, §9a)
        order = await m.place_order("EURUSD", "BUY_LIMIT", 0.1, 1.08)
        await wait_orders(t, lambda os: len(os) == 1)
        await m.modify_order(order, price=1.079)
        await wait_orders(t, lambda os: os and os[0]["price"] == 1.079)
        await m.cancel_order(order)
        await wait_orders(t, lambda os: os == [])
        await m.op("close", position=opened["position"])
        await wait_positions(t, lambda ps: ps == [], timeout=30)
        rows = await world.wait_pairs(f.id, lambda rs: rs and rs[0]["status"] == "CLOSED",
                                      timeout=30)
        assert int(rows[0]["master_ticket"]) == opened["position"]
    finally:
        await world.stop()
    codes = [e["code"] for term in world.terminals for e in term.events if e["ev"] == "exit"]
    found = {p.name: p.read_text()[:4000] for p in reports.iterdir()}
    assert not found, found
    assert codes == [0, 0], codes
