"""Constants and small enums of the EA wire protocol, version 1."""

from __future__ import annotations

import dataclasses
import enum
import re
from decimal import Decimal
from typing import NamedTuple

from copytrade.domain.models import Role

PROTOCOL_VERSION = 1
"""The protocol version this code speaks; sent in AUTH and in OK."""

MAX_LINE = 4096
"""Longest line accepted, in bytes, counting its terminator."""

HEARTBEAT_INTERVAL_S = 10
"""Default: an EA sends PING after this many seconds without sending anything."""

IDLE_TIMEOUT_S = 30
"""Default: the server drops a peer it has heard nothing from for this long."""

AUTH_TIMEOUT_S = 10
"""Default: AUTH must be answered with OK within this long after connecting."""

MAX_TEXT = 200
"""Longest free-text field (error text, client name), in characters."""

MAX_INT = 2**63 - 1
"""Largest integer field (tickets, deals, sequence numbers)."""

FIELD_SEP = "|"

ALREADY_COPIED = "ALREADY_COPIED"
"""First word of the TEXT of ``NACK_OPEN|MST_TICKET|0|ALREADY_COPIED …``: the follower EA
refuses an OPEN for a master ticket it copied before and whose copy has closed (§11)."""


def is_already_copied(retcode: int, text: str) -> bool:
    """Whether a NACK_OPEN says "this master ticket was copied once already" (§11)."""
    return retcode == 0 and text.split(" ", 1)[0] == ALREADY_COPIED


PRICE_MOVED = "PRICE_MOVED"
"""First word of the TEXT of ``NACK_OPEN|MST_TICKET|0|PRICE_MOVED <seen> > <limit> points``:
the follower EA's price guard refused the open (§9, "Deviation check")."""

SPREAD_TOO_WIDE = "SPREAD_TOO_WIDE"
"""First word of the TEXT of ``NACK_OPEN|MST_TICKET|0|SPREAD_TOO_WIDE <seen> > <limit>
points``: the follower EA's spread was wider than ``MAX_SPREAD_POINTS`` (§9, "Spread check")."""

_GUARD_RE = re.compile(r"(PRICE_MOVED|SPREAD_TOO_WIDE) (\d{1,18}) > (\d{1,18}) points(?: .*)?",
                       re.S)
_OLD_PRICE_MOVED_RE = re.compile(r"price moved (\d{1,18}) points from the master's "
                                 r"\(limit (\d{1,18})\)")


@dataclasses.dataclass(frozen=True, slots=True)
class PriceGuardRefusal:
    """A price-guard ``NACK_OPEN``: which guard (``PRICE_MOVED`` or ``SPREAD_TOO_WIDE``), the
    figure the EA saw and its limit, in points (``None`` when the text did not carry them)."""

    code: str
    seen: int | None
    limit: int | None


def parse_price_guard(retcode: int, text: str) -> PriceGuardRefusal | None:
    """The price-guard refusal a NACK_OPEN's retcode and TEXT state, or ``None`` if it is not
    one. Reads ``PRICE_MOVED|SPREAD_TOO_WIDE <seen> > <limit> points [free text]`` and, from
    EAs older than it, ``price moved N points from the master's (limit M)`` (any text
    starting with ``price moved``)."""
    if retcode != 0:
        return None
    m = _GUARD_RE.fullmatch(text)
    if m is not None:
        return PriceGuardRefusal(m.group(1), int(m.group(2)), int(m.group(3)))
    word = text.split(" ", 1)[0]
    if word in (PRICE_MOVED, SPREAD_TOO_WIDE):
        return PriceGuardRefusal(word, None, None)  # the word without well-formed figures
    m = _OLD_PRICE_MOVED_RE.match(text)
    if m is not None:
        return PriceGuardRefusal(PRICE_MOVED, int(m.group(1)), int(m.group(2)))
    if text.startswith("price moved"):
        return PriceGuardRefusal(PRICE_MOVED, None, None)
    return None


class Direction(enum.Enum):
    """Which way a line travels; the same verb may mean different things each way."""

    EA_TO_SERVER = "ea_to_server"
    SERVER_TO_EA = "server_to_ea"


class CloseReason(enum.Enum):
    """Why a position was closed (mirrors MT5's DEAL_REASON)."""

    CLIENT = "CLIENT"
    EXPERT = "EXPERT"
    SL = "SL"
    TP = "TP"
    SO = "SO"
    OTHER = "OTHER"


class CommandKind(enum.Enum):
    """The trade commands: in STORED, NACK_* and the engine's bookkeeping (the ``ORDER*``
    ones are the pending-order verbs, docs/protocol.md §9a)."""

    OPEN = "OPEN"
    CLOSE = "CLOSE"
    MODIFY = "MODIFY"
    ORDER = "ORDER"
    ORDER_MODIFY = "ORDER_MODIFY"
    ORDER_CANCEL = "ORDER_CANCEL"


