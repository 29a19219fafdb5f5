"""Pending orders: a follower's login resync (docs/protocol.md §9a, "Resync at login").

After the login report, under the master's decider lock and from one read, the ``ORD`` lines
the follower's EA reports are compared with the master's orders:

- copies marked *cancel due* (a protective action while it was offline,
  engine/order_removal.py) are cancelled first and left out of everything below;
- a reported copy of a live master order: its pair becomes PLACED (adopted if it had none);
  values that differ from the master's, or a volume that differs from the pair's (the copy
  was resized while the follower was away), get ``ORDER_MODIFY`` (with ``VOLUME``); one
  whose pair says no copy should exist (SKIPPED, FAILED, CANCELLED) gets ``ORDER_CANCEL``;
- a reported copy of an order that filled, was cancelled or expired, or that the server does
  not know: ``ORDER_CANCEL`` (a filled one is then caught up as a trade by the trade resync's
  OPEN, which the EA answers with its position or a market fill);
- a live master order the follower holds no copy of: never sent (or sent and never answered)
  → planned and sent now, whatever its age; PLACED before but gone now → the pair is
  CANCELLED ``ORDER_CANCELLED_OUTSIDE`` (removed by hand) unless the follower reports a
  position with that ticket (its copy filled: left to the trade);
- a live pair of an order that ended while the follower was away, not reported → CANCELLED.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..db import orders as sql
from ..protocol import CopyOrderCancel, CopyOrderModify, OrderEnd, OrderReport, encode
from .order_wire import LIVE, copy_values, end_reason, order_from_row, pair_row, reported_copy

if TYPE_CHECKING:
    from .orders import OrderDesk
    from .state import AccountInfo, FollowerLive, Peer


async def resync_orders(desk: OrderDesk, peer: Peer, info: AccountInfo, live: FollowerLive,
                        reports: list[OrderReport], position_tickets: set[int]) -> None:
    """Bring the follower's pending copies to the master's orders (module docstring)."""
    engine = desk.engine
    removed = await desk.removal.at_login(peer, info.id, [r.master_ticket for r in reports])
    reports = [r for r in reports if r.master_ticket not in removed]
    master_id = await engine.routing.master_of(info)
    if master_id is None:
        return
    async with engine.decider_lock(master_id):
        await engine.ledger.flush()

        async def load(con: Any) -> tuple[list[Any], list[Any], list[Any]]:
            async with con.transaction(isolation="repeatable_read", readonly=True):
                orders, pairs = await sql.follower_view(con, master_id, info.id)
                known = {o["ticket"] for o in orders}
                others = [r.master_ticket for r in reports if r.master_ticket not in known]
                extra = await sql.orders_by_tickets(con, master_id, others) if others else []
                return orders, pairs, extra

        orders, pairs, extra = await engine.db.run(load)
        by_ticket = {o["ticket"]: o for o in (*orders, *extra)}
        pair_of = {p["master_ticket"]: p for p in pairs}
        reported = {r.master_ticket: r for r in reports}
        reverse = info.rules.reverse
        lines: list[bytes] = []
        adopted: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []
        modified: list[tuple[Any, ...]] = []
        for ticket, report in reported.items():
            order = by_ticket.get(ticket)
            if order is None or order["status"] != "PLACED":
                end = end_reason(order["status"]) if order is not None else OrderEnd.CANCELLED
                lines.append(encode(CopyOrderCancel(ticket, end)))
                continue
            pair = pair_of.get(ticket)
            if pair is not None and pair["status"] not in LIVE:
                # decided against (SKIPPED, FAILED) or ended here: no copy should exist
                lines.append(encode(CopyOrderCancel(ticket, OrderEnd.CANCELLED)))
                continue
            if pair is None:  # placed, but its pair row was lost: adopt the copy
                adopted.append(pair_row(order["id"], info.id, "PENDING", reported_copy(report),
                                        None, None, True))
            values = copy_values(order, reverse)
            have = (report.price, report.sl, report.tp, report.stoplimit, report.expiration_ms)
            volume = pair["volume"] if pair is not None else None
            volume = volume if volume is not None and volume != report.volume else None
            if have != values or volume is not None:  # volume: resized while it was away
                lines.append(encode(CopyOrderModify(ticket, *values, volume)))
                if pair is not None:
                    modified.append((pair["id"], *values))
            notes.append((info.id, ticket, report.slave_ticket, volume or report.volume,
                          report.order_type.value))
        placing: list[tuple[Any, ...]] = []
        now = datetime.now(UTC)
        equity = engine.master_equity.get(master_id)
        for order in orders:
            ticket = order["ticket"]
            pair = pair_of.get(ticket)
            if ticket in reported or ticket in removed:
                continue
            if order["status"] != "PLACED":
                if pair is not None and pair["status"] in LIVE:
                    engine.ledger.enqueue(sql.note_order_pairs, (
                        info.id, ticket, "CANCELLED", 0, None,
                        "the master's order ended while the follower was away", LIVE))
                continue
            if ticket in position_tickets:
                continue  # its copy filled on the follower: the master's fill will follow
            if pair is not None and pair["status"] == "PLACED":
                engine.ledger.enqueue(sql.note_order_pairs, (
                    info.id, ticket, "CANCELLED", 0, "ORDER_CANCELLED_OUTSIDE",
                    "the pending copy was removed on the follower terminal", ("PLACED",)))
                continue
            if pair is not None and pair["status"] != "PENDING":
                continue  # SKIPPED, FAILED, CANCELLED: decided already
            if live.view is None:
                continue
            placing.append(desk.decide(info.id, peer, live, order_from_row(order),
                                       order["id"], equity, now))
        engine.ledger.enqueue_many(sql.insert_pairs, adopted + placing)
        engine.ledger.enqueue_many(sql.ack_orders, notes)
        engine.ledger.enqueue_many(sql.set_pair_values, modified)
        for line in lines:
            peer.send(line)
        engine.counters.commands_total += len(lines)
        await engine.ledger.flush()
