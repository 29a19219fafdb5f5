"""What a master's fan-out task receives: the signals the intake stored (engine/intake.py),
and the two translations the fan-out and the login resync share — a stored trade row to the
domain's open signal, and a planned open to its ``OPEN`` line."""

from __future__ import annotations

from decimal import Decimal

import attrs

from ..db.trades import MasterTrade
from ..domain.models import Side
from ..domain.plan import MasterOpenSignal, OpenOrder
from ..protocol import CloseReason, CopyOpen, encode


@attrs.frozen
class OpenSignal:
    """A stored, new master open."""

    row: MasterTrade
    received: float


@attrs.frozen
class CloseSignal:
    """A stored, new closing deal (full or partial)."""

    row: MasterTrade
    volume_before: Decimal
    reason: CloseReason
    received: float


@attrs.frozen
class ModifySignal:
    """A stored SL/TP change."""

    row: MasterTrade


Signal = OpenSignal | CloseSignal | ModifySignal


def signal_from_row(row: MasterTrade) -> MasterOpenSignal:
    return MasterOpenSignal(
        ticket=row.ticket, symbol=row.symbol, side=Side(row.side), price=row.price,
        volume=row.volume, sl=row.sl, tp=row.tp, opened_at=row.opened_at)


def copy_open_line(ticket: int, order: OpenOrder) -> bytes:
    return encode(CopyOpen(
        master_ticket=ticket, symbol=order.symbol, side=order.side, volume=order.volume,
        price=order.price, sl=order.sl, tp=order.tp,
        max_deviation_points=order.max_deviation_points,
        max_spread_points=order.max_spread_points or None))
