"""Pending-order reverse table and lot sizing by risk percent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.errors import SignalError
from copytrade.domain.lots import risk_volume
from copytrade.domain.models import Side
from copytrade.domain.pending import OrderType, copy_order_type

D = Decimal


@pytest.mark.parametrize(
    ("master", "reversed_"),
    [
        (OrderType.BUY_LIMIT, OrderType.SELL_STOP),
        (OrderType.SELL_LIMIT, OrderType.BUY_STOP),
        (OrderType.BUY_STOP, OrderType.SELL_LIMIT),
        (OrderType.SELL_STOP, OrderType.BUY_LIMIT),
    ],
)
def test_reverse_table(master, reversed_):
    assert copy_order_type(master, reverse=True) is reversed_
    assert copy_order_type(master, reverse=False) is master
    # Reversing trades the other way; reversing twice gives the master's order back.
    assert reversed_.side is master.side.opposite
    assert copy_order_type(reversed_, reverse=True) is master


@pytest.mark.parametrize("kind", [OrderType.BUY_STOP_LIMIT, OrderType.SELL_STOP_LIMIT])
def test_stop_limits_are_not_reversed(kind):
    assert copy_order_type(kind, reverse=False) is kind
    with pytest.raises(SignalError) as caught:
        copy_order_type(kind, reverse=True)
    assert caught.value.field == "order_type"


def test_order_sides():
    assert OrderType.BUY_STOP_LIMIT.side is Side.BUY
    assert OrderType.SELL_LIMIT.side is Side.SELL


def test_risk_volume_by_hand():
    # 10 000 equity, 1 % risk = 100; EURUSD stop 50 pips (0.00500) away, tick 0.00001 = 1 USD
    # per lot → 500 USD per lot at the stop → 0.2 lots.
    assert risk_volume(D(10000), D(1), D("1.08500"), D("1.08000"), D("0.00001"), D(1)) == D("0.2")
    # XAUUSD: stop 10.00 away, tick 0.01 = 1 USD per lot → 1 000 per lot; 2 % of 5 000 → 0.1.
    assert risk_volume(D(5000), D(2), D("2000.00"), D("2010.00"), D("0.01"), D(1)) == D("0.1")


@pytest.mark.parametrize(
    "args",
    [
        (D(10000), D(1), D("1.085"), D(0), D("0.00001"), D(1)),  # no stop loss
        (D(10000), D(1), D("1.085"), D("1.085"), D("0.00001"), D(1)),  # stop at the price
        (D(0), D(1), D("1.085"), D("1.08"), D("0.00001"), D(1)),
        (D(10000), D(1), D("1.085"), D("1.08"), D(0), D(1)),
        (D(10000), D(1), D("1.085"), D("1.08"), D("0.00001"), D(0)),
        (D(10000), D(0), D("1.085"), D("1.08"), D("0.00001"), D(1)),
    ],
)
def test_risk_volume_cannot_size(args):
    assert risk_volume(*args) is None


money = st.decimals(min_value=D(1), max_value=D(1_000_000), places=2)


@given(
    equity=money,
    pct=st.decimals(min_value=D("0.01"), max_value=D(10), places=2),
    distance=st.decimals(min_value=D("0.00001"), max_value=D(100), places=5),
)
def test_the_loss_at_the_stop_is_the_risk(equity, pct, distance):
    price = D(200)
    volume = risk_volume(equity, pct, price, price - distance, D("0.00001"), D(1))
    assert volume is not None
    loss = volume * distance / D("0.00001")
    assert abs(loss - equity * pct / 100) <= D("1e-10") * (1 + loss)
