"""SYM's optional tick figures: both or neither, on the way in and out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copytrade.protocol import LocalProtocolError, RemoteProtocolError, encode, parse_from_ea
from copytrade.protocol.messages import SymbolInfo

D = Decimal


def sym(**ticks: Decimal | None) -> SymbolInfo:
    return SymbolInfo(name="EURUSD", volume_min=D("0.01"), volume_max=D(100),
                      volume_step=D("0.01"), digits=5, **ticks)


def test_an_old_eas_line_reads_without_ticks_and_writes_back_the_same() -> None:
    msg = parse_from_ea(b"SYM|EURUSD|0.01|100|0.01|5")
    assert msg == sym() and msg.tick_size is None and msg.tick_value is None
    assert encode(msg) == b"SYM|EURUSD|0.01|100|0.01|5\n"


def test_both_ticks_round_trip() -> None:
    msg = sym(tick_size=D("0.00001"), tick_value=D("0.6734"))
    assert encode(msg) == b"SYM|EURUSD|0.01|100|0.01|5|0.00001|0.6734\n"
    assert parse_from_ea(encode(msg)) == msg


@pytest.mark.parametrize("ticks", [{"tick_size": D("0.00001")}, {"tick_value": D(1)}])
def test_the_encoder_refuses_one_tick_figure_alone(ticks: dict[str, Decimal]) -> None:
    with pytest.raises(LocalProtocolError) as caught:
        encode(sym(**ticks))
    assert caught.value.field in {"tick_size", "tick_value"}


def test_seven_fields_say_what_is_expected() -> None:
    with pytest.raises(RemoteProtocolError, match="SYM expects 6 or 8 fields, got 7"):
        parse_from_ea(b"SYM|EURUSD|0.01|100|0.01|5|0.00001")
