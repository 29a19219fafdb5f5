"""Process counters and the latency histograms, rendered by the API at /metrics.

:meth:`Metrics.snapshot` names every field of :class:`Metrics` after itself: a counter added
here is on /metrics with no other change (``api/metrics.py`` renders whatever keys exist).
"""

from __future__ import annotations

import bisect
from typing import Any

import attrs

# Seconds; Prometheus-style cumulative buckets.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@attrs.define
class Histogram:
    """A fixed-bucket histogram."""

    bounds: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = attrs.field(factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    n: int = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value
        self.n += 1

    def snapshot(self) -> dict[str, Any]:
        cumulative = 0
        out: list[list[float | str]] = []
        for bound, count in zip(self.bounds, self.counts, strict=False):
            cumulative += count
            out.append([bound, cumulative])
        out.append(["+Inf", self.n])
        return {"buckets": out, "sum": self.total, "count": self.n}


@attrs.define
class Metrics:
    """Counters the engine and gateway bump; cheap enough for the hot path."""

    signals_total: int = 0
    commands_total: int = 0
    acks_total: int = 0
    nacks_total: int = 0
    skips_total: int = 0
    slow_consumers_total: int = 0
    auth_failures_total: int = 0
    protocol_errors_total: int = 0
    kill_switch_total: int = 0
    copy_latency_seconds: Histogram = attrs.field(factory=Histogram)
    """Seconds from the command leaving the server to the follower's ACK."""
    kill_switch_latency_seconds: Histogram = attrs.field(factory=Histogram)
    """Seconds from the stop-out line arriving to the close commands being written."""

    def snapshot(self) -> dict[str, Any]:
        """Every counter by its field name, every histogram as its snapshot."""
        out: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            out[field.name] = value.snapshot() if isinstance(value, Histogram) else value
        return out
