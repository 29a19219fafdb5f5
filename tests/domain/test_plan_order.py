"""plan_order: a master's pending order → the follower's pending copy, or why not."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.errors import SignalError
from copytrade.domain.lots import SymbolSpec
from copytrade.domain.pending import (
    MasterPendingOrder,
    OrderSkip,
    OrderType,
    PendingCopy,
    check_stoplimit,
    plan_order,
    resize_copy,
)
from copytrade.domain.rules import CopyRules, FollowerView

D = Decimal
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SPECS = {"EURUSD.m": SymbolSpec("EURUSD.m", D("0.01"), D("100"), D("0.01"), 5)}


def order(order_type: OrderType = OrderType.BUY_LIMIT, volume: str = "0.10",
          stoplimit: str = "0", **kw: object) -> MasterPendingOrder:
    fields: dict[str, object] = dict(
        ticket=7001, symbol="EURUSD", order_type=order_type, price=D("1.08"),
        volume=D(volume), sl=D("1.07"), tp=D("1.09"), stoplimit=D(stoplimit),
        expiration_ms=1893456000000)
    fields.update(kw)
    return MasterPendingOrder(**fields)  # type: ignore[arg-type]


def view(**rules: object) -> FollowerView:
    return FollowerView(CopyRules(**rules), SPECS, None)  # type: ignore[arg-type]


def test_copy_keeps_price_expiration_and_maps_the_symbol() -> None:
    plan = plan_order(order(), view(lot_mode="MULTIPLIER", lot_value="2"), None, NOW)
    assert plan == PendingCopy(symbol="EURUSD.m", order_type=OrderType.BUY_LIMIT,
                               volume=D("0.2"), price=D("1.08"), sl=D("1.07"), tp=D("1.09"),
                               stoplimit=D("0"), expiration_ms=1893456000000)


@pytest.mark.parametrize(("master", "copy"), [
    (OrderType.BUY_LIMIT, OrderType.SELL_STOP), (OrderType.SELL_LIMIT, OrderType.BUY_STOP),
    (OrderType.BUY_STOP, OrderType.SELL_LIMIT), (OrderType.SELL_STOP, OrderType.BUY_LIMIT)])
def test_reversed_copy_same_price_swapped_levels(master: OrderType, copy: OrderType) -> None:
    plan = plan_order(order(master), view(reverse=True), None, NOW)
    assert isinstance(plan, PendingCopy)
    assert (plan.order_type, plan.price, plan.sl, plan.tp) == (copy, D("1.08"), D("1.09"),
                                                               D("1.07"))
    assert plan.order_type.side is master.side.opposite


@pytest.mark.parametrize("kind", [OrderType.BUY_STOP_LIMIT, OrderType.SELL_STOP_LIMIT])
def test_stop_limit_copied_straight_but_not_reversed(kind: OrderType) -> None:
    straight = plan_order(order(kind, stoplimit="1.079"), view(), None, NOW)
    assert isinstance(straight, PendingCopy) and straight.stoplimit == D("1.079")
    skip = plan_order(order(kind, stoplimit="1.079"), view(reverse=True), None, NOW)
    assert isinstance(skip, OrderSkip) and skip.code == "ORDER_NOT_REVERSIBLE"


@pytest.mark.parametrize(("rules", "code"), [
    ({"min_lot_to_copy": "0.5"}, "BELOW_MIN_LOT_TO_COPY"),
    ({"blocked_symbols": ["EURUSD"]}, "SYMBOL_BLOCKED"),
    ({"allowed_symbols": ["GBPUSD"]}, "SYMBOL_NOT_ALLOWED"),
    ({"lot_mode": "MULTIPLIER", "lot_value": "0.01"}, "VOLUME_BELOW_SYMBOL_MIN"),
])
def test_same_skips_as_a_market_copy(rules: dict[str, object], code: str) -> None:
    plan = plan_order(order(), view(**rules), None, NOW)
    assert isinstance(plan, OrderSkip) and plan.code == code and plan.reason


def test_unmatched_symbol_is_skipped() -> None:
    plan = plan_order(order(symbol="XAUUSD"), view(), None, NOW)
    assert isinstance(plan, OrderSkip) and plan.code == "SYMBOL_UNMATCHED"


def test_an_old_order_is_never_expired() -> None:
    """A pending order lives until the master's order ends: no signal-expiry check."""
    plan = plan_order(order(), view(signal_expiry_seconds=1), None, datetime(2030, 1, 1,
                                                                               tzinfo=UTC))
    assert isinstance(plan, PendingCopy)


def test_stoplimit_rule() -> None:
    check_stoplimit(OrderType.BUY_STOP_LIMIT, D("1.07"))
    check_stoplimit(OrderType.BUY_LIMIT, D("0"))
    with pytest.raises(SignalError) as info:
        check_stoplimit(OrderType.SELL_STOP_LIMIT, D("0"))
    assert info.value.field == "stoplimit"
    with pytest.raises(SignalError):
        check_stoplimit(OrderType.SELL_STOP, D("1.07"))


@given(st.sampled_from([OrderType.BUY_LIMIT, OrderType.SELL_LIMIT, OrderType.BUY_STOP,
                        OrderType.SELL_STOP]),
       st.decimals(min_value=D("0.01"), max_value=D("50"), places=2), st.booleans())
def test_a_copy_is_in_the_master_direction_or_its_opposite(kind: OrderType, volume: Decimal,
                                                           reverse: bool) -> None:
    plan = plan_order(order(kind, volume=str(volume)), view(reverse=reverse), None, NOW)
    assert isinstance(plan, PendingCopy)
    assert plan.price == D("1.08")
    assert plan.order_type.side is (kind.side.opposite if reverse else kind.side)
    assert plan.volume == volume  # MULTIPLIER 1 within the symbol's limits


# --- resize_copy: the master's order volume changed (CMD_ORDER_MODIFY with VOLUME) ----------

_SPEC = SymbolSpec("EURUSD", Decimal("0.01"), Decimal("1"), Decimal("0.01"))


@pytest.mark.parametrize(("copy", "before", "now", "spec", "want"), [
    ("0.20", "0.10", "0.06", _SPEC, "0.12"),     # in proportion
    ("0.20", "0.10", "0.15", _SPEC, "0.30"),     # grows too
    ("0.05", "0.30", "0.10", _SPEC, "0.01"),     # 0.01666 rounds down to the step
    ("0.02", "0.30", "0.10", _SPEC, None),       # 0.00666: below the minimum: removed
    ("0.80", "0.10", "0.20", _SPEC, "1"),        # clamped to the symbol's maximum
    ("0.20", "0.10", "0.06", None, "0.12"),      # no spec: step 0.01
    ("0.20", "0", "0.06", _SPEC, None),          # nothing to scale from
])
def test_resize_copy_rule_table(copy, before, now, spec, want) -> None:
    got = resize_copy(Decimal(copy), Decimal(before), Decimal(now), spec)
    assert got == (None if want is None else Decimal(want))
