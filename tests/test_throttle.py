"""The one throttle (copytrade/throttle.py), without PostgreSQL or TCP: time is passed in."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.throttle import LoginThrottle, SlidingWindow


def test_window_refuses_at_the_limit_and_slides() -> None:
    w = SlidingWindow(limit=3, window=10.0)
    for t in (0.0, 1.0):
        w.fail("a", now=t)
    assert w.retry_after("a", now=2.0) is None and not w.blocked("a", now=2.0)
    w.fail("a", now=2.0)
    assert w.retry_after("a", now=2.0) == pytest.approx(8.0)  # the oldest leaves at 10
    assert w.blocked("a", now=9.9)
    assert not w.blocked("a", now=10.0)  # one failure left the window
    assert w.blocked("a", now=10.0) is False and not w.blocked("b", now=0.0)


def test_window_keeps_only_limit_failures_and_forgets_expired_keys() -> None:
    w = SlidingWindow(limit=2, window=5.0)
    for t in range(10):
        w.fail("a", now=float(t))
    assert w.retry_after("a", now=9.0) == pytest.approx(4.0)  # held: the last two (8, 9)
    assert not w.blocked("a", now=14.0)
    assert len(w) == 0  # pruned to nothing: the key is dropped


def test_window_reset_clears_a_key() -> None:
    w = SlidingWindow(limit=1, window=60.0)
    w.fail("a", now=0.0)
    assert w.blocked("a", now=1.0)
    w.reset("a")
    w.reset("never-seen")
    assert not w.blocked("a", now=1.0)


def test_window_memory_is_bounded_stalest_first() -> None:
    w = SlidingWindow(limit=1, window=60.0, max_keys=2)
    w.fail("a", now=0.0)
    w.fail("b", now=1.0)
    w.fail("a", now=2.0)  # "a" failed again: now "b" is the stalest
    w.fail("c", now=3.0)
    assert len(w) == 2
    assert w.blocked("a", now=4.0) and w.blocked("c", now=4.0)
    assert not w.blocked("b", now=4.0)


def test_window_uses_its_clock_by_default() -> None:
    now = [100.0]
    w = SlidingWindow(limit=1, window=5.0, clock=lambda: now[0])
    w.fail("a")
    assert w.retry_after("a") == pytest.approx(5.0)
    now[0] = 105.0
    assert w.retry_after("a") is None


def test_login_throttle_key_then_address() -> None:
    t = LoginThrottle(per_key=2, per_address=3, window=60)
    t.fail("k1", "10.0.0.1", now=0)
    assert t.blocked("k1", "10.0.0.1", now=0) is None
    t.fail("k1", "10.0.0.1", now=0)
    assert t.blocked("k1", "10.0.0.9", now=1) == \
        "too many failed logins with this API key; wait 60 s"  # the key, from any address
    assert t.blocked("k2", "10.0.0.1", now=1) is None  # others behind the address log in
    t.fail("k2", "10.0.0.1", now=1)
    assert t.blocked("k3", "10.0.0.1", now=1) == \
        "too many failed logins from this address; wait 60 s"
    t.succeed("k1")  # clears the key, not the address
    assert t.blocked("k1", "10.0.0.2", now=2) is None
    assert t.blocked("k1", "10.0.0.1", now=2) is not None
    assert t.blocked("k3", "10.0.0.1", now=61.5) is None


def test_login_throttle_keeps_no_key_in_clear() -> None:
    t = LoginThrottle(per_key=1, per_address=10)
    t.fail("sk_live_secret", "10.0.0.1", now=0)
    assert "sk_live_secret" not in repr(t)


def test_a_failure_counts_until_exactly_window_seconds_later() -> None:
    w = SlidingWindow(limit=1, window=10.0)
    w.fail("a", now=5.0)
    assert w.blocked("a", now=14.999)
    assert w.retry_after("a", now=14.999) == pytest.approx(0.001)
    assert not w.blocked("a", now=15.0)  # at the window's edge it has left
    assert len(w) == 0


def test_asking_is_not_failing() -> None:
    w = SlidingWindow(limit=2, window=10.0)
    w.fail("a", now=0.0)
    for t in range(50):
        assert not w.blocked("a", now=t / 10)
    w.fail("a", now=5.0)
    assert w.blocked("a", now=5.0)


def test_many_keys_count_apart() -> None:
    w = SlidingWindow(limit=3, window=60.0)
    keys = [f"10.0.{i // 256}.{i % 256}" for i in range(2000)]
    for i, key in enumerate(keys):
        for _ in range(i % 4):  # 0, 1, 2 or 3 failures each
            w.fail(key, now=1.0)
    assert [k for k in keys if w.blocked(k, now=2.0)] == keys[3::4]
    assert len(w) == 1500  # keys with no failure are not held


def test_the_limit_on_tracked_keys_holds_for_any_number_of_keys() -> None:
    w = SlidingWindow(limit=2, window=60.0, max_keys=100)
    for i in range(10_000):
        w.fail(f"k{i}", now=i / 1000)
        assert len(w) <= 100
    assert [i for i in range(10_000) if f"k{i}" in w._hits] == list(range(9_900, 10_000))
    w.fail("k9950", now=11.0)  # a held key keeps counting: the second failure blocks it
    assert w.blocked("k9950", now=11.0)


def test_an_evicted_key_starts_again_from_nothing() -> None:
    w = SlidingWindow(limit=2, window=60.0, max_keys=1)
    w.fail("a", now=0.0)
    w.fail("b", now=1.0)  # evicts "a"
    w.fail("a", now=2.0)
    assert not w.blocked("a", now=2.0)  # one failure, not two


def test_the_login_throttle_also_bounds_its_keys() -> None:
    t = LoginThrottle(per_key=1, per_address=10**9)
    assert t._keys.max_keys == t._addresses.max_keys == SlidingWindow(1, 1.0).max_keys
    for i in range(500):
        t.fail(f"key{i}", "10.0.0.1", now=0)
    assert len(t._keys) == 500 and len(t._addresses) == 1


# A property: the counter agrees with a model that keeps every failure, as long as no key is
# evicted (max_keys large), for any sequence of failures, checks and resets in time order.
ops = st.lists(st.tuples(st.sampled_from(["fail", "check", "reset"]),
                         st.sampled_from("abcd"), st.integers(0, 40)), max_size=60)


@given(st.integers(1, 4), st.integers(1, 15), ops)
def test_the_window_agrees_with_a_model_of_all_failures(limit: int, window: int, steps) -> None:
    w = SlidingWindow(limit=limit, window=float(window))
    model: dict[str, list[float]] = {}
    now = 0.0
    for op, key, dt in steps:
        now += dt / 4
        if op == "fail":
            w.fail(key, now=now)
            model.setdefault(key, []).append(now)
        elif op == "reset":
            w.reset(key)
            model.pop(key, None)
        live = sorted(t for t in model.get(key, []) if t > now - window)
        want = None if len(live) < limit else live[-limit] + window - now
        got = w.retry_after(key, now=now)
        assert (got is None) == (want is None)
        if want is not None:
            assert got == pytest.approx(want) and got > 0
            assert not copy.deepcopy(w).blocked(key, now=now + got)  # asked later, free
