"""The tests' one polling helper: it returns the first value that passes, awaits async
probes, and on timeout fails with what it waited for and the last value it saw."""

from __future__ import annotations

import pytest
import trio

from polling import NotYet, eventually


async def test_returns_the_first_value_that_passes_the_check():
    seen = []

    def probe():
        seen.append(len(seen))
        return seen[-1]

    assert await eventually(probe, lambda n: n >= 3, interval=0) == 3
    assert seen == [0, 1, 2, 3]


async def test_without_a_check_waits_for_a_truthy_value_and_awaits_async_probes():
    box = []

    async def fill():
        await trio.sleep(0.05)
        box.append("x")

    async def probe():
        return list(box)

    async with trio.open_nursery() as n:
        n.start_soon(fill)
        assert await eventually(probe, timeout=5) == ["x"]


async def test_timeout_names_the_wait_and_the_last_value_seen():
    values = iter(range(1_000_000))
    with pytest.raises(NotYet) as raised:
        await eventually(lambda: next(values), lambda n: n < 0, timeout=0.1, interval=0.01)
    message = str(raised.value)
    assert "not within 0.1 s" in message
    assert "lambda: next(values)" in message  # the probe's source says what was awaited
    assert raised.value.last >= 1 and f"last value seen: {raised.value.last}" in message
    assert isinstance(raised.value, AssertionError)


async def test_what_replaces_the_description_and_a_probe_that_never_returns_is_said():
    async def stuck():
        await trio.sleep_forever()

    with pytest.raises(NotYet, match=r"the ledger settles; the probe never returned"):
        await eventually(stuck, timeout=0.05, what="the ledger settles")


async def test_an_error_in_the_probe_propagates_at_once():
    def broken():
        raise KeyError("gone")

    with trio.fail_after(1), pytest.raises(KeyError):
        await eventually(broken, timeout=30)
