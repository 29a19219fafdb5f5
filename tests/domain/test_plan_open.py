"""plan_open: one table per rule, realistic figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from copytrade.domain.errors import SignalError
from copytrade.domain.lots import SymbolSpec
from copytrade.domain.models import LotMode, PairStatus, Side, StaleOpenPolicy
from copytrade.domain.plan import MasterOpenSignal, OpenOrder, Skip, SkipCode, plan_open
from copytrade.domain.rules import CopyRules, FollowerView

D = Decimal
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def spec(name: str, vmin: str = "0.01", vmax: str = "100", step: str = "0.01") -> SymbolSpec:
    return SymbolSpec(name, D(vmin), D(vmax), D(step), 5)


def signal(
    symbol: str = "EURUSD",
    side: Side = Side.BUY,
    volume: str = "1.00",
    age: float = 1.0,
    sl: str = "1.08000",
    tp: str = "1.09000",
) -> MasterOpenSignal:
    return MasterOpenSignal(
        ticket=1001,
        symbol=symbol,
        side=side,
        price=D("1.08500"),
        volume=D(volume),
        sl=D(sl),
        tp=D(tp),
        opened_at=NOW - timedelta(seconds=age),
    )


def view(rules: CopyRules, *specs: SymbolSpec, equity: str | None = None) -> FollowerView:
    return FollowerView(rules, {s.name: s for s in specs}, None if equity is None else D(equity))


def order(result: OpenOrder | Skip) -> OpenOrder:
    assert isinstance(result, OpenOrder), result
    return result


def skip(result: OpenOrder | Skip) -> Skip:
    assert isinstance(result, Skip), result
    return result


@pytest.mark.parametrize(
    ("rules", "master_volume", "follower_equity", "master_equity", "expected"),
    [
        (CopyRules(lot_mode=LotMode.FIXED, lot_value=D("0.10")), "2.50", None, None, "0.10"),
        (CopyRules(lot_mode=LotMode.FIXED, lot_value=D("0.10")), "0.01", None, None, "0.10"),
        (CopyRules(lot_mode=LotMode.MULTIPLIER, lot_value=D("1")), "0.37", None, None, "0.37"),
        (CopyRules(lot_mode=LotMode.MULTIPLIER, lot_value=D("2")), "0.37", None, None, "0.74"),
        (CopyRules(lot_mode=LotMode.MULTIPLIER, lot_value=D("0.5")), "0.37", None, None, "0.18"),
        # equity ratio: 5 000 / 20 000 x 1.00 = 0.25
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO), "1.00", "5000", "20000", "0.25"),
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO, lot_value=D(2)), "1.00", "5000", "20000", "0.50"),
        # 12 345.67 / 10 000 x 0.30 = 0.37037 -> 0.37
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO), "0.30", "12345.67", "10000", "0.37"),
        # fallback: a missing or non-positive equity counts as ratio 1
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO), "0.30", None, "10000", "0.30"),
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO), "0.30", "5000", None, "0.30"),
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO), "0.30", "5000", "0", "0.30"),
        (CopyRules(lot_mode=LotMode.EQUITY_RATIO), "0.30", "-150", "10000", "0.30"),
        # max lot caps after sizing
        (CopyRules(lot_value=D(3), max_lot=D("1.5")), "1.00", None, None, "1.50"),
        (CopyRules(lot_mode=LotMode.FIXED, lot_value=D(5), max_lot=D(2)), "1", None, None, "2"),
        (CopyRules(lot_value=D(3), max_lot=D("1.555")), "1.00", None, None, "1.55"),
    ],
)
def test_lot_modes(
    rules: CopyRules,
    master_volume: str,
    follower_equity: str | None,
    master_equity: str | None,
    expected: str,
) -> None:
    follower = view(rules, spec("EURUSD"), equity=follower_equity)
    result = order(
        plan_open(
            signal(volume=master_volume),
            follower,
            None if master_equity is None else D(master_equity),
            NOW,
        )
    )
    assert result.volume == D(expected)


@pytest.mark.parametrize(
    ("lot_value", "symbol_spec", "expected"),
    [
        ("0.567", spec("EURUSD", step="0.01"), "0.56"),
        ("0.567", spec("EURUSD", vmin="0.1", step="0.1"), "0.5"),
        ("2.99", spec("EURUSD", vmin="1", step="1"), "2"),
        ("150", spec("EURUSD", vmax="50"), "50"),
        ("150", spec("EURUSD", vmax="50.005", step="0.01"), "50.00"),
        ("0.015", spec("EURUSD", vmin="0.01", step="0.005"), "0.015"),
        ("0.567", None, "0.56"),
    ],
)
def test_rounding_down_to_step_and_max(
    lot_value: str, symbol_spec: SymbolSpec | None, expected: str
) -> None:
    rules = CopyRules(lot_mode=LotMode.FIXED, lot_value=D(lot_value))
    specs = () if symbol_spec is None else (symbol_spec,)
    result = order(plan_open(signal(), view(rules, *specs), None, NOW))
    assert result.volume == D(expected)


@pytest.mark.parametrize(
    ("rules", "symbol_spec", "code"),
    [
        (CopyRules(lot_value=D("0.5")), spec("EURUSD", vmin="0.01"), None),
        (CopyRules(lot_value=D("0.005")), spec("EURUSD", vmin="0.01"), "VOLUME_BELOW_SYMBOL_MIN"),
        (
            CopyRules(lot_value=D("0.09")),
            spec("EURUSD", vmin="0.1", step="0.1"),
            "VOLUME_BELOW_SYMBOL_MIN",
        ),
        (
            CopyRules(lot_value=D("0.5")),
            spec("EURUSD", vmin="1", step="1"),
            "VOLUME_BELOW_SYMBOL_MIN",
        ),
        # cap below the broker minimum: skip, never round up past the cap
        (
            CopyRules(max_lot=D("0.05")),
            spec("EURUSD", vmin="0.1", step="0.1"),
            "VOLUME_BELOW_SYMBOL_MIN",
        ),
        (CopyRules(lot_value=D("0.009")), None, "VOLUME_ROUNDS_TO_ZERO"),
    ],
)
def test_below_symbol_minimum_is_skipped(
    rules: CopyRules, symbol_spec: SymbolSpec | None, code: str | None
) -> None:
    specs = () if symbol_spec is None else (symbol_spec,)
    result = plan_open(signal(volume="1.00"), view(rules, *specs), None, NOW)
    if code is None:
        assert isinstance(result, OpenOrder)
    else:
        s = skip(result)
        assert s.status is PairStatus.SKIPPED
        assert s.code == code
        assert "lots" in s.reason


def test_minimum_reason_names_symbol_and_minimum() -> None:
    rules = CopyRules(lot_value=D("0.05"))
    s = skip(plan_open(signal(), view(rules, spec("EURUSD", vmin="0.1", step="0.1")), None, NOW))
    assert s.reason == "The copy would be 0.05 lots, below EURUSD's minimum of 0.1 (step 0.1)."


@pytest.mark.parametrize(
    ("side", "reverse", "expected_side", "expected_sl", "expected_tp"),
    [
        (Side.BUY, False, Side.BUY, "1.08000", "1.09000"),
        (Side.BUY, True, Side.SELL, "1.09000", "1.08000"),
        (Side.SELL, True, Side.BUY, "1.09000", "1.08000"),
    ],
)
def test_reverse(
    side: Side, reverse: bool, expected_side: Side, expected_sl: str, expected_tp: str
) -> None:
    result = order(plan_open(signal(side=side), view(CopyRules(reverse=reverse)), None, NOW))
    assert result.side is expected_side
    assert (result.sl, result.tp) == (D(expected_sl), D(expected_tp))
    assert result.price == D("1.08500")


def test_reverse_keeps_missing_levels_missing() -> None:
    rules = CopyRules(reverse=True)
    result = order(plan_open(signal(sl="0", tp="1.09000"), view(rules), None, NOW))
    assert (result.sl, result.tp) == (D("1.09000"), D(0))


@pytest.mark.parametrize(
    ("master_volume", "minimum", "copied"),
    [("0.05", "0.10", False), ("0.10", "0.10", True), ("0.11", "0.10", True), ("0.01", "0", True)],
)
def test_min_lot_to_copy(master_volume: str, minimum: str, copied: bool) -> None:
    rules = CopyRules(min_lot_to_copy=D(minimum))
    result = plan_open(signal(volume=master_volume), view(rules), None, NOW)
    if copied:
        assert isinstance(result, OpenOrder)
    else:
        s = skip(result)
        assert s.code == SkipCode.BELOW_MIN_LOT_TO_COPY
        assert s.reason == ("The master traded 0.05 lots, below this follower's minimum of 0.1.")


@pytest.mark.parametrize(
    ("age", "expired"),
    [(0, False), (29.999, False), (30, False), (30.001, True), (3600, True), (-5, False)],
)
def test_expiry_boundary(age: float, expired: bool) -> None:
    result = plan_open(signal(age=age), view(CopyRules(signal_expiry_seconds=30)), None, NOW)
    if expired:
        s = skip(result)
        assert s.status is PairStatus.EXPIRED
        assert s.code == SkipCode.EXPIRED
        assert "30 s" in s.reason
    else:
        assert isinstance(result, OpenOrder)


def test_expiry_is_checked_first() -> None:
    rules = CopyRules(min_lot_to_copy=D(10), blocked_symbols={"EURUSD"})
    assert skip(plan_open(signal(age=60), view(rules), None, NOW)).code == SkipCode.EXPIRED


@pytest.mark.parametrize(
    ("policy", "catching_up", "late"),
    [
        (StaleOpenPolicy.SKIP, False, None),
        (StaleOpenPolicy.SKIP, True, None),
        (StaleOpenPolicy.MARKET, False, None),
        (StaleOpenPolicy.MARKET, True, True),
    ],
)
def test_stale_open_policy_applies_only_when_catching_up(
    policy: StaleOpenPolicy, catching_up: bool, late: bool | None
) -> None:
    rules = CopyRules(stale_open_policy=policy, max_deviation_points=20)
    result = plan_open(signal(age=300), view(rules), None, NOW, catching_up=catching_up)
    if late is None:
        assert skip(result).status is PairStatus.EXPIRED
    else:
        o = order(result)
        assert o.late is True
        assert o.max_deviation_points == 0


def test_deviation_travels_with_fresh_order() -> None:
    result = order(plan_open(signal(), view(CopyRules(max_deviation_points=30)), None, NOW))
    assert result.max_deviation_points == 30
    assert result.late is False


@pytest.mark.parametrize(
    ("master", "rules", "follower_symbols", "outcome"),
    [
        ("EURUSD.m", CopyRules(), ["EURUSDm", "GBPUSDm"], "EURUSDm"),
        ("GBPUSD", CopyRules(), ["GBPUSD.pro"], "GBPUSD.pro"),
        ("XAUUSD", CopyRules(symbol_map="XAUUSD=GOLD"), ["GOLD"], "GOLD"),
        ("US30", CopyRules(symbol_map="US30=DJ30"), ["US30"], SkipCode.SYMBOL_UNMATCHED),
        ("USDJPY", CopyRules(), ["EURUSD"], SkipCode.SYMBOL_UNMATCHED),
        ("EURUSD", CopyRules(), ["EURUSD.a", "EURUSD.b"], SkipCode.SYMBOL_AMBIGUOUS),
        # blocked: by the master's base, by the follower's name; block beats allow
        ("EURUSD.m", CopyRules(blocked_symbols={"EURUSD"}), ["EURUSDm"], SkipCode.SYMBOL_BLOCKED),
        (
            "XAUUSD",
            CopyRules(symbol_map="XAUUSD=GOLD", blocked_symbols={"gold"}),
            ["GOLD"],
            SkipCode.SYMBOL_BLOCKED,
        ),
        ("XAUUSD", CopyRules(blocked_symbols={"XAUUSD"}), ["EURUSD"], SkipCode.SYMBOL_BLOCKED),
        # allowed: master base or follower symbol on the list
        ("EURUSD.m", CopyRules(allowed_symbols={"EURUSD"}), ["EURUSDm"], "EURUSDm"),
        ("XAUUSD", CopyRules(symbol_map="XAUUSD=GOLD", allowed_symbols={"GOLD"}), ["GOLD"], "GOLD"),
        ("GBPUSD", CopyRules(allowed_symbols={"EURUSD"}), ["GBPUSD"], SkipCode.SYMBOL_NOT_ALLOWED),
        ("EURUSD", CopyRules(allowed_symbols={"eurusd"}), [], "EURUSD"),
    ],
)
def test_symbols(master: str, rules: CopyRules, follower_symbols: list[str], outcome: str) -> None:
    follower = view(rules, *(spec(name) for name in follower_symbols))
    result = plan_open(signal(symbol=master), follower, None, NOW)
    if isinstance(outcome, SkipCode):
        s = skip(result)
        assert s.status is PairStatus.SKIPPED
        assert s.code == outcome
        assert s.reason.endswith(".")
    else:
        assert order(result).symbol == outcome


def test_skip_reasons_are_readable() -> None:
    ambiguous = skip(
        plan_open(
            signal(symbol="EURUSD"),
            view(CopyRules(), spec("EURUSD.a"), spec("EURUSD.b")),
            None,
            NOW,
        )
    )
    assert ambiguous.reason == (
        "EURUSD matches several follower symbols (EURUSD.a, EURUSD.b); "
        "add a symbol map entry to choose one."
    )
    mapped = skip(
        plan_open(
            signal(symbol="US30"), view(CopyRules(symbol_map="US30=DJ30"), spec("US30")), None, NOW
        )
    )
    assert mapped.reason == (
        "The symbol map sends US30 to DJ30, which this follower's broker does not offer."
    )
    blocked = skip(plan_open(signal(), view(CopyRules(blocked_symbols={"EURUSD"})), None, NOW))
    assert blocked.reason == "EURUSD is on this follower's blocked list."
    assert blocked.code == "SYMBOL_BLOCKED"  # codes are plain strings too


def test_uses_the_resolved_symbols_spec() -> None:
    rules = CopyRules(lot_value=D("0.37"))
    follower = view(rules, spec("EURUSD.pro", vmin="0.1", step="0.1"), spec("GBPUSD.pro"))
    result = order(plan_open(signal(symbol="EURUSD"), follower, None, NOW))
    assert (result.symbol, result.volume) == ("EURUSD.pro", D("0.3"))


def test_time_must_be_aware() -> None:
    with pytest.raises(SignalError):
        signal_naive = MasterOpenSignal(
            1, "EURUSD", Side.BUY, D(1), D(1), D(0), D(0), datetime(2025, 1, 1)
        )
        del signal_naive
    with pytest.raises(SignalError):
        plan_open(signal(), view(CopyRules()), None, datetime(2025, 3, 14, 9, 30))


def test_other_timezones_compare_correctly() -> None:
    tz = timezone(timedelta(hours=7))
    now_bangkok = NOW.astimezone(tz)
    assert isinstance(plan_open(signal(age=10), view(CopyRules()), None, now_bangkok), OpenOrder)


def test_signal_volume_must_be_positive() -> None:
    with pytest.raises(SignalError):
        signal(volume="0")


def test_volume_is_written_with_the_steps_decimals() -> None:
    result = order(plan_open(signal(volume="0.3"), view(CopyRules(), spec("EURUSD")), None, NOW))
    assert str(result.volume) == "0.30"
