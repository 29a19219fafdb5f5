"""Balance, equity and drawdown over time per account (figures from db/equity.py).

The period is a named ``range`` ending now, or ``since``/``until`` (which win over it). The
bucket is the smallest of ``BUCKETS`` that keeps the period within ``MAX_POINTS`` buckets, so
24 hours come in minutes, 7 days in 15 minutes, 30 days in hours. A period with no start
(``all``) starts at the account's first stored minute. Points start at the first data in
the period; buckets without reports are absent (the chart draws the line across them).
"""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds)
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs

from ..db.equity import EquityQueries
from .accounts import ACCOUNT
from .errors import ValidationFailed
from .routing import Call, route
from .schemas import RangeName
from .trades import RANGES
from .validation import UNSET, Unset, spec

TAG = "trades"
BUCKETS = (60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400)
"""Bucket sizes in seconds, smallest first."""
MAX_POINTS = 1500


def bucket_for(span: timedelta) -> int:
    """The smallest bucket that cuts ``span`` into at most ``MAX_POINTS`` pieces."""
    seconds = span.total_seconds()
    for b in BUCKETS:
        if seconds / b <= MAX_POINTS:
            return b
    return BUCKETS[-1]


@attrs.frozen
class EquityQuery:
    range: RangeName = "24h"
    since: datetime | Unset = spec(default=UNSET, fmt="date-time",
                                   doc="start (wins over range)")
    until: datetime | Unset = spec(default=UNSET, fmt="date-time", doc="end, default now")


@attrs.frozen
class EquityPoint:
    t: datetime
    """Start of the bucket."""
    balance: Decimal
    """Last balance reported in the bucket."""
    equity: Decimal
    """Last equity reported in the bucket."""
    equity_min: Decimal
    equity_max: Decimal
    drawdown: Decimal
    """The worst fall of the bucket's minutes from the period's running equity peak."""
    drawdown_pct: Decimal | None
    """``drawdown`` in percent of the running peak (null when it is not positive)."""


@attrs.frozen
class EquityOut:
    range: RangeName | None
    """The named range, or null when ``since`` was given."""
    since: datetime | None
    until: datetime
    bucket_s: int
    points: list[EquityPoint]
    max_drawdown: Decimal | None
    max_drawdown_pct: Decimal | None


@route("GET", f"{ACCOUNT}/equity", summary="Balance, equity and drawdown over time",
       tag=TAG, query=EquityQuery, response=EquityOut, errors=(401, 404, 422))
async def equity(call: Call[None, EquityQuery], account_id: int) -> EquityOut:
    q = call.query
    await call.ctx.accounts.get(account_id, call.user_id)  # 404 unless it is the caller's
    until = datetime.now(UTC) if q.until is UNSET else q.until
    if q.since is not UNSET:
        since: datetime | None = q.since
        name: RangeName | None = None
    else:
        span, _ = RANGES[q.range]
        since, name = (None if span is None else until - span), q.range
    if since is not None and until <= since:
        raise ValidationFailed("Some query parameters are invalid.",
                               {"until": "must be later than since"})
    queries = EquityQueries(call.ctx.db)
    start = since if since is not None else await queries.first_minute(account_id)
    bucket = bucket_for(until - start) if start is not None and start < until else BUCKETS[0]
    rows = await queries.series(account_id, since=since, until=until, bucket_s=bucket)
    points = [EquityPoint(**r) for r in rows]
    worst = max(points, key=lambda p: p.drawdown, default=None)
    return EquityOut(range=name, since=since, until=until, bucket_s=bucket, points=points,
                     max_drawdown=None if worst is None else worst.drawdown,
                     max_drawdown_pct=None if worst is None else
                     max((p.drawdown_pct for p in points if p.drawdown_pct is not None),
                         default=None))
