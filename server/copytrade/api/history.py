"""History of closed trades / ended copies (paged JSON) and its CSV export.

Sorted by close time, newest first; filters: symbol, close-time range, status. The CSV is
UTF-8 with a byte-order mark (Excel opens it as UTF-8), comma-separated, CRLF line ends,
times ISO 8601 in UTC (``2026-12-02T08:01:02.345Z``), decimals with a dot.
"""

from __future__ import annotations

# ruff: noqa: RUF009  (spec() is attrs.field with published bounds)
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import attrs
from quart import Response

from ..db.history import EXPORT_LIMIT, HistoryFilter, HistoryQueries, decode_cursor
from ..domain.models import Role
from .accounts import ACCOUNT
from .errors import ValidationFailed
from .routing import Call, route
from .validation import UNSET, Unset, spec, unstructure

TAG = "history"
HistoryStatus = Literal["CLOSED", "FAILED", "SKIPPED", "EXPIRED"]
SYMBOL_PATTERN = r"^[A-Za-z0-9._#+\-]{1,32}$"
CURSOR_PATTERN = r"^[0-9]{1,20}_[0-9]{1,19}$"


@attrs.frozen
class HistoryExportQuery:
    symbol: str | Unset = spec(default=UNSET, max_length=32, pattern=SYMBOL_PATTERN,
                               doc="master or follower symbol, any case")
    since: datetime | Unset = spec(default=UNSET, fmt="date-time", doc="close time from")
    until: datetime | Unset = spec(default=UNSET, fmt="date-time", doc="close time before")
    status: list[HistoryStatus] | Unset = spec(default=UNSET, doc="repeatable")


@attrs.frozen
class HistoryQuery(HistoryExportQuery):
    """The export's filters plus a page: ``cursor`` from the last page, ``limit`` rows."""

    cursor: str | Unset = spec(default=UNSET, max_length=41, pattern=CURSOR_PATTERN)
    limit: int = spec(default=50, minimum=1, maximum=200)


@attrs.frozen
class HistoryRow:
    id: int
    kind: Literal["trade", "copy"]
    ticket: int
    follower_ticket: int | None
    symbol: str
    follower_symbol: str | None
    side: Literal["BUY", "SELL"]
    volume: Decimal | None
    open_time: datetime | None
    close_time: datetime
    open_price: Decimal | None
    close_price: Decimal | None
    duration_s: float | None
    pips: float | None
    profit: Decimal | None
    status: HistoryStatus
    reason_code: str | None
    reason: str | None
    retcode: int | None


@attrs.frozen
class HistoryPageOut:
    items: list[HistoryRow]
    next_cursor: str | None


def _filter(q: HistoryQuery | HistoryExportQuery, *, limit: int,
            cursor: str | Unset = UNSET) -> HistoryFilter:
    since = None if q.since is UNSET else q.since
    until = None if q.until is UNSET else q.until
    if since is not None and until is not None and until <= since:
        raise ValidationFailed("Some query parameters are invalid.",
                               {"until": "must be later than since"})
    after = None
    if cursor is not UNSET:
        try:
            after = decode_cursor(cursor)
        except (ValueError, OverflowError):
            raise ValidationFailed("Some query parameters are invalid.",
                                   {"cursor": "is not a cursor from this list"}) from None
    return HistoryFilter(symbol=None if q.symbol is UNSET else q.symbol, since=since,
                         until=until, statuses=None if q.status is UNSET else list(q.status),
                         after=after, limit=limit)


async def _rows(call: Call[Any, Any], account_id: int, f: HistoryFilter
                ) -> tuple[list[HistoryRow], str | None]:
    account = await call.ctx.accounts.get(account_id, call.user_id)
    page = await HistoryQueries(call.ctx.db).page(
        account_id, master=account.role is Role.MASTER, f=f)
    return [HistoryRow(**r) for r in page.rows], page.next_cursor


@route("GET", f"{ACCOUNT}/history", summary="Closed trades / ended copies by close time",
       tag=TAG, query=HistoryQuery, response=HistoryPageOut, errors=(401, 404, 422))
async def history(call: Call[None, HistoryQuery], account_id: int) -> HistoryPageOut:
    q = call.query
    rows, cursor = await _rows(call, account_id, _filter(q, limit=q.limit, cursor=q.cursor))
    return HistoryPageOut(rows, cursor)


CSV_COLUMNS = ("close_time", "open_time", "symbol", "follower_symbol", "side", "volume",
               "open_price", "close_price", "duration_s", "pips", "profit", "status",
               "reason_code", "reason", "retcode", "ticket", "follower_ticket", "kind")
"""The CSV's header, in order (the JSON row's field names)."""


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_csv(rows: list[HistoryRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        plain = unstructure(row)
        plain["open_time"], plain["close_time"] = _iso(row.open_time), _iso(row.close_time)
        if row.duration_s is not None:
            plain["duration_s"] = f"{row.duration_s:.3f}"
        writer.writerow(["" if plain[c] is None else plain[c] for c in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@route("GET", f"{ACCOUNT}/history.csv", summary="The history as CSV (UTF-8 with BOM)", tag=TAG,
       query=HistoryExportQuery, errors=(401, 404, 422))
async def history_csv(call: Call[None, HistoryExportQuery], account_id: int) -> Response:
    rows, _ = await _rows(call, account_id, _filter(call.query, limit=EXPORT_LIMIT))
    day = datetime.now(UTC).strftime("%Y%m%d")
    return Response(to_csv(rows), status=200, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="history-{account_id}-{day}.csv"',
                             "Cache-Control": "no-store"})
