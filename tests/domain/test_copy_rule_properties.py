"""Hypothesis properties of the copy rules: caps, minimums, steps, symmetry, no invention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.lots import SymbolSpec
from copytrade.domain.models import LotMode, Side
from copytrade.domain.plan import MasterOpenSignal, OpenOrder, plan_close, plan_modify, plan_open
from copytrade.domain.rules import CopyRules, FollowerView
from copytrade.domain.symbols import (
    format_symbol_map,
    parse_symbol_map,
    resolve_symbol,
    symbol_base,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

steps = st.sampled_from([Decimal("0.001"), Decimal("0.01"), Decimal("0.1"), Decimal(1)])
volumes = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2)
factors = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3)
equities = st.none() | st.decimals(min_value=Decimal(-1000), max_value=Decimal(10**7), places=2)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal(100000), places=5)

decorations = st.sampled_from(
    ["", ".m", "m", ".pro", "pro", "-ecn", "_i", ".raw", "#", "+", ".a", ".c", ".cash", "micro"]
)
bases = st.sampled_from(["EURUSD", "GBPUSD", "XAUUSD", "USDJPY", "US30", "GER40", "GOLD", "BTCUSD"])
symbol_chars = st.sampled_from(
    list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._#+-")
)
raw_symbols = st.text(symbol_chars, min_size=1, max_size=32)
decorated = st.builds(
    lambda prefix, base, suffix: prefix + base + suffix,
    st.sampled_from(["", "#", "."]),
    bases,
    decorations,
)
any_symbol = decorated | raw_symbols


@st.composite
def symbol_specs(draw: st.DrawFn, name: str) -> SymbolSpec:
    step = draw(steps)
    vmin = step * draw(st.integers(min_value=1, max_value=10))
    vmax = vmin + step * draw(st.integers(min_value=0, max_value=5000))
    return SymbolSpec(name, vmin, vmax, step, 5)


@st.composite
def rules(draw: st.DrawFn) -> CopyRules:
    return CopyRules(
        lot_mode=draw(st.sampled_from(LotMode)),
        lot_value=draw(factors),
        reverse=draw(st.booleans()),
        max_lot=draw(
            st.none() | st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)
        ),
    )


@given(rules(), volumes, equities, equities, st.data())
def test_order_volume_respects_cap_step_and_symbol_limits(
    copy_rules: CopyRules,
    master_volume: Decimal,
    follower_equity: Decimal | None,
    master_equity: Decimal | None,
    data: st.DataObject,
) -> None:
    spec = data.draw(st.none() | symbol_specs("EURUSD"))
    symbols = {} if spec is None else {"EURUSD": spec}
    signal = MasterOpenSignal(
        7,
        "EURUSD",
        Side.BUY,
        Decimal("1.1"),
        master_volume,
        Decimal(0),
        Decimal(0),
        NOW - timedelta(seconds=1),
    )
    result = plan_open(
        signal, FollowerView(copy_rules, symbols, follower_equity), master_equity, NOW
    )
    if not isinstance(result, OpenOrder):
        return
    step = Decimal("0.01") if spec is None else spec.volume_step
    assert result.volume > 0
    assert result.volume % step == 0
    if copy_rules.max_lot is not None:
        assert result.volume <= copy_rules.max_lot
    if spec is not None:
        assert spec.volume_min <= result.volume <= spec.volume_max


@given(st.sampled_from(Side), prices, prices, st.booleans())
def test_reverse_twice_is_identity(side: Side, sl: Decimal, tp: Decimal, reverse: bool) -> None:
    assert side.opposite.opposite is side
    assert plan_modify(*plan_modify(sl, tp, reverse), reverse) == (sl, tp)


@given(st.sampled_from(Side), prices, prices)
def test_reversed_open_is_mirror_of_plain_open(side: Side, sl: Decimal, tp: Decimal) -> None:
    signal = MasterOpenSignal(1, "EURUSD", side, Decimal("1.1"), Decimal(1), sl, tp, NOW)
    plain = plan_open(signal, FollowerView(CopyRules()), None, NOW)
    mirrored = plan_open(signal, FollowerView(CopyRules(reverse=True)), None, NOW)
    assert isinstance(plain, OpenOrder) and isinstance(mirrored, OpenOrder)
    assert mirrored.side is plain.side.opposite
    assert (mirrored.sl, mirrored.tp) == (plain.tp, plain.sl)
    assert (mirrored.price, mirrored.volume) == (plain.price, plain.volume)


@given(
    any_symbol,
    st.lists(any_symbol, min_size=1, max_size=12),
    st.dictionaries(any_symbol, any_symbol, max_size=3),
)
def test_resolve_never_invents_a_symbol(
    master: str, follower: list[str], symbol_map: dict[str, str]
) -> None:
    try:
        copy_rules = CopyRules(symbol_map=symbol_map)
    except ValueError:
        return  # keys equal ignoring case: rejected by design
    found = resolve_symbol(master, copy_rules, follower)
    assert found is None or found in follower


@given(any_symbol, st.lists(decorations, min_size=1, max_size=4, unique=True))
def test_decorations_of_one_base_resolve_when_plain_base_present(
    master: str, suffixes: list[str]
) -> None:
    base = symbol_base(master)
    follower = [base, *(base + s for s in suffixes)]
    assert resolve_symbol(master, CopyRules(), follower) in (base, master)


@given(any_symbol)
def test_symbol_base_is_upper_case_and_never_empty(symbol: str) -> None:
    base = symbol_base(symbol)
    assert base and base == base.upper()


@given(st.dictionaries(raw_symbols, raw_symbols, max_size=10))
def test_symbol_map_text_round_trips(mapping: dict[str, str]) -> None:
    if len({key.upper() for key in mapping}) != len(mapping):
        return
    assert parse_symbol_map(format_symbol_map(mapping)) == mapping


@given(volumes, st.data(), st.booleans())
def test_close_target_never_exceeds_copy_and_full_close_is_zero(
    master_before: Decimal, data: st.DataObject, with_spec: bool
) -> None:
    remaining = data.draw(st.decimals(min_value=Decimal(0), max_value=master_before, places=2))
    copy_open = data.draw(volumes)
    spec = data.draw(symbol_specs("EURUSD")) if with_spec else None
    target = plan_close(master_before, remaining, copy_open, copy_open, spec)
    assert 0 <= target <= copy_open
    assert plan_close(master_before, Decimal(0), copy_open, copy_open, spec) == 0
    if target not in (0, copy_open):
        step = Decimal("0.01") if spec is None else spec.volume_step
        assert target % step == 0
        assert spec is None or target >= spec.volume_min
