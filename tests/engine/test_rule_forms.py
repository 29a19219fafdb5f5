"""The rules converter (engine/rule_forms.py): every form round-trips, without PostgreSQL.

Stored columns, the API's JSON (through the API's own strict structuring), and the ``RULES``
line (through the real encoder and parser) all come back as the rules they started from.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.api.schemas import RulesIn, RulesOut
from copytrade.api.validation import structure, unstructure
from copytrade.db.models import FollowerRules
from copytrade.domain.errors import DomainError, RuleError
from copytrade.domain.models import LotMode, StaleOpenPolicy
from copytrade.domain.rules import (
    MAX_COPY_EXISTING_MINUTES,
    MAX_DEVIATION_POINTS,
    MAX_EXPIRY_SECONDS,
    MAX_RISK_PERCENT,
    CopyRules,
)
from copytrade.engine import rule_forms
from copytrade.protocol import Direction, Rules, encode, parse

D = Decimal

symbols = st.text(
    st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._#+-")),
    min_size=1, max_size=32)
lots = st.decimals(min_value=D("0.0001"), max_value=D(100_000), places=4)
points = st.integers(0, MAX_DEVIATION_POINTS)


@st.composite
def copy_rules(draw: st.DrawFn) -> CopyRules:
    """Any rules the domain accepts (and the API and the wire can carry: 4 decimals)."""
    lot_mode = draw(st.sampled_from(LotMode))
    lot_value = draw(lots)
    if lot_mode is LotMode.RISK_PERCENT:
        lot_value = min(lot_value, MAX_RISK_PERCENT)
    keys = draw(st.lists(symbols, max_size=5, unique_by=str.upper))
    names = draw(st.lists(symbols, max_size=8, unique_by=str.upper))
    split = draw(st.integers(0, len(names)))
    return CopyRules(
        lot_mode=lot_mode, lot_value=lot_value, reverse=draw(st.booleans()),
        min_lot_to_copy=draw(st.just(D(0)) | lots), max_lot=draw(st.none() | lots),
        symbol_map={k: draw(symbols) for k in keys},
        allowed_symbols=names[:split], blocked_symbols=names[split:],
        signal_expiry_seconds=draw(st.integers(1, MAX_EXPIRY_SECONDS)),
        max_deviation_points=draw(points),
        stale_open_policy=draw(st.sampled_from(StaleOpenPolicy)),
        copy_existing=draw(st.booleans()),
        copy_existing_max_age_minutes=draw(st.integers(1, MAX_COPY_EXISTING_MINUTES)),
        copy_existing_max_points=draw(st.integers(1, MAX_DEVIATION_POINTS)),
        max_spread_points=draw(points),
    )


def _through_the_api(stored: FollowerRules) -> dict[str, Any]:
    """``RulesOut`` as JSON text, read back as a ``RulesIn`` request: the fields it sets."""
    shown = json.loads(json.dumps(unstructure(RulesOut(**rule_forms.api_fields(stored)))))
    del shown["updated_at"]
    request = structure(shown, RulesIn)
    return {k: v for k, v in attrs.asdict(request, recurse=False).items()}


@given(copy_rules())
def test_stored_rules_read_back_as_the_same_rules(rules: CopyRules) -> None:
    stored = rule_forms.to_stored(rules)
    assert stored.rules_updated_at is None
    assert rule_forms.from_stored(stored) == rules
    assert rule_forms.to_stored(rule_forms.from_stored(stored)) == stored


@given(copy_rules(), copy_rules())
def test_what_the_api_shows_puts_back_the_same_rules(rules: CopyRules,
                                                      other: CopyRules) -> None:
    sent = _through_the_api(rule_forms.to_stored(rules))
    assert rule_forms.merged(rule_forms.to_stored(other), sent) == rules


@given(copy_rules(), st.sampled_from([f.name for f in attrs.fields(RulesIn)]))
def test_a_field_left_out_of_a_put_keeps_its_stored_value(rules: CopyRules, left: str) -> None:
    stored = rule_forms.to_stored(rules)
    sent = _through_the_api(rule_forms.to_stored(CopyRules()))
    del sent[left]
    merged = rule_forms.merged(stored, sent)
    assert getattr(merged, left) == getattr(rules, left)


@given(copy_rules())
def test_the_rules_line_carries_its_five_fields(rules: CopyRules) -> None:
    line = encode(rule_forms.to_wire(rules))
    assert b", " not in line  # the wire's map has no blanks
    for direction in Direction:
        msg = parse(line, direction)
        assert isinstance(msg, Rules) and msg.lot_mode is rules.lot_mode
        assert rule_forms.from_wire(msg) == CopyRules(
            lot_mode=rules.lot_mode, lot_value=rules.lot_value, reverse=rules.reverse,
            min_lot_to_copy=rules.min_lot_to_copy, symbol_map=rules.symbol_map)
        assert rule_forms.to_wire(rule_forms.from_wire(msg)) == rule_forms.to_wire(rules)


def test_every_form_spells_the_fields_alike() -> None:
    names = {f.name for f in attrs.fields(CopyRules)}
    assert {f.name for f in attrs.fields(RulesIn)} == names
    assert {f.name for f in attrs.fields(RulesOut)} == names | {"updated_at"}
    assert {f.name for f in attrs.fields(FollowerRules)} == names | {"rules_updated_at"}
    assert rule_forms.to_stored(CopyRules()) == FollowerRules()  # the defaults agree
    assert rule_forms.from_stored(FollowerRules()) == CopyRules()


def test_stored_rules_the_domain_refuses_fall_back_to_the_defaults() -> None:
    for bad in (FollowerRules(lot_value=D(-1)), FollowerRules(signal_expiry_seconds=0),
                FollowerRules(lot_mode=LotMode.RISK_PERCENT, lot_value=D(101)),
                FollowerRules(allowed_symbols=("EURUSD",), blocked_symbols=("eurusd",)),
                FollowerRules(symbol_map={"A": "B|C"})):
        assert rule_forms.from_stored(bad) == CopyRules()


@pytest.mark.parametrize(("changes", "field"), [
    ({"signal_expiry_seconds": 0}, "signal_expiry_seconds"),
    ({"lot_mode": "DOUBLE"}, "lot_mode"),
    ({"symbol_map": "XAUUSD"}, "symbol_map"),
    ({"allowed_symbols": ["EUR USD"]}, "allowed_symbols"),
    ({"lot_mode": "RISK_PERCENT", "lot_value": D(101)}, "lot_value"),
])
def test_a_refused_api_change_names_the_public_field(changes: dict[str, Any],
                                                     field: str) -> None:
    with pytest.raises(DomainError) as info:
        rule_forms.merged(FollowerRules(), changes)
    assert info.value.field == field


def test_rules_from_an_ea_the_domain_refuses_name_the_field() -> None:
    with pytest.raises(RuleError) as info:
        rule_forms.from_wire(Rules(LotMode.RISK_PERCENT, D(150), False, D(0), ""))
    assert info.value.field == "lot_value"
