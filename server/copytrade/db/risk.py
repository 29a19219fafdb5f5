"""SQL for the risk guards: a follower's limits, control switch and baseline, and its trips.

The limits are stored as JSON in the shape of :func:`copytrade.domain.risk_limits.limits_to_data`
and validated by the domain when read. Trips are events: inserted once per episode (a partial
unique index allows one holding trip per guard), ended by a reset, the period's end or, for
``SKIP_NEW`` trips, the figure's recovery.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import attrs

from ..domain.errors import DomainError
from ..domain.risk import Baseline, Control, GuardAction, GuardKind, RiskLimits, Trip
from ..domain.risk_limits import limits_from_data, limits_to_data
from .database import Database

_SETTINGS = ("account_id, limits, control, control_at, start_balance, equity_peak, day, "
             "day_open, updated_at")
_TRIPS = ("id, account_id, kind, action, value, limit_value, reason, tripped_at, holds_until, "
          "reset_at, reset_by")


@attrs.frozen
class RiskSettings:
    """One follower's guard settings and baseline as stored."""

    account_id: int
    limits: RiskLimits
    control: Control
    control_at: datetime | None
    baseline: Baseline | None
    """``None`` until the first account report after the guards were set."""
    updated_at: datetime


@attrs.frozen
class StoredTrip:
    """A trip as stored: the domain's :class:`Trip` plus its id and how it ended."""

    id: int
    account_id: int
    trip: Trip
    reset_at: datetime | None
    reset_by: str | None
    """``USER``, ``PERIOD_END`` or ``RECOVERED``; ``None`` while it holds."""

    @property
    def active(self) -> bool:
        return self.reset_at is None


def _settings(r: Any) -> RiskSettings:
    try:
        limits = limits_from_data(r["limits"])
    except DomainError:
        limits = RiskLimits()  # a stored value the rules no longer accept: guards off
    baseline = None
    if r["start_balance"] is not None and r["day"] is not None:
        baseline = Baseline(start_balance=r["start_balance"], equity_peak=r["equity_peak"],
                            day=r["day"], day_open=r["day_open"])
    return RiskSettings(account_id=r["account_id"], limits=limits, control=Control(r["control"]),
                        control_at=r["control_at"], baseline=baseline, updated_at=r["updated_at"])


def _trip(r: Any) -> StoredTrip:
    return StoredTrip(
        id=r["id"], account_id=r["account_id"],
        trip=Trip(kind=GuardKind(r["kind"]), action=GuardAction(r["action"]), value=r["value"],
                  limit=r["limit_value"], at=r["tripped_at"], holds_until=r["holds_until"],
                  reason=r["reason"]),
        reset_at=r["reset_at"], reset_by=r["reset_by"])


