"""What EAs report back: a follower's answers to commands (ACK_OPEN, NACK, ACK_CLOSE), the
copies it closed itself (COPY_CLOSED), and every EA's ACCOUNT line; and the copies that got
no answer at all (:meth:`Reports.sweep_unanswered`).

Nothing here awaits the database: each report becomes a ledger write
(:class:`~.ledger.Ledger`, applied in batches). A copy stopped out on the follower is a
stop-out: the 1TO1 kill switch runs (engine/killswitch.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import trio

from ..db import equity as equity_sql
from ..db import trades as sql
from ..db.database import Database
from ..db.shapes import decimal_json as decimal_text
from ..domain.existing_price import worse_by
from ..domain.models import Role
from ..protocol import (
    SPREAD_TOO_WIDE,
    AccountState,
    AckClose,
    AckOpen,
    CloseReason,
    CommandKind,
    CopyClosed,
    Nack,
    PriceGuardRefusal,
    is_already_copied,
    parse_price_guard,
)
from .events import EventBus
from .killswitch import KillSwitch
from .ledger import Ledger
from .metrics import Metrics
from .state import AccountInfo, FollowerLive
from .views import EQUITY_SIZED, FollowerViews

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@attrs.define
class Reports:
    """Turns EA reports into ledger writes, counters and live events."""

    db: Database
    ledger: Ledger
    live: Mapping[int, FollowerLive]
    master_equity: dict[int, Decimal]
    """master id → the equity of its last ACCOUNT line (EQUITY_RATIO sizing)."""
    views: FollowerViews
    killswitch: KillSwitch
    events: EventBus
    counters: Metrics

    async def sweep_unanswered(self, timeout: float,
                               on_result: Callable[[Any, list[Any]], None]) -> None:
        """Copies sent with no ACK/NACK within ``timeout`` become UNKNOWN (NO_ANSWER); their
        rows go to ``on_result`` as a ledger batch's do."""
        while True:
            await trio.sleep(min(max(timeout / 4, 0.05), 5.0))
            try:
                rows = await self.db.run(lambda con: sql.mark_no_answer(con, timeout))
            except Exception as exc:  # an outage: try again on the next round
                log.warning("no-answer sweep failed: %s", exc)
                continue
            if rows:
                log.info("%d copies got no answer within %gs: marked UNKNOWN", len(rows),
                         timeout)
                on_result(sql.mark_no_answer, rows)

    def ack_open(self, info: AccountInfo, msg: AckOpen) -> None:
        self.counters.acks_total += 1
        live = self.live.get(info.id)
        sent = live.sent_at.pop(msg.master_ticket, None) if live is not None else None
        if sent is not None:
            self.counters.copy_latency_seconds.observe(time.monotonic() - sent)
        self.ledger.enqueue(sql.ack_opens, (info.id, msg.master_ticket, msg.slave_ticket,
                                            msg.volume, msg.side.value, utcnow()))

    def nack(self, info: AccountInfo, msg: Nack) -> None:
        self.counters.nacks_total += 1
        if msg.command is CommandKind.OPEN:
            live = self.live.get(info.id)
            if live is not None:
                live.sent_at.pop(msg.master_ticket, None)
            guard = parse_price_guard(msg.retcode, msg.text)
            if guard is not None:
                self._price_guard_refused(info, msg, guard)
                return
            if is_already_copied(msg.retcode, msg.text):
                log.warning("follower %d refused a second copy of master ticket %d: %s",
                            info.id, msg.master_ticket, msg.text)
                self.ledger.enqueue(sql.already_copied_opens, (
                    info.id, msg.master_ticket,
                    f"the follower EA had already copied this master ticket and that copy is "
                    f"closed; it refused a second one ({msg.text})", utcnow()))
                return
            self.ledger.enqueue(sql.fail_opens, (info.id, msg.master_ticket, msg.retcode,
                                                 f"{msg.text} (retcode {msg.retcode})", utcnow()))
        else:
            what = "close" if msg.command is CommandKind.CLOSE else "SL/TP change"
            self.ledger.enqueue(sql.note_pairs, (
                info.id, msg.master_ticket, msg.retcode, f"{msg.command.value}_REJECTED",
                f"{what} refused by the follower terminal: {msg.text} (retcode {msg.retcode})"))

    def _price_guard_refused(self, info: AccountInfo, msg: Nack,
                             guard: PriceGuardRefusal) -> None:
        """The follower EA's price guard refused an open (docs/protocol.md §9): SKIPPED with
        ``PRICE_MOVED`` / ``SPREAD_TOO_WIDE`` (``EXISTING_PRICE_MOVED`` for a copy of an
        existing position) and the figures it saw in the reason."""
        live = self.live.get(info.id)
        existing = live is not None and msg.master_ticket in live.existing_opens
        if live is not None:
            live.existing_opens.discard(msg.master_ticket)
        known = guard.seen is not None and guard.limit is not None
        what = "existing position" if existing else "trade"
        if guard.code == SPREAD_TOO_WIDE:
            code = "SPREAD_TOO_WIDE"   # the reason codes spell the wire words
            why = (f"spread was {guard.seen} points, more than the limit of {guard.limit}"
                   if known else "spread was too wide")
        else:
            code = "EXISTING_PRICE_MOVED" if existing else "PRICE_MOVED"
            price = "the master's open price" if existing else "the master's price"
            why = (f"price was {guard.seen} points from {price}, more than the limit of "
                   f"{guard.limit}" if known else f"price is too far from {price}")
            if existing and known:  # a one-sided check (domain/existing_price.py)
                x = info.rules.copy_existing_max_points
                why = (f"price was {worse_by(guard.seen or 0, guard.limit or 0, x)} points "
                       f"worse than {price}, more than the limit of {x}")
        self.ledger.enqueue(sql.skip_opens, (
            info.id, msg.master_ticket, code,
            f"{what} not copied: the follower's {why} ({msg.text})", utcnow()))

    def ack_close(self, info: AccountInfo, msg: AckClose) -> None:
        self.counters.acks_total += 1
        self.ledger.enqueue(sql.ack_closes, (info.id, msg.master_ticket, msg.volume,
                                             msg.remaining, msg.price, msg.profit, utcnow(),
                                             msg.slave_ticket))

    async def copy_closed(self, info: AccountInfo, msg: CopyClosed) -> None:
        reasons = {CloseReason.SL: "stop loss hit on the follower",
                   CloseReason.TP: "take profit hit on the follower",
                   CloseReason.SO: "stopped out on the follower",
                   CloseReason.CLIENT: "closed by hand on the follower terminal"}
        why = reasons.get(msg.reason, "closed on the follower terminal")
        self.ledger.enqueue(sql.close_pairs_externally, (
            info.id, msg.master_ticket, msg.price, msg.profit, f"FOLLOWER_{msg.reason.value}",
            why, utcnow()))
        if msg.reason is CloseReason.SO:
            await self.killswitch.stop_out(info, time.monotonic(),
                                           "follower position closed by stop-out")

    def account_state(self, info: AccountInfo, msg: AccountState) -> None:
        if info.role is Role.MASTER:
            self.master_equity[info.id] = msg.equity
        else:
            live = self.live.get(info.id)
            if live is not None and live.equity != msg.equity:
                live.equity = msg.equity
                if live.view is not None and info.rules.lot_mode in EQUITY_SIZED:
                    self.views.rebuild(info, live)
        self.ledger.enqueue(equity_sql.save_reports, (
            info.id, msg.balance, msg.equity, msg.margin_level, msg.currency, msg.leverage,
            datetime.now(UTC)))
        if self.events.wants(info.user_id):
            self.events.publish(info.user_id, "account.state", {
                "balance": decimal_text(msg.balance), "equity": decimal_text(msg.equity),
                "margin_level": decimal_text(msg.margin_level), "currency": msg.currency,
                "leverage": msg.leverage}, info.id)
