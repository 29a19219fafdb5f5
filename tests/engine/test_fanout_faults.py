"""A failed fan-out is never dropped: it is retried, or the followers it was for resync.

The fault is injected through the engine's fan-out seam (``FanOut.fault``, called
before every fan-out attempt), on a real server with simulated EAs over TCP.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from copytrade.domain.models import Side
from copytrade.engine.signals import CloseSignal, ModifySignal, OpenSignal, Signal

from helpers import expected_positions, held_positions


class FailFirst:
    """Fails the first ``times`` attempts of each signal kind it is armed for."""

    def __init__(self, kinds: tuple[type, ...], times: int) -> None:
        self.left = {kind: times for kind in kinds}
        self.failed: list[str] = []

    def __call__(self, signal: Signal) -> None:
        kind = type(signal)
        if self.left.get(kind, 0) > 0:
            self.left[kind] -= 1
            self.failed.append(kind.__name__)
            raise RuntimeError(f"injected fan-out failure for {kind.__name__}")


def _books(msim: Any, fsims: list[Any]) -> bool:
    want = expected_positions(msim)
    sl_tp = {t: (p.sl, p.tp) for t, p in msim.positions.items()}
    return all(held_positions(f) == want
               and {t: (p.sl, p.tp) for t, p in f.positions.items()} == sl_tp for f in fsims)


async def test_failed_open_close_and_modify_fan_outs_are_retried(server, world):
    w = world
    master, msim = await w.master()
    fsims = [(await w.follower(master))[1] for _ in range(2)]
    fault = FailFirst((OpenSignal, CloseSignal, ModifySignal), times=1)
    server.engine.fanout.fault = fault

    ticket = await msim.open("EURUSD", Side.BUY, Decimal("0.2"), Decimal("1.1"))
    await msim.wait_for(lambda: all(ticket in f.positions for f in fsims))
    await msim.modify(ticket, Decimal("1.05"), Decimal("1.2"))
    await msim.wait_for(lambda: _books(msim, fsims))
    await msim.close(ticket, Decimal("0.1"))
    await msim.wait_for(lambda: _books(msim, fsims))
    await msim.close(ticket)
    await msim.wait_for(lambda: _books(msim, fsims))
    assert fault.failed == ["OpenSignal", "ModifySignal", "CloseSignal"]
    assert all(f.logins == 1 for f in fsims)  # recovered live, without a reconnect
    assert all(ticket not in f.positions for f in fsims)


async def test_a_fan_out_that_keeps_failing_makes_its_followers_resync(server, world):
    w = world
    master, msim = await w.master()
    fsims = [(await w.follower(master))[1] for _ in range(2)]
    kept = await msim.open("EURUSD", Side.BUY, Decimal("0.3"), Decimal("1.1"))
    gone = await msim.open("GBPUSD", Side.SELL, Decimal("0.1"), Decimal("1.3"))
    await msim.wait_for(lambda: _books(msim, fsims))

    server.engine.fanout.fault = FailFirst((CloseSignal, ModifySignal), times=100)
    await msim.close(gone)
    await msim.close(kept, Decimal("0.1"))
    await msim.modify(kept, Decimal("1.0"), Decimal("1.3"))
    # Every attempt fails, so the followers are dropped and resync at their reconnect.
    await msim.wait_for(lambda: _books(msim, fsims), timeout=20)
    assert all(f.logins >= 2 for f in fsims)
    assert all(e.code.value == "SLOW_CONSUMER" for f in fsims for e in f.errors)
    assert held_positions(fsims[0]) == {kept: ("EURUSD", "BUY", Decimal("0.2"))}
