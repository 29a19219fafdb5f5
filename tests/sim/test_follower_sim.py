"""The follower simulator's EA-side defence against doubles (docs/protocol.md §11)."""

from __future__ import annotations

from decimal import Decimal

from copytrade.domain.models import Side
from copytrade.protocol import AckOpen, CloseReason, CopyClose, CopyOpen, Nack
from copytrade.sim.follower import FollowerSim

D = Decimal


def open_line(ticket: int) -> CopyOpen:
    return CopyOpen(ticket, "EURUSD", Side.BUY, D("0.10"), D("1.1"), D(0), D(0), 0)


def test_an_open_copy_is_acknowledged_again_not_opened_twice():
    sim = FollowerSim("127.0.0.1", 1, "unused")
    first = sim._execute(open_line(77))
    again = sim._execute(open_line(77))
    assert isinstance(first, AckOpen) and again == first
    assert len(sim.positions) == 1 and sim.open_log == [77] and sim.refused_copies == []


def test_a_ticket_whose_copy_closed_is_refused_with_already_copied():
    sim = FollowerSim("127.0.0.1", 1, "unused")
    sim._execute(open_line(77))
    sim._execute(CopyClose(77, D(0), CloseReason.EXPERT))
    refused = sim._execute(open_line(77))
    assert isinstance(refused, Nack) and refused.command.value == "OPEN"
    assert refused.retcode == 0 and refused.text.split()[0] == "ALREADY_COPIED"
    assert sim.positions == {} and sim.open_log == [77] and sim.refused_copies == [77]
    # Other tickets are unaffected.
    assert isinstance(sim._execute(open_line(78)), AckOpen)
