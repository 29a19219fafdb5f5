"""plan_close (full and partial) and plan_modify (reversed too)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copytrade.domain.errors import SignalError
from copytrade.domain.lots import SymbolSpec
from copytrade.domain.plan import plan_close, plan_modify

D = Decimal


def spec(vmin: str = "0.01", step: str = "0.01", vmax: str = "100") -> SymbolSpec:
    return SymbolSpec("EURUSD", D(vmin), D(vmax), D(step), 5)


@pytest.mark.parametrize(
    ("master_before", "master_remaining", "copy_open", "copy_original", "symbol_spec", "target"),
    [
        # full close
        ("1.00", "0", "0.50", "0.50", spec(), "0"),
        ("0.10", "0.00", "0.10", "0.10", None, "0"),
        # same fraction: master 0.10 -> 0.05 halves the copy
        ("0.10", "0.05", "0.10", "0.10", spec(), "0.05"),
        ("0.10", "0.05", "0.30", "0.30", spec(), "0.15"),
        ("0.09", "0.03", "0.09", "0.09", spec(), "0.03"),
        ("1.00", "0.40", "2.00", "2.00", spec(), "0.80"),
        # rounding the remainder down to the step
        ("1.00", "0.50", "0.25", "0.25", spec(), "0.12"),
        ("1.00", "0.50", "0.7", "0.7", spec(vmin="0.1", step="0.1"), "0.3"),
        ("3", "2", "5", "5", spec(vmin="1", step="1"), "3"),
        ("1.00", "0.50", "0.25", "0.25", None, "0.12"),
        # a remainder below the symbol minimum (or rounding to 0) closes the copy fully
        ("0.10", "0.05", "0.01", "0.01", spec(), "0"),
        ("1.00", "0.50", "0.15", "0.15", spec(vmin="0.1", step="0.01"), "0"),
        ("1.00", "0.10", "0.05", "0.05", None, "0"),
        # a part to close below the minimum is not closable: the copy stays as it is
        ("1.00", "0.70", "0.30", "0.30", spec(vmin="0.1", step="0.01"), "0.30"),
        # second partial close works on the copy's current volume
        ("0.05", "0.02", "0.05", "0.10", spec(), "0.02"),
        # master closed nothing (or reports more than before): copy unchanged
        ("1.00", "1.00", "0.30", "0.30", spec(), "0.30"),
        ("1.00", "1.20", "0.30", "0.30", spec(), "0.30"),
        # copy already gone
        ("1.00", "0.50", "0", "0.30", spec(), "0"),
    ],
)
def test_plan_close(
    master_before: str,
    master_remaining: str,
    copy_open: str,
    copy_original: str,
    symbol_spec: SymbolSpec | None,
    target: str,
) -> None:
    result = plan_close(
        D(master_before), D(master_remaining), D(copy_open), D(copy_original), symbol_spec
    )
    assert result == D(target)
    assert result <= D(copy_open)


@pytest.mark.parametrize("bad", ["-0.01", "NaN"])
def test_plan_close_rejects_negative_volumes(bad: str) -> None:
    with pytest.raises(SignalError):
        plan_close(D(1), D(bad), D(1), D(1), None)


@pytest.mark.parametrize(
    ("sl", "tp", "reverse", "expected"),
    [
        ("1.0800", "1.0900", False, ("1.0800", "1.0900")),
        ("1.0800", "1.0900", True, ("1.0900", "1.0800")),
        ("0", "1.0900", True, ("1.0900", "0")),
        ("0", "0", True, ("0", "0")),
    ],
)
def test_plan_modify(sl: str, tp: str, reverse: bool, expected: tuple[str, str]) -> None:
    assert plan_modify(D(sl), D(tp), reverse) == (D(expected[0]), D(expected[1]))