class OrderEnd(enum.Enum):
    """Why a pending order ended without filling (``CMD_ORDER_CANCEL``/``ORDER_CANCEL``)."""

    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class Kind(enum.Enum):
    """How one wire field is parsed and written (see reader.py / writer.py)."""

    TICKET = "ticket"  # int 1..2^63-1
    UINT = "uint"  # int 0..2^63-1
    POS_INT = "pos_int"  # int 1..2^63-1 (ids, seconds)
    INT32 = "int32"  # int 0..2^31-1 (MT5 retcodes: an integer column)
    POS_INT32 = "pos_int32"  # int 1..2^31-1 (leverage: an integer column)
    DIGITS = "digits"  # int 0..10
    OPT_UINT = "opt_uint"  # optional trailing epoch ms 0..MAX_EPOCH_MS; absent -> None
    OPT_TICK = "opt_tick"  # optional trailing Decimal >= 0, numeric(20,8); 0 = unknown
    OPT_COUNT = "opt_count"  # optional trailing uint 0..2^63-1; absent -> None
    OPT_VOLUME = "opt_volume"  # optional trailing Decimal > 0, numeric(12,4); absent -> None
    EPOCH_MS = "epoch_ms"  # int 0..MAX_EPOCH_MS (0 = none, e.g. no expiration)
    VOLUME = "volume"  # Decimal > 0, numeric(12,4)
    LOTS = "lots"  # Decimal >= 0, numeric(12,4) (remaining / target volume, min lot)
    PRICE = "price"  # Decimal >= 0, numeric(20,8) (prices, SL/TP with 0 = none)
    QUOTE = "quote"  # a price written with the symbol's digits (trailing zeros kept)
    MONEY = "money"  # Decimal, any sign, numeric(18,2) (profit, balance, equity)
    PERCENT = "percent"  # Decimal >= 0, numeric(12,2) (margin level)
    SIDE = "side"
    ORDER_TYPE = "order_type"  # BUY_LIMIT | SELL_LIMIT | BUY_STOP | ... (domain/pending.py)
    ORDER_END = "order_end"  # CANCELLED | EXPIRED
    REASON = "reason"
    COMMAND = "command"
    ERROR_CODE = "error_code"
    SYMBOL = "symbol"
    CURRENCY = "currency"
    API_KEY = "api_key"
    OPT_TOKEN = "opt_token"  # noqa: S105 -- empty -> None
    TEXT = "text"  # free text, sanitised on write
    ROLE = "role"
    LOT_MODE = "lot_mode"
    BOOL = "bool"  # 0 | 1
    SYMBOL_MAP = "symbol_map"


"""Kinds a verb's last field may have to be optional (absent -> None)."""


class DecimalRange(NamedTuple):
    """What a decimal field may hold: the database column it is stored in (docs/protocol.md §3)."""

    low: Decimal
    low_included: bool
    high: Decimal
    places: int
    """Most decimals; further decimals are accepted only if they are zeros (never rounded)."""


MAX_VOLUME = Decimal("99999999.9999")
"""Largest lot: numeric(12,4), the follower-rules columns (trade volumes are numeric(14,4))."""
MAX_PRICE = Decimal("999999999999.99999999")
"""Largest price: numeric(20,8)."""
MAX_MONEY = Decimal("9999999999999999.99")
"""Largest absolute amount of money: numeric(18,2)."""
MAX_PERCENT = Decimal("9999999999.99")
"""Largest margin level: numeric(12,2)."""
MAX_INT32 = 2**31 - 1
"""Largest value of an integer column (retcode, leverage)."""
MAX_EPOCH_MS = 253402300799999
"""OPEN_TIME_MS at most 9999-12-31T23:59:59.999Z."""

DECIMAL_RANGES: dict[Kind, DecimalRange] = {
    Kind.VOLUME: DecimalRange(Decimal(0), False, MAX_VOLUME, 4),
    Kind.LOTS: DecimalRange(Decimal(0), True, MAX_VOLUME, 4),
    Kind.PRICE: DecimalRange(Decimal(0), True, MAX_PRICE, 8),
    Kind.QUOTE: DecimalRange(Decimal(0), True, MAX_PRICE, 8),
    Kind.MONEY: DecimalRange(-MAX_MONEY, True, MAX_MONEY, 2),
    Kind.PERCENT: DecimalRange(Decimal(0), True, MAX_PERCENT, 2),
    Kind.OPT_TICK: DecimalRange(Decimal(0), True, MAX_PRICE, 8),
    Kind.OPT_VOLUME: DecimalRange(Decimal(0), False, MAX_VOLUME, 4),
}
"""Range and decimals of every decimal kind."""

OPTIONAL_KINDS = frozenset({Kind.OPT_UINT, Kind.OPT_TICK, Kind.OPT_COUNT, Kind.OPT_VOLUME})
"""Kinds that may be left off the end of a line: a verb's optional fields are all there or
all absent (SYM takes 6 or 8 fields, never 7); an absent one reads as None."""


ROLES = frozenset(role.value for role in Role)
"""The wire words of ``OK``'s role: the domain's :class:`~copytrade.domain.models.Role`
values. (``RULES``' lot mode is read and written as a
:class:`~copytrade.domain.models.LotMode`.)"""

DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
SYMBOL_RE = re.compile(r"[A-Za-z0-9._#+\-]{1,32}")
CURRENCY_RE = re.compile(r"[A-Za-z]{3,8}")
# Printable ASCII without the separator "|" (0x7C).
API_KEY_RE = re.compile(r"[\x21-\x7b\x7d\x7e]{1,128}")
TOKEN_RE = re.compile(r"[\x21-\x7b\x7d\x7e]{1,64}")
_SYM = r"[A-Za-z0-9._#+\-]{1,32}"
SYMBOL_MAP_RE = re.compile(rf"(?:{_SYM}={_SYM}(?:,{_SYM}={_SYM})*)?")
