"""The one throttle (copytrade/throttle.py), without PostgreSQL or TCP: time is passed in."""

from __future__ import annotations

import pytest

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
