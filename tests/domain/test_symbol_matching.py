"""Master→follower symbol matching: custom map, broker decorations, ambiguity."""

from __future__ import annotations

import pytest

from copytrade.domain.rules import CopyRules
from copytrade.domain.symbols import SymbolIndex, match_symbol, resolve_symbol, symbol_base


@pytest.mark.parametrize(
    ("symbol", "base"),
    [
        ("EURUSD", "EURUSD"),
        ("EURUSD.m", "EURUSD"),
        ("EURUSDm", "EURUSD"),
        ("EURUSDM", "EURUSD"),
        ("GBPUSD.pro", "GBPUSD"),
        ("GBPUSDpro", "GBPUSD"),
        ("EURUSD-ecn", "EURUSD"),
        ("EURUSD_i", "EURUSD"),
        ("EURUSD.raw", "EURUSD"),
        ("XAUUSD#", "XAUUSD"),
        ("EURUSD+", "EURUSD"),
        ("EURUSD.a", "EURUSD"),
        ("EURUSD.c", "EURUSD"),
        ("EURUSDmicro", "EURUSD"),
        ("#US30", "US30"),
        (".US30", "US30"),
        ("US30.cash", "US30"),
        ("US30cash", "US30"),
        ("GOLDm", "GOLD"),
        ("eurusd", "EURUSD"),
        ("BTCUSDT", "BTCUSDT"),
        ("DJ30", "DJ30"),
        ("#", "#"),
    ],
)
def test_symbol_base(symbol: str, base: str) -> None:
    assert symbol_base(symbol) == base


@pytest.mark.parametrize(
    ("master", "symbol_map", "follower", "expected"),
    [
        # The examples.
        ("EURUSD.m", "", ["EURUSDm", "GBPUSDm"], "EURUSDm"),
        ("GBPUSD", "", ["EURUSD.pro", "GBPUSD.pro"], "GBPUSD.pro"),
        ("XAUUSD", "", ["XAUUSD#", "XAGUSD#"], "XAUUSD#"),
        ("EURUSDm", "", ["EURUSD", "GBPUSD"], "EURUSD"),
        ("US30", "US30=DJ30", ["DJ30", "US30"], "DJ30"),
        ("US30", "US30=DJ30", [], "DJ30"),
        ("US30", "US30=DJ30", ["US30", "GER40"], None),
        ("EURUSD", "", ["EURUSD", "EURUSD.pro"], "EURUSD"),
        # Exact wins, then case-insensitive, then the plain base among decorated candidates.
        ("EURUSD.pro", "", ["EURUSD", "EURUSD.pro"], "EURUSD.pro"),
        ("eurusd", "", ["EURUSD.pro"], "EURUSD.pro"),
        ("EURUSD.m", "", ["EURUSD", "EURUSD.pro"], "EURUSD"),
        ("EURUSD.m", "", ["EURUSD.a", "EURUSD.b"], None),
        ("EURUSD", "", ["GBPUSD", "USDJPY"], None),
        ("#US30", "", ["US30.cash"], "US30.cash"),
        # No list reported: the master symbol (or its mapped name) unchanged.
        ("EURUSD.m", "", [], "EURUSD.m"),
        # Map keys match the master exactly or by base; targets are matched like symbols.
        ("XAUUSD.m", "XAUUSD=GOLD", ["GOLD", "SILVER"], "GOLD"),
        ("XAUUSD", "XAUUSD=GOLD", ["GOLD.pro"], "GOLD.pro"),
        ("XAUUSD.m", "XAUUSD=GOLD, XAUUSD.m=GOLDm", ["GOLD", "GOLDm"], "GOLDm"),
        ("EURUSD", "XAUUSD=GOLD", ["EURUSD.pro"], "EURUSD.pro"),
    ],
)
def test_resolve_symbol(
    master: str, symbol_map: str, follower: list[str], expected: str | None
) -> None:
    rules = CopyRules(symbol_map=symbol_map)
    assert resolve_symbol(master, rules, follower) == expected
    assert resolve_symbol(master, rules, SymbolIndex(follower)) == expected


def test_ambiguous_match_lists_candidates() -> None:
    match = match_symbol("EURUSD.m", {}, ["EURUSD.b", "EURUSD.a", "GBPUSD"])
    assert match.symbol is None
    assert match.candidates == ("EURUSD.a", "EURUSD.b")


def test_map_miss_reports_target() -> None:
    match = match_symbol("US30", {"US30": "DJ30"}, ["US30"])
    assert match.symbol is None
    assert match.mapped_to == "DJ30"
    assert match.candidates == ()