@attrs.frozen
class RiskRepository:
    """Every statement on ``follower_risk`` and ``risk_trips``. Callers check ownership of
    the account first (``AccountRepository.get(account_id, user_id)``)."""

    db: Database

    async def get(self, account_id: int) -> RiskSettings | None:
        r = await self.db.fetchrow(
            f"SELECT {_SETTINGS} FROM follower_risk WHERE account_id = $1", account_id)
        return None if r is None else _settings(r)

    async def load_all(self) -> tuple[list[RiskSettings], list[StoredTrip]]:
        """Every follower's settings and every trip still holding (engine start-up)."""

        async def load(con: asyncpg.Connection) -> tuple[list[Any], list[Any]]:
            return (await con.fetch(f"SELECT {_SETTINGS} FROM follower_risk"),
                    await con.fetch(f"SELECT {_TRIPS} FROM risk_trips WHERE reset_at IS NULL"))

        settings, trips = await self.db.run(load)
        return [_settings(r) for r in settings], [_trip(r) for r in trips]

    async def active_trips(self, account_id: int) -> list[StoredTrip]:
        rows = await self.db.fetch(
            f"SELECT {_TRIPS} FROM risk_trips WHERE account_id = $1 AND reset_at IS NULL "
            f"ORDER BY id", account_id)
        return [_trip(r) for r in rows]

    async def save_limits(self, account_id: int, limits: RiskLimits) -> RiskSettings:
        r = await self.db.fetchrow(
            f"INSERT INTO follower_risk (account_id, limits) VALUES ($1, $2) "
            f"ON CONFLICT (account_id) DO UPDATE SET limits = EXCLUDED.limits, "
            f"updated_at = now() RETURNING {_SETTINGS}", account_id, limits_to_data(limits))
        return _settings(r)

    async def set_control(self, account_id: int, control: Control) -> RiskSettings:
        r = await self.db.fetchrow(
            f"INSERT INTO follower_risk (account_id, control, control_at) VALUES ($1, $2, now()) "
            f"ON CONFLICT (account_id) DO UPDATE SET control = EXCLUDED.control, "
            f"control_at = now(), updated_at = now() RETURNING {_SETTINGS}",
            account_id, control.value)
        return _settings(r)

    async def insert_trip(
        self, account_id: int, trip: Trip,
        also: Callable[[asyncpg.Connection, StoredTrip], Awaitable[None]] | None = None,
    ) -> StoredTrip | None:
        """Store a new trip; ``None`` when one of the same guard still holds (same episode).

        ``also(con, stored)`` runs in the same transaction for a new trip only (the alert
        outbox's row), so the trip and what it causes commit together or not at all.
        """

        async def write(con: asyncpg.Connection) -> StoredTrip | None:
            r = await con.fetchrow(
                f"INSERT INTO risk_trips (account_id, kind, action, value, limit_value, "
                f"reason, tripped_at, holds_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                f"ON CONFLICT (account_id, kind) WHERE reset_at IS NULL DO NOTHING "
                f"RETURNING {_TRIPS}",
                account_id, trip.kind.value, trip.action.value, trip.value, trip.limit,
                trip.reason, trip.at, trip.holds_until)
            stored = None if r is None else _trip(r)
            if stored is not None and also is not None:
                await also(con, stored)
            return stored

        return await self.db.run_in_transaction(write)

    async def reset_trip(self, account_id: int, trip_id: int, at: datetime) -> StoredTrip | None:
        """End a holding trip from the API; ``None`` if there is no such holding trip."""
        r = await self.db.fetchrow(
            f"UPDATE risk_trips SET reset_at = $3, reset_by = 'USER' WHERE id = $1 "
            f"AND account_id = $2 AND reset_at IS NULL RETURNING {_TRIPS}",
            trip_id, account_id, at)
        return None if r is None else _trip(r)

    async def trip(self, account_id: int, trip_id: int) -> StoredTrip | None:
        r = await self.db.fetchrow(
            f"SELECT {_TRIPS} FROM risk_trips WHERE id = $1 AND account_id = $2",
            trip_id, account_id)
        return None if r is None else _trip(r)

    async def trips(self, account_id: int, *, active: bool | None = None,
                    before_id: int | None = None, limit: int = 100) -> list[StoredTrip]:
        """Newest first; ``active`` True/False filters holding/ended trips."""
        rows = await self.db.fetch(
            f"SELECT {_TRIPS} FROM risk_trips WHERE account_id = $1 "
            f"AND ($2::boolean IS NULL OR (reset_at IS NULL) = $2) "
            f"AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4",
            account_id, active, before_id, limit)
        return [_trip(r) for r in rows]


async def save_baselines(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Ledger batch: the newest baseline per follower.
    Row: (account_id, start_balance, equity_peak, day, day_open)."""
    latest = {r[0]: r for r in rows}
    cols = [list(c) for c in zip(*latest.values(), strict=True)]
    await con.execute(
        "UPDATE follower_risk AS f SET start_balance = x.sb, equity_peak = x.peak, day = x.day, "
        "day_open = x.dopen, updated_at = now() FROM unnest($1::bigint[], $2::numeric[], "
        "$3::numeric[], $4::date[], $5::numeric[]) AS x(id, sb, peak, day, dopen) "
        "WHERE f.account_id = x.id", *cols)


async def end_trips(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Ledger batch: trips that ended by themselves. Row: (account_id, kind, at, reset_by)."""
    cols = [list(c) for c in zip(*rows, strict=True)]
    await con.execute(
        "UPDATE risk_trips AS t SET reset_at = x.at, reset_by = x.how FROM unnest("
        "$1::bigint[], $2::text[], $3::timestamptz[], $4::text[]) AS x(id, kind, at, how) "
        "WHERE t.account_id = x.id AND t.kind = x.kind AND t.reset_at IS NULL", *cols)


def baseline_row(account_id: int, b: Baseline) -> tuple[int, Decimal, Decimal, date, Decimal]:
    return (account_id, b.start_balance, b.equity_peak, b.day, b.day_open)
