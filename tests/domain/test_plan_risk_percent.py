"""plan_open in RISK_PERCENT mode: sized on the copy's stop loss, skipped when it cannot be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.errors import RuleError, SymbolSpecError
from copytrade.domain.lots import SymbolSpec, sized_volume
from copytrade.domain.models import LotMode, Side
from copytrade.domain.plan import MasterOpenSignal, OpenOrder, Skip, SkipCode, plan_open
from copytrade.domain.rules import CopyRules, FollowerView

D = Decimal
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def eurusd(tick_size: str | None = "0.00001", tick_value: str | None = "1",
           vmin: str = "0.01", vmax: str = "100") -> SymbolSpec:
    return SymbolSpec("EURUSD", D(vmin), D(vmax), D("0.01"), 5,
                      tick_size=None if tick_size is None else D(tick_size),
                      tick_value=None if tick_value is None else D(tick_value))


def signal(sl: str = "1.08000", tp: str = "1.09500", side: Side = Side.BUY) -> MasterOpenSignal:
    return MasterOpenSignal(ticket=7, symbol="EURUSD", side=side, price=D("1.08500"),
                            volume=D("3"), sl=D(sl), tp=D(tp),
                            opened_at=NOW - timedelta(seconds=1))


def plan(percent: str = "1", *, spec: SymbolSpec | None = None, equity: str | None = "10000",
         reverse: bool = False, max_lot: str | None = None,
         sig: MasterOpenSignal | None = None) -> OpenOrder | Skip:
    rules = CopyRules(lot_mode="RISK_PERCENT", lot_value=percent, reverse=reverse,
                      max_lot=max_lot)
    spec = eurusd() if spec is None else spec
    view = FollowerView(rules, {spec.name: spec}, None if equity is None else D(equity))
    return plan_open(sig or signal(), view, D("999999"), NOW)


def test_sized_on_the_stop_whatever_the_master_traded() -> None:
    # 1 % of 10 000 = 100 USD; the stop is 500 ticks of 1 USD per lot away → 0.2 lots.
    result = plan()
    assert isinstance(result, OpenOrder)
    assert result.volume == D("0.20") and result.sl == D("1.08") and result.side is Side.BUY


@pytest.mark.parametrize(
    ("percent", "equity", "tick_value", "expected"),
    [
        ("2", "10000", "1", "0.40"),
        ("0.5", "10000", "1", "0.10"),
        ("1", "2500", "1", "0.05"),
        ("1", "10000", "0.5", "0.40"),        # cheaper ticks, more lots
        ("1", "10000", "3", "0.06"),          # 0.0666… rounds down, never up
        ("100", "1000000", "1", "100.00"),    # clamped to the symbol's volume_max
    ],
)
def test_rule_table(percent: str, equity: str, tick_value: str, expected: str) -> None:
    result = plan(percent, equity=equity, spec=eurusd(tick_value=tick_value))
    assert isinstance(result, OpenOrder), result
    assert result.volume == D(expected)


def test_max_lot_caps_the_risk_size() -> None:
    result = plan("2", max_lot="0.25")
    assert isinstance(result, OpenOrder) and result.volume == D("0.25")


def test_reverse_sizes_on_the_level_that_becomes_the_copys_stop() -> None:
    # Reversed, the master's TP 1.09500 (1 000 ticks away) is the SELL copy's stop loss.
    result = plan(reverse=True)
    assert isinstance(result, OpenOrder)
    assert result.side is Side.SELL and result.sl == D("1.095") and result.volume == D("0.10")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sig": signal(sl="0")}, SkipCode.NO_STOP_LOSS),
        ({"sig": signal(sl="1.08500")}, SkipCode.NO_STOP_LOSS),   # a stop at the price
        ({"sig": signal(tp="0"), "reverse": True}, SkipCode.NO_STOP_LOSS),
        ({"spec": eurusd(tick_size=None)}, SkipCode.NO_SYMBOL_INFO),
        ({"spec": eurusd(tick_value=None)}, SkipCode.NO_SYMBOL_INFO),
        ({"equity": None}, SkipCode.NO_EQUITY),
        ({"equity": "0"}, SkipCode.NO_EQUITY),
        ({"equity": "10", "spec": eurusd(vmin="0.1")}, SkipCode.VOLUME_BELOW_SYMBOL_MIN),
    ],
)
def test_skips_with_a_reason(kwargs: dict[str, object], code: SkipCode) -> None:
    result = plan(**kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Skip), result
    assert result.code is code and result.reason


def test_a_symbol_the_ea_never_reported_is_unmatched_not_guessed() -> None:
    rules = CopyRules(lot_mode="RISK_PERCENT", lot_value="1")
    # No symbol list at all: the name passes through, but there are no tick figures.
    result = plan_open(signal(), FollowerView(rules, {}, D(10000)), None, NOW)
    assert isinstance(result, Skip) and result.code is SkipCode.NO_SYMBOL_INFO


@pytest.mark.parametrize("bad", ["100.01", "150"])
def test_risk_percent_is_at_most_100(bad: str) -> None:
    with pytest.raises(RuleError) as caught:
        CopyRules(lot_mode="RISK_PERCENT", lot_value=bad)
    assert caught.value.field == "lot_value"
    # The same value is a fine multiplier.
    assert CopyRules(lot_mode="MULTIPLIER", lot_value=bad).lot_value == D(bad)


@pytest.mark.parametrize("field", ["tick_size", "tick_value"])
@pytest.mark.parametrize("bad", ["0", "-1", "NaN"])
def test_symbol_spec_refuses_bad_tick_figures(field: str, bad: str) -> None:
    with pytest.raises(SymbolSpecError) as caught:
        SymbolSpec("EURUSD", D("0.01"), D(100), D("0.01"), 5, **{field: D(bad)})
    assert caught.value.field == field


def test_sized_volume_does_not_guess_a_risk_size() -> None:
    with pytest.raises(ValueError, match="risk_volume"):
        sized_volume(LotMode.RISK_PERCENT, D(1), D(1))


@given(
    percent=st.decimals(min_value=D("0.01"), max_value=D(100), places=2),
    equity=st.decimals(min_value=D(1), max_value=D(10_000_000), places=2),
    ticks_away=st.integers(min_value=1, max_value=100_000),
    tick_value=st.decimals(min_value=D("0.01"), max_value=D(100), places=2),
)
def test_a_copy_never_risks_more_than_its_percent(
    percent: Decimal, equity: Decimal, ticks_away: int, tick_value: Decimal
) -> None:
    stop = D("1.08500") - ticks_away * D("0.00001")
    if stop <= 0:
        return
    result = plan(str(percent), equity=str(equity), spec=eurusd(tick_value=str(tick_value)),
                  sig=signal(sl=str(stop)))
    if isinstance(result, Skip):
        assert result.code in {SkipCode.VOLUME_BELOW_SYMBOL_MIN, SkipCode.VOLUME_ROUNDS_TO_ZERO}
        return
    loss_at_stop = result.volume * ticks_away * tick_value
    assert loss_at_stop <= equity * percent / 100
