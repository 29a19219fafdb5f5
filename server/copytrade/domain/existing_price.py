"""Copy existing positions: the one-sided price check, expressed in the OPEN's symmetric one.

The rule (docs/api.md, ``copy_existing_max_points``): an existing master position is copied
only if the follower's price is **no worse** than the master's open price by more than X
points; a better price is always fine. "Worse" is by the side the follower opens (the OPEN's
side, already reversed), so a reversed copy is mirrored:

- the follower **buys** (at its ask): refused when ``ask > master price + X points``;
- the follower **sells** (at its bid): refused when ``bid < master price - X points``.

The follower EA's deviation check (docs/protocol.md §9, "Deviation check") is symmetric —
it refuses when ``|market - PRICE| > MAX_DEV_POINTS`` — so the server expresses the one-sided
window with a wide limit ``D`` and a reference moved by ``D - X`` points away from the worse
side: ``PRICE = P - (D - X)·point`` for a buy (the window's top is ``P + X·point``),
``PRICE = P + (D - X)·point`` for a sell (its bottom is ``P - X·point``). ``D`` is
:data:`WIDE_POINTS` (100000, the most the server sends), made smaller for a buy when the
reference would not stay above 0; the far edge of the window is then so far on the better
side that no real quote reaches it. The point is the follower symbol's (``10^-digits``, its
``SYM`` report); without a reported spec the check stays symmetric (``PRICE = P``, ``X``).

A refusal comes back as ``PRICE_MOVED <seen> > <limit> points`` in the shifted terms;
:func:`worse_by` turns it back into how many points the price was worse than the master's.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from .models import Side

WIDE_POINTS = 100_000
"""The symmetric limit the one-sided window is built with (the wire's maximum)."""


@attrs.frozen
class PriceCheck:
    """What the OPEN carries for the check: its ``PRICE`` and ``MAX_DEV_POINTS``."""

    price: Decimal
    max_deviation_points: int
    shift_points: int = 0
    """How far (points) the reference is moved from the master's price (``D - X``)."""


def existing_price_check(side: Side, master_price: Decimal, limit_points: int,
                         digits: int | None) -> PriceCheck:
    """The OPEN's price and deviation limit for copying an existing position (module doc).

    ``side`` is the follower's side (after any reverse); ``limit_points`` is X (≥ 0);
    ``digits`` the follower symbol's price decimals, or None when it reported no spec."""
    if limit_points < 0:
        raise ValueError("limit_points must be >= 0")
    if digits is None or master_price <= 0:
        return PriceCheck(master_price, limit_points)
    point = Decimal(1).scaleb(-digits)
    wide = WIDE_POINTS
    if side is Side.BUY:
        # The reference P - (D - X)·point must stay above 0.
        room = int(master_price / point) - 1 + limit_points
        wide = max(limit_points, min(wide, room))
        if wide <= limit_points:
            return PriceCheck(master_price, limit_points)
        return PriceCheck(master_price - (wide - limit_points) * point, wide,
                          wide - limit_points)
    return PriceCheck(master_price + (wide - limit_points) * point, wide, wide - limit_points)


def worse_by(seen: int, limit: int, limit_points: int) -> int:
    """From the EA's ``PRICE_MOVED <seen> > <limit>`` of a one-sided check built for X =
    ``limit_points``: how many points the follower's price was worse than the master's."""
    if limit <= limit_points:  # sent symmetric (no spec): the figure is the deviation itself
        return seen
    return seen - (limit - limit_points)
