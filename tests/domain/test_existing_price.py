"""Copy existing positions: the one-sided price rule (domain/existing_price.py).

Each row: the follower's side (after reverse), the master's open price, X, the follower
symbol's digits, the follower's market price → whether the symmetric EA check (as the follower
EA and the simulator run it: ``|market - PRICE| > MAX_DEV_POINTS`` refuses) lets it open.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.existing_price import WIDE_POINTS, existing_price_check, worse_by
from copytrade.domain.models import Side

D = Decimal


def ea_allows(price: Decimal, limit: int, market: Decimal, digits: int) -> bool:
    """The follower EA's deviation check (docs/protocol.md §9), rounding to the nearest."""
    if limit == 0 or price <= 0:
        return True
    point = D(1).scaleb(-digits)
    return round(abs(market - price) / point) <= limit


RULES = [
    # side, master, X, digits, follower market, copied?
    (Side.BUY, "1.08450", 50, 5, "1.08450", True),    # same price
    (Side.BUY, "1.08450", 50, 5, "1.08500", True),    # 50 points worse: at the limit
    (Side.BUY, "1.08450", 50, 5, "1.08501", False),   # 51 points worse
    (Side.BUY, "1.08450", 50, 5, "1.08000", True),    # 450 points better: fine
    (Side.BUY, "1.08450", 50, 5, "0.90000", True),    # far better still
    (Side.SELL, "1.08450", 50, 5, "1.08400", True),   # bid 50 below: at the limit
    (Side.SELL, "1.08450", 50, 5, "1.08399", False),  # 51 worse
    (Side.SELL, "1.08450", 50, 5, "1.09000", True),   # 550 better
    (Side.BUY, "2350.10", 30, 2, "2350.40", True),
    (Side.BUY, "2350.10", 30, 2, "2350.41", False),
    (Side.BUY, "2350.10", 30, 2, "2300.00", True),
    (Side.SELL, "2350.10", 30, 2, "2349.79", False),
    (Side.SELL, "2350.10", 30, 2, "2400.00", True),
    (Side.BUY, "0.00060", 5, 5, "0.00065", True),     # tiny price: D shrinks, top stays
    (Side.BUY, "0.00060", 5, 5, "0.00066", False),
    (Side.BUY, "0.00060", 5, 5, "0.00010", True),
]


@pytest.mark.parametrize(("side", "master", "x", "digits", "market", "copied"), RULES)
def test_rule_table(side: Side, master: str, x: int, digits: int, market: str,
                    copied: bool) -> None:
    check = existing_price_check(side, D(master), x, digits)
    assert check.price > 0 and 0 < check.max_deviation_points <= WIDE_POINTS
    assert ea_allows(check.price, check.max_deviation_points, D(market), digits) is copied


def test_a_reversed_copy_is_mirrored() -> None:
    # The master bought at 1.08450; the reversed follower SELLs: its bid may not be more than
    # X below the master's price, and any higher bid is better.
    check = existing_price_check(Side.SELL, D("1.08450"), 20, 5)
    assert ea_allows(check.price, check.max_deviation_points, D("1.08430"), 5)
    assert not ea_allows(check.price, check.max_deviation_points, D("1.08429"), 5)
    assert ea_allows(check.price, check.max_deviation_points, D("1.10000"), 5)


def test_without_a_symbol_spec_the_check_stays_symmetric() -> None:
    check = existing_price_check(Side.BUY, D("1.08450"), 50, None)
    assert (check.price, check.max_deviation_points, check.shift_points) == (D("1.08450"), 50, 0)


def test_worse_by_reads_the_refusal_back() -> None:
    check = existing_price_check(Side.BUY, D("1.26500"), 50, 5)
    seen = round((D("1.27000") - check.price) / D("0.00001"))
    assert worse_by(seen, check.max_deviation_points, 50) == 500
    assert worse_by(35, 20, 20) == 35  # symmetric (no spec): unchanged


def test_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        existing_price_check(Side.BUY, D("1.1"), -1, 5)


@given(side=st.sampled_from([Side.BUY, Side.SELL]),
       master=st.integers(min_value=1, max_value=10**7),
       x=st.integers(min_value=1, max_value=5000),
       digits=st.integers(min_value=0, max_value=5),
       offset=st.integers(min_value=-20000, max_value=20000))
def test_only_a_worse_price_beyond_x_is_refused(side: Side, master: int, x: int, digits: int,
                                                offset: int) -> None:
    point = D(1).scaleb(-digits)
    price = master * point
    market = price + offset * point
    if market <= 0:
        return
    worse = offset if side is Side.BUY else -offset
    check = existing_price_check(side, price, x, digits)
    assert check.price > 0
    assert ea_allows(check.price, check.max_deviation_points, market, digits) is (worse <= x)
