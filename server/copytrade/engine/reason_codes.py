"""Every reason code a copy (trade pair) can carry, in one list: what the SPA must translate.

The enums are taken whole (a new :class:`~copytrade.domain.plan.SkipCode`,
:class:`~copytrade.domain.risk_limits.CopyBlock` or guard joins the list by itself); the codes
the engine and the ledger spell as literals are listed here. ``frontend/src/i18n/
reason-codes.json`` is generated from this module (``python -m copytrade.engine.reason_codes``)
and a pytest keeps the two equal; the SPA's test fails when a code has no Thai or English text.
"""

from __future__ import annotations

import json
import sys

from ..domain.pending import ORDER_SKIP_CODES
from ..domain.plan import SkipCode
from ..domain.risk_limits import CopyBlock, GuardKind
from ..protocol import CloseReason, CommandKind

ENGINE_CODES: tuple[str, ...] = (
    "NO_ANSWER",           # db/trades.py: no answer from the follower EA (status UNKNOWN)
    "ALREADY_COPIED",      # db/trades.py: the EA refused a second copy of a closed one
    "REJECTED",            # db/trades.py: the follower terminal refused the open
    "KILL_SWITCH",         # engine/killswitch.py: closed by the kill switch
    "MASTER_CLOSED",       # engine/resync.py: expired, the master closed before it was sent
    "CLOSED_WITH_MASTER",  # engine/resync.py: closed while offline, the master closed too
    "CLOSED_OUTSIDE",      # engine/resync.py: closed on the follower while offline
    "EXISTING_PRICE_MOVED",  # engine/reports.py: copy existing, the EA's price check refused
    "PRICE_MOVED",         # engine/reports.py: the EA's price guard refused (deviation seen)
    "SPREAD_TOO_WIDE",     # engine/reports.py: the EA's spread guard refused (spread seen)
    "ORDER_CANCELLED_OUTSIDE",  # engine/orders.py: a pending copy removed on the follower
    "FILLED_BEFORE_CANCEL",     # engine/orders.py: the copy filled, the master's order did not
    "EA_NO_PENDING_ORDERS",     # engine/orders.py: the follower's EA copies no pending orders
)
"""Codes the engine writes as literals (grep the named modules when adding one)."""


def reason_codes() -> list[str]:
    """Every code a pair's ``reason_code`` can hold, sorted; a CLOSED pair without a code of
    its own shows the master's close reason (``CLIENT``, ``SL``, ...), so those are in too."""
    codes = set(ENGINE_CODES)
    codes |= {c.value for c in SkipCode}
    codes |= set(ORDER_SKIP_CODES)                               # domain/pending.py
    codes |= {c.value for c in CopyBlock}
    codes |= {f"RISK_{k.value}" for k in GuardKind}              # engine/guards.py closes
    codes |= {f"{c.value}_REJECTED" for c in CommandKind}        # engine/reports.py NACKs
    codes |= {f"FOLLOWER_{r.value}" for r in CloseReason}        # engine/reports.py CLOSED
    codes |= {r.value for r in CloseReason}                      # the master's close reason
    return sorted(codes)


def as_json() -> str:
    return json.dumps(reason_codes(), indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(as_json())
