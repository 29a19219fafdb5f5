"""The volume a copy should hold after its master trade's closing deals, computed absolutely.

The fan-out and the login resync both size (partial) closes of a copy. Deriving the target
from the copy's *current* volume breaks twice: a resync would apply a partial close again to
a copy that already followed it, and two quick partial closes would size the second from a
volume whose ACK has not arrived yet. So the target is replayed instead: from the copy's
opening volume, through every closing deal of the master trade in order (the master's
remaining volume only falls from deal to deal), with the same :func:`plan_close` steps the
live path uses. The result depends only on stored facts, so sending it twice is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ..domain.lots import SymbolSpec
from ..domain.plan import plan_close


def copy_target(
    copy_opened: Decimal, master_volume: Decimal, remainders: Iterable[Decimal],
    spec: SymbolSpec | None,
) -> Decimal:
    """Volume the copy should have left.

    ``copy_opened``: the copy's opening lots; ``master_volume``: the master trade's opening
    lots; ``remainders``: the master's remaining lots after each closing deal, in order.
    """
    held = copy_opened
    before = master_volume
    for remaining in remainders:
        remaining = min(remaining, before)
        if remaining == before:
            continue
        held = plan_close(before, remaining, held, copy_opened, spec)
        before = remaining
        if held == 0:
            break
    return held
