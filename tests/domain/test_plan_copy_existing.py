"""plan_open(existing=True): copying a master's open trades on a new follow or a resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from copytrade.domain.errors import RuleError
from copytrade.domain.models import PairStatus, Side, StaleOpenPolicy
from copytrade.domain.plan import MasterOpenSignal, OpenOrder, Skip, SkipCode, plan_open
from copytrade.domain.rules import CopyRules, FollowerView

D = Decimal
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def signal(age_s: float) -> MasterOpenSignal:
    return MasterOpenSignal(ticket=9, symbol="EURUSD", side=Side.BUY, price=D("1.0845"),
                            volume=D("0.1"), sl=D(0), tp=D(0),
                            opened_at=NOW - timedelta(seconds=age_s))


def plan(age_s: float, *, existing: bool = True, **rules: object) -> OpenOrder | Skip:
    settings = {"copy_existing": True, "copy_existing_max_age_minutes": 30,
                "copy_existing_max_points": 40, "max_deviation_points": 5, **rules}
    view = FollowerView(CopyRules(**settings))  # type: ignore[arg-type]
    return plan_open(signal(age_s), view, None, NOW, catching_up=True, existing=existing)


@pytest.mark.parametrize(
    ("age_s", "existing", "rules", "expected"),
    [
        (10, True, {}, 5),                         # fresh: an ordinary copy, its own limit
        (600, True, {}, 40),                       # existing, 10 min: X points
        (1800, True, {}, 40),                      # exactly N minutes is still in
        (1801, True, {}, "EXPIRED"),               # older: the ordinary rule
        (600, False, {}, "EXPIRED"),               # not a new follow / resume
        (600, True, {"copy_existing": False}, "EXPIRED"),   # switched off
        (7200, True, {"stale_open_policy": "MARKET"}, 0),   # too old: the stale policy
    ],
)
def test_rule_table(age_s: float, existing: bool, rules: dict[str, object],
                    expected: int | str) -> None:
    result = plan(age_s, existing=existing, **rules)
    if isinstance(expected, str):
        assert isinstance(result, Skip) and result.status is PairStatus.EXPIRED
        assert result.code is SkipCode.EXPIRED
        return
    assert isinstance(result, OpenOrder), result
    assert result.max_deviation_points == expected
    assert result.price == D("1.0845")   # the master's open price: the EA checks against it
    assert result.late is (expected == 0)


def test_defaults_are_off_60_minutes_100_points() -> None:
    rules = CopyRules()
    assert (rules.copy_existing, rules.copy_existing_max_age_minutes,
            rules.copy_existing_max_points) == (False, 60, 100)
    assert rules.stale_open_policy is StaleOpenPolicy.SKIP


@pytest.mark.parametrize(
    ("field", "value"),
    [("copy_existing", "yes"), ("copy_existing", 1),
     ("copy_existing_max_age_minutes", 0), ("copy_existing_max_age_minutes", 10081),
     ("copy_existing_max_points", 0), ("copy_existing_max_points", 100001),
     ("copy_existing_max_points", "x")],
)
def test_bad_settings_name_the_field(field: str, value: object) -> None:
    with pytest.raises(RuleError) as caught:
        CopyRules(**{field: value})  # type: ignore[arg-type]
    assert caught.value.field == field
