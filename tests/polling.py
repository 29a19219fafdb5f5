"""Waiting, in tests, for state that another task or process owns and that has no event to
wait on: :func:`eventually` polls a probe until a check holds, and on timeout fails with the
last value it saw (not a bare ``TooSlowError``), so a failing test says what it got instead.

Every test waits through this one helper rather than a hand-written ``while ...: await
trio.sleep(...)`` loop. (Waiting on an event, e.g. ``sim.wait_for`` or a channel, is better
still where one exists.)
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import trio

T = TypeVar("T")

_UNSEEN: Any = object()


class NotYet(AssertionError):
    """What :func:`eventually` waited for did not hold within its timeout."""

    def __init__(self, message: str, last: Any) -> None:
        super().__init__(message)
        self.last = last   #: the last value the probe returned (``None`` if it never did)


def _describe(probe: Callable[..., Any]) -> str:
    """The probe's source line for a lambda (what the test waited for), else its name."""
    name = getattr(probe, "__qualname__", repr(probe))
    if "<lambda>" in name:
        try:
            return " ".join(inspect.getsource(probe).split())[:300]
        except (OSError, TypeError):
            pass
    return str(name)


async def eventually(probe: Callable[[], T | Awaitable[T]],
                     check: Callable[[T], object] | None = None, *, timeout: float = 10,
                     interval: float = 0.02, what: str = "") -> T:
    """Call ``probe()`` (plain or async) every ``interval`` seconds until ``check(value)``
    holds -- with no ``check``, until the value is truthy -- and return that value.

    After ``timeout`` seconds it raises :class:`NotYet` (an ``AssertionError``) naming
    ``what`` (default: the probe's source) and the last value seen. Errors the probe or the
    check raise propagate at once.
    """
    last: Any = _UNSEEN
    polls = 0
    with trio.move_on_after(timeout):
        while True:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            last, polls = value, polls + 1
            if check(value) if check is not None else value:
                return cast(T, value)
            await trio.sleep(interval)
    seen = "the probe never returned" if last is _UNSEEN else f"last value seen: {last!r}"
    raise NotYet(f"not within {timeout:g} s ({polls} polls): {what or _describe(probe)}; "
                 f"{seen}"[:4000], None if last is _UNSEEN else last)
