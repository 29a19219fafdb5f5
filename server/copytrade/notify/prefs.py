"""Per-channel preferences as pure functions: time zones, quiet hours, the daily summary time.

Quiet hours are a local-time range ``start``-``end`` (``22:00``-``07:00`` spans midnight);
``start == end`` is refused (it would mean "always" or "never"). A message due inside the
range waits until its end, except urgent kinds (kill switch, risk guard, test messages).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_hhmm(raw: str) -> time:
    """``HH:MM`` (24-hour) → time; ValueError with a readable message otherwise."""
    match = _HHMM.match(raw)
    if not match:
        raise ValueError("must be a 24-hour time HH:MM, e.g. 22:30")
    return time(int(match.group(1)), int(match.group(2)))


def parse_time_zone(raw: str) -> zoneinfo.ZoneInfo:
    """An IANA time zone name (``Asia/Bangkok``, ``UTC``); ValueError otherwise."""
    if not raw or len(raw) > 64 or raw.startswith(("/", ".")) or ".." in raw or "\\" in raw:
        raise ValueError("must be an IANA time zone such as Asia/Bangkok or UTC")
    try:
        return zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {raw!r} (use an IANA name such as "
                         "Asia/Bangkok)") from None


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(now: datetime, tz: zoneinfo.ZoneInfo, start: time | None,
                end: time | None) -> datetime | None:
    """The UTC instant the quiet hours around ``now`` end, or None when ``now`` is not quiet."""
    if start is None or end is None:
        return None
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time().replace(tzinfo=None), start, end):
        return None
    candidate = datetime.combine(local.date(), end, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return candidate.astimezone(UTC)


def next_summary(after: datetime, tz: zoneinfo.ZoneInfo, at: time) -> datetime:
    """The first UTC instant after ``after`` whose local time in ``tz`` is ``at``."""
    local = after.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate.astimezone(UTC)
