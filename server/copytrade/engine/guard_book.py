"""What the engine holds per follower with risk settings (engine/guards.py uses it): its
limits, control switch, baseline, the trips that hold and the copies it holds (its exposure).
Plain state and small pure helpers; no engine, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from ..db.risk import StoredTrip
from ..db.shapes import decimal_json as decimal_text
from ..domain.risk import (
    AccountFigures,
    Baseline,
    Control,
    Exposure,
    GuardAction,
    GuardKind,
    RiskLimits,
    Trip,
)

LIVE_COPIES = (
    "SELECT t.ticket, p.status, p.sent_at, p.symbol, "
    "coalesce(p.slave_volume, p.requested_volume) AS volume FROM trade_pairs p "
    "JOIN master_trades t ON t.id = p.master_trade_id "
    "WHERE p.account_id = $1 AND p.status IN ('PENDING', 'OPEN')")
"""A follower's copies that it holds or was sent (exposure, and what a close-all closes)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def trip_data(fid: int, stored: StoredTrip | None, trip: Trip) -> dict[str, Any]:
    return {"trip_id": stored.id if stored else None, "account_id": fid,
            "kind": trip.kind.value, "action": trip.action.value, "value": decimal_text(trip.value),
            "limit": decimal_text(trip.limit), "at": trip.at.isoformat(), "reason": trip.reason,
            "holds_until": trip.holds_until.isoformat() if trip.holds_until else None}


@attrs.define
class FollowerGuard:
    """What the engine holds for one follower with risk settings."""

    account_id: int
    limits: RiskLimits
    control: Control
    baseline: Baseline | None
    trips: dict[GuardKind, Trip] = attrs.field(factory=dict)
    """Trips that hold now, by guard (one per episode)."""
    copies: dict[int, tuple[str, Decimal]] = attrs.field(factory=dict)
    """Master ticket → (follower symbol, lots) of each copy the follower holds or was sent."""
    last: AccountFigures | None = None
    """The latest account report (a reset re-bases from it)."""

    @property
    def timezone(self) -> str:
        return self.limits.day_timezone or "UTC"

    @property
    def paused(self) -> bool:
        return self.control is Control.PAUSED or any(
            t.action is GuardAction.CLOSE_ALL_AND_PAUSE for t in self.trips.values())

    def exposure(self) -> Exposure:
        by_symbol: dict[str, Decimal] = {}
        for symbol, lots in self.copies.values():
            by_symbol[symbol] = by_symbol.get(symbol, Decimal(0)) + lots
        return Exposure(open_copies=len(self.copies), total_lots=sum(by_symbol.values(),
                        Decimal(0)), lots_by_symbol=by_symbol)
