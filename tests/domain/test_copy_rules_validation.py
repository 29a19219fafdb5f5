"""CopyRules validation, symbol-map parsing and SymbolSpec checks: bad input → a field error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copytrade.domain.errors import RuleError, SymbolSpecError
from copytrade.domain.lots import SymbolSpec
from copytrade.domain.models import LotMode, StaleOpenPolicy
from copytrade.domain.rules import CopyRules
from copytrade.domain.symbols import (
    SymbolMap,
    format_symbol_map,
    parse_symbol_list,
    parse_symbol_map,
)


def test_defaults() -> None:
    rules = CopyRules()
    assert rules.lot_mode is LotMode.MULTIPLIER
    assert rules.lot_value == Decimal(1)
    assert rules.reverse is False
    assert rules.min_lot_to_copy == 0
    assert rules.max_lot is None
    assert dict(rules.symbol_map) == {}
    assert rules.allowed_symbols == frozenset()
    assert rules.blocked_symbols == frozenset()
    assert rules.signal_expiry_seconds == 30
    assert rules.max_deviation_points == 0
    assert rules.stale_open_policy is StaleOpenPolicy.SKIP


def test_text_forms_are_accepted() -> None:
    rules = CopyRules(
        lot_mode="EQUITY_RATIO",
        lot_value="0.5",
        reverse="true",
        max_lot="2",
        symbol_map="XAUUSD=GOLD, US30=DJ30",
        allowed_symbols="EURUSD, XAUUSD",
        blocked_symbols=["GBPJPY"],
        signal_expiry_seconds="60",
        stale_open_policy="MARKET",
    )
    assert rules.lot_mode is LotMode.EQUITY_RATIO
    assert rules.lot_value == Decimal("0.5")
    assert rules.reverse is True
    assert rules.max_lot == Decimal(2)
    assert dict(rules.symbol_map) == {"XAUUSD": "GOLD", "US30": "DJ30"}
    assert rules.allowed_symbols == {"EURUSD", "XAUUSD"}
    assert rules.blocked_symbols == {"GBPJPY"}
    assert rules.signal_expiry_seconds == 60
    assert rules.stale_open_policy is StaleOpenPolicy.MARKET


def test_rules_are_hashable_and_compare_by_value() -> None:
    a = CopyRules(symbol_map="XAUUSD=GOLD", blocked_symbols={"US30"})
    b = CopyRules(symbol_map={"XAUUSD": "GOLD"}, blocked_symbols=["US30"])
    assert a == b
    assert hash(a) == hash(b)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lot_value": Decimal(0)}, "lot_value"),
        ({"lot_value": Decimal("-0.1")}, "lot_value"),
        ({"lot_value": "abc"}, "lot_value"),
        ({"lot_value": "NaN"}, "lot_value"),
        ({"lot_value": "Infinity"}, "lot_value"),
        ({"lot_value": True}, "lot_value"),
        ({"max_lot": Decimal(0)}, "max_lot"),
        ({"max_lot": Decimal("-1")}, "max_lot"),
        ({"min_lot_to_copy": Decimal("-0.01")}, "min_lot_to_copy"),
        ({"signal_expiry_seconds": 0}, "signal_expiry_seconds"),
        ({"signal_expiry_seconds": 86_401}, "signal_expiry_seconds"),
        ({"signal_expiry_seconds": "soon"}, "signal_expiry_seconds"),
        ({"signal_expiry_seconds": 1.5}, "signal_expiry_seconds"),
        ({"max_deviation_points": -1}, "max_deviation_points"),
        ({"max_deviation_points": 100_001}, "max_deviation_points"),
        ({"max_spread_points": -1}, "max_spread_points"),
        ({"max_spread_points": 100_001}, "max_spread_points"),
        ({"max_spread_points": "wide"}, "max_spread_points"),
        ({"max_spread_points": 2.5}, "max_spread_points"),
        ({"lot_mode": "DOUBLE"}, "lot_mode"),
        ({"stale_open_policy": "LATER"}, "stale_open_policy"),
        ({"reverse": "yes please"}, "reverse"),
        ({"reverse": 1}, "reverse"),
        ({"allowed_symbols": "EURUSD, EUR/USD"}, "allowed_symbols"),
        ({"blocked_symbols": ["X" * 33]}, "blocked_symbols"),
        ({"blocked_symbols": 5}, "blocked_symbols"),
        ({"allowed_symbols": {"XAUUSD"}, "blocked_symbols": {"xauusd"}}, "blocked_symbols"),
        ({"symbol_map": "XAUUSD"}, "symbol_map"),
        ({"symbol_map": {"XAUUSD": ""}}, "symbol_map"),
        ({"symbol_map": ["AB"]}, "symbol_map"),
        ({"symbol_map": 42}, "symbol_map"),
    ],
)
def test_invalid_setting_names_its_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(RuleError) as caught:
        CopyRules(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert caught.value.message


@pytest.mark.parametrize(("expiry", "deviation"), [(1, 0), (86_400, 100_000), (30, 50)])
def test_range_limits_are_inclusive(expiry: int, deviation: int) -> None:
    rules = CopyRules(signal_expiry_seconds=expiry, max_deviation_points=deviation)
    assert (rules.signal_expiry_seconds, rules.max_deviation_points) == (expiry, deviation)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("XAUUSD=GOLD", {"XAUUSD": "GOLD"}),
        ("XAUUSD=GOLD, US30=DJ30", {"XAUUSD": "GOLD", "US30": "DJ30"}),
        (
            "  XAUUSD = GOLD ;US30=DJ30\nGER40=DE40.cash,",
            {"XAUUSD": "GOLD", "US30": "DJ30", "GER40": "DE40.cash"},
        ),
        (
            "EURUSD.m=EURUSD#, #US30=US30_i, BTC-USD=BTCUSD+",
            {"EURUSD.m": "EURUSD#", "#US30": "US30_i", "BTC-USD": "BTCUSD+"},
        ),
    ],
)
def test_parse_symbol_map(text: str, expected: dict[str, str]) -> None:
    parsed = parse_symbol_map(text)
    assert parsed == expected
    assert parse_symbol_map(format_symbol_map(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("XAUUSD", "no '='"),
        ("XAUUSD=GOLD, US30", "entry 2"),
        ("XAUUSD=GOLD=AU", "more than one '='"),
        ("=GOLD", "no master symbol"),
        ("XAUUSD=", "no follower symbol"),
        ("XAUUSD=GO LD", "not a symbol name"),
        ("XAU/USD=GOLD", "not a symbol name"),
        ("XAUUSD=GOLD, XAUUSD=XAU", "again"),
        ("XAUUSD=GOLD, xauusd=XAU", "again"),
        ("A" * 33 + "=GOLD", "not a symbol name"),
        ("XAUUSD=GÖLD", "not a symbol name"),
    ],
)
def test_malformed_symbol_map(text: str, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_symbol_map(text)
    assert caught.value.field == "symbol_map"
    assert fragment in caught.value.message


def test_symbol_map_entry_limit() -> None:
    text = ", ".join(f"S{i}=T{i}" for i in range(501))
    with pytest.raises(RuleError, match="500"):
        parse_symbol_map(text)


def test_symbol_map_value_keeps_order_and_formats() -> None:
    mapping = SymbolMap([("XAUUSD", "GOLD"), ("US30", "DJ30")])
    assert list(mapping) == ["XAUUSD", "US30"]
    assert format_symbol_map(mapping) == "XAUUSD=GOLD, US30=DJ30"
    assert mapping == {"XAUUSD": "GOLD", "US30": "DJ30"}
    assert "XAUUSD=GOLD" in repr(mapping)


def test_parse_symbol_list() -> None:
    assert parse_symbol_list(" EURUSD,XAUUSD;US30\nGER40 ") == {"EURUSD", "XAUUSD", "US30", "GER40"}
    assert parse_symbol_list("") == frozenset()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"volume_step": Decimal(0)}, "volume_step"),
        ({"volume_step": Decimal("-0.01")}, "volume_step"),
        ({"volume_min": Decimal("-0.01")}, "volume_min"),
        ({"volume_max": Decimal("0.001")}, "volume_max"),
        ({"digits": 11}, "digits"),
        ({"digits": -1}, "digits"),
    ],
)
def test_invalid_symbol_spec(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "name": "EURUSD",
        "volume_min": Decimal("0.01"),
        "volume_max": Decimal(100),
        "volume_step": Decimal("0.01"),
        "digits": 5,
    }
    values.update(kwargs)
    with pytest.raises(SymbolSpecError) as caught:
        SymbolSpec(**values)  # type: ignore[arg-type]
    assert caught.value.field == field
