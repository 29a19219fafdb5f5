"""``copy_target`` (engine/closing.py) without PostgreSQL or TCP: a rule table of closing-deal
histories, and properties over random ones (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.lots import SymbolSpec
from copytrade.engine.closing import copy_target

D = Decimal
LOT = SymbolSpec("EURUSD", volume_min=D("0.10"), volume_max=D("100"), volume_step=D("0.01"))

# copy opened, master opened, master's remaining lots after each closing deal, spec -> target
RULES = [
    pytest.param("0.30", "1.00", [], None, "0.30", id="no-closing-deal-keeps-the-copy"),
    pytest.param("0.30", "1.00", ["0"], None, "0", id="full-close-closes-the-copy"),
    pytest.param("1.00", "2.00", ["1.00"], None, "0.50", id="half-close-halves-the-copy"),
    pytest.param("0.30", "1.00", ["0.50", "0.25"], None, "0.07",
                 id="two-partials-replayed-in-order-rounded-down"),
    pytest.param("0.30", "1.00", ["1.00", "0.50", "0.50"], None, "0.15",
                 id="a-deal-that-closes-nothing-is-skipped"),
    pytest.param("0.30", "1.00", ["1.20"], None, "0.30",
                 id="a-remainder-above-the-opening-is-clamped"),
    pytest.param("0.30", "1.00", ["0.50", "0.80"], None, "0.15",
                 id="the-remainder-never-rises-again"),
    pytest.param("0.30", "1.00", ["0", "0.50"], None, "0", id="nothing-after-a-full-close"),
    pytest.param("0.15", "1.00", ["0.50"], LOT, "0",
                 id="a-rest-below-volume-min-closes-fully"),
    pytest.param("1.00", "1.00", ["0.95"], LOT, "1.00",
                 id="a-part-below-volume-min-is-not-closed-yet"),
    pytest.param("1.00", "1.00", ["0.95", "0.50"], LOT, "0.52",
                 id="and-follows-on-the-next-close-from-the-copy-as-held"),
    pytest.param("0.07", "0.10", ["0.05"], None, "0.03", id="no-spec-rounds-down-to-0.01"),
]


@pytest.mark.parametrize(("opened", "master", "remainders", "spec", "want"), RULES)
def test_rule_table(opened, master, remainders, spec, want) -> None:
    got = copy_target(D(opened), D(master), [D(r) for r in remainders], spec)
    assert got == D(want)


def test_remainders_may_be_any_iterable_read_once() -> None:
    assert copy_target(D("1.00"), D("2.00"), iter([D("1.00")]), None) == D("0.50")


def test_a_negative_remainder_is_refused() -> None:
    from copytrade.domain.errors import SignalError

    with pytest.raises(SignalError):
        copy_target(D("1.00"), D("1.00"), [D("-0.5")], None)


lots = st.integers(1, 10_000).map(lambda n: D(n) / 100)


@st.composite
def histories(draw):
    master = draw(lots)
    cents = int(master * 100)
    remainders = draw(st.lists(st.integers(0, cents + 50).map(lambda n: D(n) / 100),
                               max_size=8))
    opened = draw(st.integers(1, 100_000).map(lambda n: D(n) / 1000))  # may be off the step
    return opened, master, remainders, draw(st.sampled_from([None, LOT]))


@given(histories())
def test_the_target_is_between_zero_and_the_opening_and_on_the_step(h) -> None:
    opened, master, remainders, spec = h
    got = copy_target(opened, master, remainders, spec)
    assert 0 <= got <= opened
    assert got == opened or got % D("0.01") == 0


@given(histories())
def test_without_volume_limits_the_copy_never_keeps_more_than_its_share(h) -> None:
    opened, master, remainders, _spec = h
    lowest = min([master, *remainders])
    assert copy_target(opened, master, remainders, None) <= opened * lowest / master


@given(histories(), lots)
def test_a_further_close_never_raises_the_target(h, extra) -> None:
    opened, master, remainders, spec = h
    assert copy_target(opened, master, [*remainders, extra], spec) <= \
        copy_target(opened, master, remainders, spec)


@given(histories())
def test_replaying_a_deal_twice_changes_nothing_and_a_full_close_ends_at_zero(h) -> None:
    """Stored history may carry a deal twice (a resend); the target depends on facts only."""
    opened, master, remainders, spec = h
    doubled = [r for r in remainders for _ in (0, 1)]
    assert copy_target(opened, master, doubled, spec) == \
        copy_target(opened, master, remainders, spec)
    assert copy_target(opened, master, [*remainders, D(0)], spec) == 0
