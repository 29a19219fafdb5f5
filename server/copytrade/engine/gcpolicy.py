"""Garbage-collector policy for a long-running server (see STACK-NOTES, "Fan-out").

CPython's cyclic collector walks every tracked object in a full collection. The server keeps
hundreds of thousands of long-lived objects (sessions, tasks, caches), and the fan-out makes
many short-lived ones, so full collections would keep stopping the hot path for tens of ms.
After start-up :func:`freeze_after_startup` collects once and then moves every surviving
object into the permanent generation (``gc.freeze``): later collections only look at what was
made since. A wave of EA logins makes a new long-lived population (a session, its task, its
buffers per EA), so :class:`LoginWaves` freezes again once such a wave has settled — the
server does it itself, whoever drives it (``copytrade serve``, the benchmark, the tests).

It also raises the young-generation threshold from 700 to :data:`YOUNG_THRESHOLD`
allocations: a fan-out to 5,000 followers makes ~10 tracked objects per follower that live
until the ledger writes them, and with the default every signal ran dozens of young
collections that promoted them into older generations, whose collections then stalled the
hot path (benchmark at N=2000: p99 204 ms with freeze alone, 96 ms with this, 72 ms with no
collector at all; docs/performance.md).
"""

from __future__ import annotations

import gc
import logging
import time

import attrs
import trio

log = logging.getLogger(__name__)

YOUNG_THRESHOLD = 50_000
WAVE_LOGINS = 200
"""Logins since the last freeze that make a wave worth freezing again."""
WAVE_QUIET_S = 2.0
"""Seconds without a login after which a wave has settled."""


def freeze_after_startup() -> None:
    """Collect once, then hide every surviving object from later collections."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


@attrs.define
class LoginWaves:
    """Freezes the collector again once a wave of logins has settled.

    The gateway calls :meth:`note_login` for each EA that logs in; :meth:`run` freezes when at
    least ``min_logins`` logins have come since the last freeze and none for ``quiet_s``
    seconds. The collection itself pauses the server once (~0.1 s at 10,000 sessions), at a
    moment when no login is under way.
    """

    min_logins: int = WAVE_LOGINS
    quiet_s: float = WAVE_QUIET_S
    pending: int = 0
    """Logins since the last freeze."""
    freezes: int = 0
    """Freezes done after a wave (not counting the start-up one)."""
    last_pause_ms: float = 0.0
    """How long the last freeze stopped the server."""
    _last_login: float = 0.0
    _frozen: trio.Event = attrs.field(factory=trio.Event)

    def note_login(self) -> None:
        self.pending += 1
        self._last_login = trio.current_time()

    @property
    def wave_pending(self) -> bool:
        """A wave large enough to freeze for has not been frozen yet."""
        return self.pending >= self.min_logins

    async def settled(self) -> None:
        """Return once no wave is pending (the next freeze is done, if one was due)."""
        while self.wave_pending:
            await self._frozen.wait()

    def step(self, now: float) -> bool:
        """Freeze if a wave has settled by ``now``; True if it did."""
        if not self.wave_pending or now - self._last_login < self.quiet_s:
            return False
        started = time.perf_counter()
        freeze_after_startup()
        self.last_pause_ms = (time.perf_counter() - started) * 1000
        self.freezes += 1
        log.info("collector frozen again after %d logins (%.0f ms)", self.pending,
                 self.last_pause_ms)
        self.pending = 0
        frozen, self._frozen = self._frozen, trio.Event()
        frozen.set()
        return True

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await trio.sleep(self.quiet_s / 4)
            self.step(trio.current_time())
