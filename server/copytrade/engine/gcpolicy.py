"""Garbage-collector policy for a long-running server (see STACK-NOTES, "Fan-out").

CPython's cyclic collector walks every tracked object in a full collection. The server keeps
hundreds of thousands of long-lived objects (sessions, tasks, caches), and the fan-out makes
many short-lived ones, so full collections would keep stopping the hot path for tens of ms.
After start-up (and after the EAs have logged in) :func:`freeze_after_startup` collects once
and then moves every surviving object into the permanent generation (``gc.freeze``): later
collections only look at what was made since. Call it again after a large change in the
long-lived population (e.g. thousands of new logins); calling it often is harmless.

It also raises the young-generation threshold from 700 to :data:`YOUNG_THRESHOLD`
allocations: a fan-out to 5,000 followers makes ~10 tracked objects per follower that live
until the ledger writes them, and with the default every signal ran dozens of young
collections that promoted them into older generations, whose collections then stalled the
hot path (benchmark at N=2000: p99 204 ms with freeze alone, 96 ms with this, 72 ms with no
collector at all; docs/performance.md).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def freeze_after_startup() -> None:
    """Collect once, then hide every surviving object from later collections."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
