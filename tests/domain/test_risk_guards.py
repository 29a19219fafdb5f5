"""Risk guards (copytrade.domain.risk): rule tables, properties and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.domain.errors import RuleError
from copytrade.domain.risk import (
    PRESETS,
    AccountFigures,
    Blocked,
    Control,
    CopyBlock,
    DrawdownBase,
    Exposure,
    GuardAction,
    GuardKind,
    Limit,
    RiskLimits,
    TradingHours,
    Window,
    advance,
    check_new_copy,
    evaluate_account,
    next_day_start,
    start_baseline,
)

D = Decimal
T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Bangkok


def report(equity: str, balance: str = "10000", margin: str = "0", at: datetime = T0):
    return AccountFigures(D(balance), D(equity), D(margin), at)


def kinds(trips):
    return [t.kind for t in trips]


# --- account guards ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("equity", "tripped"),
    [("9000.00", False), ("8999.99", True), ("9000.01", False), ("-5", True)],
)
def test_equity_floor_trips_strictly_below(equity, tripped):
    limits = RiskLimits(equity_floor=Limit(D(9000)))
    base = start_baseline(report("10000"), "UTC")
    trips = evaluate_account(limits, base, report(equity), "UTC")
    assert kinds(trips) == ([GuardKind.EQUITY_FLOOR] if tripped else [])
    if tripped:
        assert trips[0].value == D(equity)
        assert trips[0].limit == D(9000)
        assert trips[0].holds_until is None  # until the trader resets it
        assert trips[0].action is GuardAction.CLOSE_ONLY


@pytest.mark.parametrize(
    ("base", "peak_first", "equity", "tripped"),
    [
        (DrawdownBase.START_BALANCE, "12000", "9000", True),  # 10 % of 10 000
        (DrawdownBase.START_BALANCE, "12000", "9000.01", False),
        (DrawdownBase.EQUITY_PEAK, "12000", "10800", True),  # 10 % of 12 000
        (DrawdownBase.EQUITY_PEAK, "12000", "10800.01", False),
    ],
)
def test_drawdown_from_start_balance_or_peak(base, peak_first, equity, tripped):
    limits = RiskLimits(max_drawdown_pct=Limit(D(10)), drawdown_from=base)
    baseline = start_baseline(report("10000"), "UTC")
    baseline = advance(baseline, report(peak_first, at=T0 + timedelta(minutes=1)), "UTC")
    later = report(equity, at=T0 + timedelta(minutes=2))
    baseline = advance(baseline, later, "UTC")
    trips = evaluate_account(limits, baseline, later, "UTC")
    assert kinds(trips) == ([GuardKind.DRAWDOWN] if tripped else [])


def test_daily_loss_counts_realised_and_floating_from_the_day_open():
    # Day opens at 10 000 balance with 10 200 equity: the day's figure is 10 200 (the higher).
    limits = RiskLimits(
        daily_loss=Limit(D(500), GuardAction.CLOSE_ALL_AND_PAUSE), day_timezone="Asia/Bangkok"
    )
    tz = "Asia/Bangkok"
    baseline = start_baseline(report("10200", balance="10000"), tz)
    assert baseline.day_open == D(10200)
    # A closed loss of 300 (balance 9 700) and a floating loss of 400 (equity 9 300): 900 lost.
    later = report("9700", balance="9700", at=T0 + timedelta(hours=1))
    baseline = advance(baseline, later, tz)
    assert kinds(evaluate_account(limits, baseline, later, tz)) == [GuardKind.DAILY_LOSS]
    trip = evaluate_account(limits, baseline, later, tz)[0]
    assert trip.value == D(500)
    # Holds until the next midnight in Bangkok (17:00 UTC).
    assert trip.holds_until == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    assert trip.holds(datetime(2026, 12, 2, 16, 59, tzinfo=UTC))
    assert not trip.holds(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))


def test_a_new_day_reopens_the_daily_figure():
    tz = "Asia/Bangkok"
    limits = RiskLimits(daily_loss_pct=Limit(D(5)))
    baseline = start_baseline(report("10000"), tz)
    down = report("9600", at=T0 + timedelta(hours=2))  # -4 %
    baseline = advance(baseline, down, tz)
    assert evaluate_account(limits, baseline, down, tz) == []
    # After Bangkok midnight the day opens at 9 600: 9 150 is -4.69 %, no trip ...
    next_day = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    baseline = advance(baseline, report("9600", balance="9600", at=next_day), tz)
    assert baseline.day_open == D(9600)
    dip = report("9150", balance="9600", at=next_day + timedelta(hours=1))
    baseline = advance(baseline, dip, tz)
    assert evaluate_account(limits, baseline, dip, tz) == []
    # ... and 9 120 is exactly -5 %: reached, trips.
    deeper = report("9120", balance="9600", at=next_day + timedelta(hours=2))
    baseline = advance(baseline, deeper, tz)
    assert kinds(evaluate_account(limits, baseline, deeper, tz)) == [GuardKind.DAILY_LOSS_PCT]


def test_daily_profit_target_and_margin_level():
    limits = RiskLimits(
        daily_profit_target=Limit(D(300)),
        margin_level_floor=Limit(D(200), GuardAction.SKIP_NEW),
    )
    baseline = start_baseline(report("10000"), "UTC")
    up = report("10300", margin="150")
    baseline = advance(baseline, up, "UTC")
    trips = evaluate_account(limits, baseline, up, "UTC")
    assert kinds(trips) == [GuardKind.DAILY_PROFIT_TARGET, GuardKind.MARGIN_LEVEL]
    margin = trips[1]
    assert margin.action is GuardAction.SKIP_NEW and margin.holds_until is None
    # No positions (margin level 0) never trips the floor.
    flat = report("10000", margin="0")
    assert (
        evaluate_account(RiskLimits(margin_level_floor=Limit(D(200))), baseline, flat, "UTC") == []
    )


def test_next_day_start_is_dst_safe():
    # New York leaves DST on 2026-11-01: the day after 2026-10-31 starts at 04:00 UTC,
    # the day after 2026-11-01 at 05:00 UTC.
    before = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    assert next_day_start(before, "America/New_York") == datetime(2026, 11, 1, 4, tzinfo=UTC)
    after = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert next_day_start(after, "America/New_York") == datetime(2026, 11, 2, 5, tzinfo=UTC)


# --- new copies -------------------------------------------------------------------------------


def test_switches_come_first():
    limits = RiskLimits()
    for control, code in (
        (Control.PAUSED, CopyBlock.PAUSED),
        (Control.CLOSE_ONLY, CopyBlock.CLOSE_ONLY),
    ):
        blocked = check_new_copy(limits, control, [], Exposure(), "EURUSD", D("0.1"), T0)
        assert isinstance(blocked, Blocked) and blocked.code is code
    assert check_new_copy(limits, Control.ACTIVE, [], Exposure(), "EURUSD", D("0.1"), T0) is None


def test_a_latched_trip_blocks_until_it_ends():
    limits = RiskLimits(daily_loss=Limit(D(100)))
    baseline = start_baseline(report("10000"), "UTC")
    down = report("9850")
    [trip] = evaluate_account(limits, baseline, down, "UTC")
    blocked = check_new_copy(limits, Control.ACTIVE, [trip], Exposure(), "EURUSD", D(1), T0)
    assert blocked is not None and blocked.code is CopyBlock.RISK_TRIPPED
    assert blocked.guard is GuardKind.DAILY_LOSS
    tomorrow = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    assert (
        check_new_copy(limits, Control.ACTIVE, [trip], Exposure(), "EURUSD", D(1), tomorrow) is None
    )


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        # Bangkok window 22:00-02:00 on Mon-Fri; T0-based UTC times converted.
        (datetime(2026, 12, 2, 15, 30, tzinfo=UTC), True),  # Wed 22:30 Bangkok
        (datetime(2026, 12, 2, 18, 30, tzinfo=UTC), True),  # Thu 01:30, window began Wed
        (datetime(2026, 12, 2, 19, 0, tzinfo=UTC), False),  # Thu 02:00: the end is exclusive
        (datetime(2026, 12, 5, 18, 30, tzinfo=UTC), False),  # Sun 01:30, window began Sat
        (datetime(2026, 12, 4, 18, 30, tzinfo=UTC), True),  # Sat 01:30, window began Fri
        (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), False),  # Wed 17:00
    ],
)
def test_trading_hours_with_a_window_over_midnight(now, allowed):
    hours = TradingHours(
        days=frozenset(range(5)), windows=(Window(time(22), time(2)),), timezone="Asia/Bangkok"
    )
    assert hours.allows(now) is allowed
    limits = RiskLimits(trading_hours=hours)
    blocked = check_new_copy(limits, Control.ACTIVE, [], Exposure(), "EURUSD", D(1), now)
    assert (blocked is None) is allowed
    if not allowed:
        assert blocked is not None and blocked.code is CopyBlock.OUTSIDE_TRADING_HOURS


def test_exposure_caps_count_the_new_copy():
    limits = RiskLimits(max_open_copies=3, max_total_lots=D("1.0"), max_symbol_lots=D("0.5"))
    exposure = Exposure(2, D("0.6"), {"EURUSD": D("0.4")})
    ok = check_new_copy(limits, Control.ACTIVE, [], exposure, "GBPUSD", D("0.4"), T0)
    assert ok is None
    cases = [
        (Exposure(3, D("0"), {}), "GBPUSD", D("0.1"), CopyBlock.MAX_OPEN_COPIES),
        (exposure, "GBPUSD", D("0.41"), CopyBlock.MAX_TOTAL_LOTS),
        (exposure, "EURUSD", D("0.11"), CopyBlock.MAX_SYMBOL_LOTS),
    ]
    for exp, symbol, volume, code in cases:
        blocked = check_new_copy(limits, Control.ACTIVE, [], exp, symbol, volume, T0)
        assert blocked is not None and blocked.code is code, (symbol, volume)
        assert blocked.reason


lots = st.decimals(min_value=D("0.01"), max_value=D(50), places=2)


@given(
    cap_total=lots,
    cap_symbol=lots,
    cap_count=st.integers(1, 20),
    held=st.dictionaries(st.sampled_from(["EURUSD", "GBPUSD", "XAUUSD"]), lots, max_size=3),
    extra_copies=st.integers(0, 20),
    symbol=st.sampled_from(["EURUSD", "GBPUSD", "XAUUSD"]),
    volume=lots,
)
def test_no_copy_is_allowed_past_a_cap(
    cap_total, cap_symbol, cap_count, held, extra_copies, symbol, volume
):
    limits = RiskLimits(
        max_open_copies=cap_count, max_total_lots=cap_total, max_symbol_lots=cap_symbol
    )
    total = sum(held.values(), D(0))
    exposure = Exposure(len(held) + extra_copies, total, held)
    blocked = check_new_copy(limits, Control.ACTIVE, [], exposure, symbol, volume, T0)
    if blocked is None:
        assert exposure.open_copies + 1 <= cap_count
        assert total + volume <= cap_total
        assert held.get(symbol, D(0)) + volume <= cap_symbol


@given(
    volume=lots,
    equity=st.decimals(min_value=D(-1000), max_value=D(100000), places=2),
    control=st.sampled_from([Control.CLOSE_ONLY, Control.PAUSED]),
)
def test_close_only_and_paused_never_open(volume, equity, control):
    limits = RiskLimits(equity_floor=Limit(D(1)))
    baseline = start_baseline(report("10000"), "UTC")
    trips = evaluate_account(limits, baseline, report(str(equity)), "UTC")
    assert check_new_copy(limits, control, trips, Exposure(), "EURUSD", volume, T0) is not None


@given(equity=st.decimals(min_value=D(0), max_value=D(20000), places=2))
def test_a_tripped_guard_never_lets_a_copy_open(equity):
    limits = RiskLimits(equity_floor=Limit(D(9000)), max_drawdown_pct=Limit(D(10)))
    baseline = start_baseline(report("10000"), "UTC")
    fig = report(str(equity))
    baseline = advance(baseline, fig, "UTC")
    trips = evaluate_account(limits, baseline, fig, "UTC")
    blocked = check_new_copy(limits, Control.ACTIVE, trips, Exposure(), "EURUSD", D(1), T0)
    assert (blocked is None) == (equity > D(9000))


# --- presets and bad input --------------------------------------------------------------------


def test_presets_are_valid_limits():
    standard = PRESETS["prop_firm_standard"]
    assert standard.daily_loss_pct == Limit(D(5), GuardAction.CLOSE_ALL_AND_PAUSE)
    assert standard.max_drawdown_pct == Limit(D(10), GuardAction.CLOSE_ALL_AND_PAUSE)
    assert all(isinstance(p, RiskLimits) for p in PRESETS.values())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"equity_floor": Limit(D(0))}, "equity_floor"),
        ({"equity_floor": Limit(D("100.001"))}, "equity_floor"),
        ({"daily_loss": Limit(D("NaN"))}, "daily_loss"),
        ({"daily_loss": Limit(D("1e13"))}, "daily_loss"),
        ({"max_drawdown_pct": Limit(D(0))}, "max_drawdown_pct"),
        ({"max_drawdown_pct": Limit(D("100.01"))}, "max_drawdown_pct"),
        ({"daily_loss_pct": Limit(D("5.001"))}, "daily_loss_pct"),
        ({"margin_level_floor": Limit(D(-1))}, "margin_level_floor"),
        ({"day_timezone": "Mars/Olympus"}, "day_timezone"),
        ({"day_timezone": "../../etc/passwd"}, "day_timezone"),
        ({"max_open_copies": 0}, "max_open_copies"),
        ({"max_total_lots": D("0.00001")}, "max_total_lots"),
        ({"max_symbol_lots": D(-1)}, "max_symbol_lots"),
    ],
)
def test_bad_limits_name_their_field(kwargs, field):
    with pytest.raises(RuleError) as caught:
        RiskLimits(**kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TradingHours(days=frozenset()), "trading_hours.days"),
        (lambda: TradingHours(days=frozenset({7})), "trading_hours.days"),
        (lambda: Window(time(9), time(9)), "trading_hours.windows"),
        (lambda: TradingHours(days=frozenset({1}), timezone="Nowhere/Town"), "timezone"),
    ],
)
def test_bad_trading_hours(build, field):
    with pytest.raises(RuleError) as caught:
        build()
    assert caught.value.field == field


def test_naive_times_are_refused():
    hours = TradingHours(days=frozenset({0}))
    with pytest.raises(RuleError):
        hours.allows(datetime(2026, 12, 2, 10, 0))


# --- plain-data form and re-basing ------------------------------------------------------------

from copytrade.domain.risk import rebase  # noqa: E402
from copytrade.domain.risk_limits import limits_from_data, limits_to_data  # noqa: E402


@pytest.mark.parametrize("limits", [*PRESETS.values(), RiskLimits(
    equity_floor=Limit(D("9000.55"), GuardAction.SKIP_NEW), max_open_copies=4,
    max_symbol_lots=D("0.5"), day_timezone="Asia/Bangkok",
    trading_hours=TradingHours(frozenset({0, 6}), (Window(time(22), time(2, 30)),),
                               "Europe/London"))])
def test_limits_survive_the_data_round_trip(limits):
    assert limits_from_data(limits_to_data(limits)) == limits


@pytest.mark.parametrize(("data", "field"), [
    ({"equity_floor": {"value": "-1", "action": "SKIP_NEW"}}, "equity_floor"),
    ({"equity_floor": {"value": "1.005"}}, "equity_floor"),
    ({"equity_floor": {"value": 5}}, "equity_floor.value"),
    ({"equity_floor": {"value": "5", "action": "EXPLODE"}}, "equity_floor.action"),
    ({"daily_loss_pct": {"value": "101"}}, "daily_loss_pct"),
    ({"drawdown_from": "YESTERDAY"}, "drawdown_from"),
    ({"day_timezone": "Mars/Olympus"}, "day_timezone"),
    ({"max_open_copies": 0}, "max_open_copies"),
    ({"max_open_copies": True}, "max_open_copies"),
    ({"max_total_lots": "0.00001"}, "max_total_lots"),
    ({"trading_hours": {"days": [7], "windows": []}}, "trading_hours.days"),
    ({"trading_hours": {"days": [], "windows": []}}, "trading_hours.days"),
    ({"trading_hours": {"days": [1], "windows": [{"start": "09:00", "end": "09:00"}]}},
     "trading_hours.windows[0]"),
    ({"trading_hours": {"days": [1], "windows": [{"start": "25:00", "end": "09:00"}]}},
     "trading_hours.windows[0].start"),
    ({"trading_hours": {"days": [1], "timezone": "Nowhere/City"}}, "trading_hours.timezone"),
])
def test_bad_data_names_the_field(data, field):
    with pytest.raises(RuleError) as caught:
        limits_from_data(data)
    assert caught.value.field == field


def test_a_reset_rebases_drawdown_and_the_day_but_not_floors():
    base = start_baseline(report("12000", balance="12000"), "UTC")
    now = report("10000", balance="10500", at=T0 + timedelta(hours=1))
    base = advance(base, now, "UTC")
    drawn = rebase(base, GuardKind.DRAWDOWN, now)
    assert (drawn.start_balance, drawn.equity_peak) == (D("10500"), D("10000"))
    daily = rebase(base, GuardKind.DAILY_LOSS, now)
    assert daily.day_open == D("10500") and daily.start_balance == base.start_balance
    assert rebase(base, GuardKind.EQUITY_FLOOR, now) == base
    limits = RiskLimits(max_drawdown_pct=Limit(D(10)), daily_loss=Limit(D(1000)))
    assert kinds(evaluate_account(limits, base, now, "UTC")) == [
        GuardKind.DRAWDOWN, GuardKind.DAILY_LOSS]
    assert evaluate_account(limits, rebase(rebase(base, GuardKind.DRAWDOWN, now),
                                           GuardKind.DAILY_LOSS, now), now, "UTC") == []
