"""Floating P/L of open positions: the EAs' PNL lines, coalesced.

An EA may report each open position about once a second; dashboards need no more and the
database should not see every report. The book keeps the latest values per (account,
ticket) in memory and, once a second, hands each account's changed positions to the ledger
(one set-based UPDATE per kind) and publishes one ``position.pnl`` event per account. Tickets
the server knows nothing about are written nowhere (the UPDATEs match only OPEN rows).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import trio

from ..db import trades as sql
from ..db.shapes import decimal_json as _text
from ..protocol import FloatingPnl
from .ledger import Ledger

FLUSH_INTERVAL_S = 1.0
MAX_POSITIONS_PER_ACCOUNT = 5000
"""More distinct tickets than this in one second are dropped (an EA holds far fewer)."""

Publish = Callable[[int, int, list[dict[str, Any]]], None]
"""(account id, user id, changed positions) → live event."""


@attrs.frozen
class Latest:
    """The newest PNL of one position."""

    msg: FloatingPnl
    digits: int | None
    at: datetime


@attrs.define
class FloatingBook:
    """Coalesces PNL lines per account and flushes them at most once a second."""

    ledger: Ledger
    publish: Publish
    interval: float = FLUSH_INTERVAL_S
    _dirty: dict[int, tuple[int, bool, dict[int, Latest]]] = attrs.field(factory=dict)
    """account id → (user id, is master, ticket → latest)."""
    _wakeup: trio.Event = attrs.field(factory=trio.Event)
    dropped: int = 0

    def note(self, account_id: int, user_id: int, master: bool, msg: FloatingPnl) -> None:
        entry = self._dirty.get(account_id)
        if entry is None:
            entry = self._dirty[account_id] = (user_id, master, {})
        positions = entry[2]
        if msg.ticket not in positions and len(positions) >= MAX_POSITIONS_PER_ACCOUNT:
            self.dropped += 1
            return
        positions[msg.ticket] = Latest(msg, price_digits(msg.open_price), datetime.now(UTC))
        self._wakeup.set()

    def flush_now(self) -> None:
        """Hand everything noted so far to the ledger and publish it."""
        dirty, self._dirty = self._dirty, {}
        masters: list[tuple[Any, ...]] = []
        followers: list[tuple[Any, ...]] = []
        for account_id, (user_id, master, positions) in dirty.items():
            items = []
            for ticket, latest in positions.items():
                m = latest.msg
                if master:
                    masters.append((account_id, ticket, m.price, m.profit, m.swap, latest.at))
                else:
                    followers.append((account_id, ticket, m.open_price, m.price, m.profit,
                                      m.swap, latest.digits, latest.at))
                items.append(_event_item(m))
            self.publish(account_id, user_id, items)
        self.ledger.enqueue_many(sql.save_master_pnl, masters)
        self.ledger.enqueue_many(sql.save_pair_pnl, followers)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await self._wakeup.wait()
            self._wakeup = trio.Event()
            await trio.sleep(self.interval)  # gather a second's worth of reports
            self.flush_now()


def price_digits(price: Decimal) -> int | None:
    """Decimals the EA wrote the price with: the symbol's digits (docs/protocol.md, PNL)."""
    exponent = price.as_tuple().exponent
    if not isinstance(exponent, int):
        return None
    return min(max(-exponent, 0), 10)


def _event_item(m: FloatingPnl) -> dict[str, Any]:
    return {"ticket": m.ticket, "open_price": _text(m.open_price),
            "current_price": _text(m.price), "floating_profit": _text(m.profit),
            "swap": _text(m.swap)}
