"""Figures from the load client's raw timings: percentiles and the exactly-once verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; NaN for no values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds (rounded to 0.01 ms) plus the sample count."""
    ordered = sorted(values)
    out = {f"p{q}_ms": round(percentile(ordered, q), 2) for q in (50, 95, 99)}
    out["max_ms"] = round(ordered[-1], 2) if ordered else math.nan
    out["samples"] = len(ordered)
    return out


@attrs.frozen
class Verdict:
    """Did every follower receive every signal exactly once (as the client saw it)?"""

    exactly_once: bool
    problems: tuple[str, ...]


def client_verdict(run: dict[str, Any]) -> Verdict:
    """Check the load client's counts: nothing missing, doubled, unexpected or unstored."""
    problems = []
    if run["missing"]:
        problems.append(f"{run['missing']} follower/signal receipts missing")
    if run["duplicates"]:
        problems.append(f"{run['duplicates']} duplicate OPENs received: "
                        + "; ".join(run["unexpected_samples"][:3]))
    if run["unexpected"]:
        problems.append(f"{run['unexpected']} unexpected lines or drops: "
                        + "; ".join(run["unexpected_samples"][:3]))
    expected = sum(run["expected"])
    if run["received"] != expected:
        problems.append(f"received {run['received']} of {expected} OPENs")
    return Verdict(exactly_once=not problems, problems=tuple(problems))


def latencies(run: dict[str, Any], warmup: int) -> tuple[list[float], list[float]]:
    """(to first follower, to last follower) in ms for the signals after ``warmup``."""
    firsts = [v for v in run["first_ms"][warmup:] if v is not None]
    lasts = [v for v in run["last_ms"][warmup:] if v is not None]
    return firsts, lasts
