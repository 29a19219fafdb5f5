"""The protocol's messages: one frozen attrs class per line type.

Each class names its verb in ``VERB`` and the wire kind of each field in the field's
``metadata["wire"]``; fields appear on the wire in declaration order.  ``Nack`` is the
exception: its ``command`` field is part of the verb (``NACK_OPEN`` ...), not a field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

import attrs

from copytrade.domain.models import LotMode, Side
from copytrade.domain.pending import OrderType

from .errors import ErrorCode
from .vocab import CloseReason, CommandKind, Kind, OrderEnd


def _w(kind: Kind) -> dict[str, Any]:
    return {"wire": kind}


# --- both directions -------------------------------------------------------------------


@attrs.frozen
class Ping:
    """``PING|SEQ``: either side asks for a PONG with the same ``seq``."""

    VERB: ClassVar[str] = "PING"
    seq: int = attrs.field(metadata=_w(Kind.UINT))
    """Sender's counter, echoed in the PONG."""


@attrs.frozen
class Pong:
    """``PONG|SEQ``: the answer to a PING."""

    VERB: ClassVar[str] = "PONG"
    seq: int = attrs.field(metadata=_w(Kind.UINT))
    """The ``seq`` of the PING being answered."""


@attrs.frozen
class AccountState:
    """``ACCOUNT|BALANCE|EQUITY|MARGIN_LEVEL|CURRENCY|LEVERAGE``: an EA's account state."""

    VERB: ClassVar[str] = "ACCOUNT"
    balance: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Account balance in ``currency``."""
    equity: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Balance plus floating profit."""
    margin_level: Decimal = attrs.field(metadata=_w(Kind.PERCENT))
    """Margin level in percent; 0 when no positions are open."""
    currency: str = attrs.field(metadata=_w(Kind.CURRENCY))
    """Deposit currency, 3-8 letters."""
    leverage: int = attrs.field(metadata=_w(Kind.POS_INT32))
    """Account leverage (100 means 1:100)."""


@attrs.frozen
class StopOut:
    """``STOPOUT|MARGIN_LEVEL|EQUITY``: the broker is stopping the account out."""

    VERB: ClassVar[str] = "STOPOUT"
    margin_level: Decimal = attrs.field(metadata=_w(Kind.PERCENT))
    """Margin level in percent when the stop-out happened."""
    equity: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Equity at that moment."""


@attrs.frozen
class Rules:
    """``RULES|LOT_MODE|LOT_VALUE|REVERSE|MIN_LOT|MAP``: a follower's copy rules.

    From a follower EA: the rules configured in its inputs (optional). From the server: the
    rules that are in effect.
    """

    VERB: ClassVar[str] = "RULES"
    lot_mode: LotMode = attrs.field(metadata=_w(Kind.LOT_MODE))
    """``FIXED``, ``MULTIPLIER``, ``EQUITY_RATIO`` or ``RISK_PERCENT``."""
    lot_value: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Fixed lot, multiplier or ratio, depending on ``lot_mode``; > 0."""
    reverse: bool = attrs.field(metadata=_w(Kind.BOOL))
    """Copy BUY as SELL and SELL as BUY (``1`` on the wire)."""
    min_lot: Decimal = attrs.field(metadata=_w(Kind.LOTS))
    """Copies smaller than this are skipped; 0 means no minimum."""
    symbol_map: str = attrs.field(metadata=_w(Kind.SYMBOL_MAP))
    """``MASTER=FOLLOWER`` symbol pairs separated by commas, e.g. ``XAUUSD=GOLD``; may be empty."""


@attrs.frozen
class FloatingPnl:
    """``PNL|TICKET|OPEN_PRICE|PRICE|PROFIT|SWAP``: an open position's floating result.

    Sent by masters (``ticket`` = its position ticket) and followers (``ticket`` = the master
    ticket the copy is tagged with), at most once a second per position, when it changed.
    """

    VERB: ClassVar[str] = "PNL"
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master: its position ticket. Follower: the master ticket of the copy (MST_TICKET)."""
    open_price: Decimal = attrs.field(metadata=_w(Kind.QUOTE))
    """The position's open (fill) price, POSITION_PRICE_OPEN."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Current price the position would close at (bid for BUY, ask for SELL)."""
    profit: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Floating profit in the deposit currency, swap not included (POSITION_PROFIT)."""
    swap: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Accumulated swap in the deposit currency (POSITION_SWAP)."""


# --- EA -> server: authentication ---------------------------------------------------


@attrs.frozen
class Auth:
    """``AUTH|API_KEY|VERSION|MASTER_TOKEN|CLIENT``: the EA's first line."""

    VERB: ClassVar[str] = "AUTH"
    api_key: str = attrs.field(metadata=_w(Kind.API_KEY))
    """The trading account's EA key (printable ASCII without ``|``, at most 128)."""
    version: int = attrs.field(metadata=_w(Kind.UINT))
    """Protocol version the EA speaks."""
    master_token: str | None = attrs.field(metadata=_w(Kind.OPT_TOKEN))
    """Follower only: the token of the master it follows; None (empty field) otherwise."""
    client: str = attrs.field(metadata=_w(Kind.TEXT))
    """Free text naming the EA build and terminal, for logs."""


# --- EA -> server: master events ----------------------------------------------------


@attrs.frozen
class MasterOpen:
    """``CMD_OPEN|TYPE|SYMBOL|PRICE|LOT|SL|TP|TICKET[|OPEN_TIME_MS]``: a master opened."""

    VERB: ClassVar[str] = "CMD_OPEN"
    side: Side = attrs.field(metadata=_w(Kind.SIDE))
    """BUY or SELL."""
    symbol: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """The master's symbol."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Open price."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots opened, > 0."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The master's MT5 position ticket."""
    open_time_ms: int | None = attrs.field(default=None, metadata=_w(Kind.OPT_UINT))
    """MT5 position time in epoch milliseconds; None when the EA leaves the field out."""


@attrs.frozen
class MasterClose:
    """``CMD_CLOSE|TICKET|DEAL|VOLUME|PRICE|PROFIT|REMAINING|REASON``: full or partial close."""

    VERB: ClassVar[str] = "CMD_CLOSE"
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The master's position ticket."""
    deal: int = attrs.field(metadata=_w(Kind.TICKET))
    """The MT5 closing deal ticket; makes resends idempotent."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots closed by this deal, > 0."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Close price."""
    profit: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Profit of this deal; may be negative."""
    remaining: Decimal = attrs.field(metadata=_w(Kind.LOTS))
    """Lots still open; 0 = fully closed, > 0 = partial close."""
    reason: CloseReason = attrs.field(metadata=_w(Kind.REASON))
    """Why it closed."""


@attrs.frozen
class MasterModify:
    """``CMD_MODIFY|TICKET|SL|TP``: a master changed SL/TP (target values)."""

    VERB: ClassVar[str] = "CMD_MODIFY"
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The master's position ticket."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """New stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """New take profit; 0 = none."""


# --- EA -> server: master pending orders (docs/protocol.md §7a) ------------------------


@attrs.frozen
class MasterOrder:
    """``CMD_ORDER|TYPE|SYMBOL|PRICE|LOT|SL|TP|TICKET|STOPLIMIT|EXPIRATION_MS``: a master
    placed a pending order."""

    VERB: ClassVar[str] = "CMD_ORDER"
    order_type: OrderType = attrs.field(metadata=_w(Kind.ORDER_TYPE))
    """BUY_LIMIT, SELL_LIMIT, BUY_STOP, SELL_STOP, BUY_STOP_LIMIT or SELL_STOP_LIMIT."""
    symbol: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """The master's symbol."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """The order's price (ORDER_PRICE_OPEN: the trigger of a stop-limit)."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots, > 0."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The order ticket; MT5 gives the position it opens the same ticket."""
    stoplimit: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """The limit price of a stop-limit order (ORDER_PRICE_STOPLIMIT); 0 for the others."""
    expiration_ms: int = attrs.field(metadata=_w(Kind.EPOCH_MS))
    """When the order expires, epoch ms (ORDER_TIME_EXPIRATION); 0 = good till cancelled."""


@attrs.frozen
class MasterOrderModify:
    """``CMD_ORDER_MODIFY|TICKET|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS[|VOLUME]``: new target
    values (``VOLUME``: the order's current volume, when the EA reports it)."""

    VERB: ClassVar[str] = "CMD_ORDER_MODIFY"
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The order ticket."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """New order price."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """New stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """New take profit; 0 = none."""
    stoplimit: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """New stop-limit price; 0 for other order types."""
    expiration_ms: int = attrs.field(metadata=_w(Kind.EPOCH_MS))
    """New expiration, epoch ms; 0 = good till cancelled."""
    volume: Decimal | None = attrs.field(default=None, metadata=_w(Kind.OPT_VOLUME))
    """Optional: the order's current (remaining) volume, ``ORDER_VOLUME_CURRENT``; absent →
    ``None`` (unchanged, an EA that does not report it)."""


@attrs.frozen
class MasterOrderCancel:
    """``CMD_ORDER_CANCEL|TICKET|REASON``: a master's pending order ended without filling."""

    VERB: ClassVar[str] = "CMD_ORDER_CANCEL"
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The order ticket."""
    reason: OrderEnd = attrs.field(metadata=_w(Kind.ORDER_END))
    """CANCELLED (removed) or EXPIRED (its expiration passed)."""


# --- EA -> server: follower replies and reports -------------------------------------


@attrs.frozen
class AckOpen:
    """``ACK_OPEN|MST_TICKET|SLV_TICKET|SLV_LOT|SLV_TYPE``: a copy was opened."""

    VERB: ClassVar[str] = "ACK_OPEN"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket of the OPEN being answered."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The follower's new position ticket."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots actually opened."""
    side: Side = attrs.field(metadata=_w(Kind.SIDE))
    """Side actually opened."""


@attrs.frozen
class Nack:
    """``NACK_OPEN|MST_TICKET|RETCODE|TEXT`` (also NACK_CLOSE, NACK_MODIFY): refused."""

    command: CommandKind
    """Which command failed; part of the verb on the wire."""
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket of the command being answered."""
    retcode: int = attrs.field(metadata=_w(Kind.INT32))
    """MT5 trade server return code (e.g. 10019 = no money)."""
    text: str = attrs.field(metadata=_w(Kind.TEXT))
    """Human explanation from the terminal."""


@attrs.frozen
class AckClose:
    """``ACK_CLOSE|MST_TICKET|SLV_TICKET|CLOSED_VOLUME|REMAINING|PRICE|PROFIT``."""

    VERB: ClassVar[str] = "ACK_CLOSE"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket of the CLOSE being answered."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The follower's position ticket."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots closed now, > 0."""
    remaining: Decimal = attrs.field(metadata=_w(Kind.LOTS))
    """Lots of the copy still open; 0 = fully closed."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Close price."""
    profit: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Profit of the closed part."""


@attrs.frozen
class AckModify:
    """``ACK_MODIFY|MST_TICKET|SL|TP``: the copy's SL/TP now are these."""

    VERB: ClassVar[str] = "ACK_MODIFY"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket of the MODIFY being answered."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss now set; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit now set; 0 = none."""


@attrs.frozen
class CopyClosed:
    """``CLOSED|MST_TICKET|SLV_TICKET|PRICE|PROFIT|REASON``: a copy closed on its own."""

    VERB: ClassVar[str] = "CLOSED"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket the copy belongs to."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The follower's position ticket."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Close price."""
    profit: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Final profit of the copy."""
    reason: CloseReason = attrs.field(metadata=_w(Kind.REASON))
    """Why it closed (its SL/TP, manual close, stop-out...)."""


@attrs.frozen
class AckOrder:
    """``ACK_ORDER|MST_TICKET|SLV_TICKET|SLV_LOT|SLV_TYPE``: a pending copy was placed."""

    VERB: ClassVar[str] = "ACK_ORDER"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket of the ORDER being answered."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The follower's order ticket."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots actually placed."""
    order_type: OrderType = attrs.field(metadata=_w(Kind.ORDER_TYPE))
    """Order type actually placed."""


@attrs.frozen
class AckOrderModify:
    """``ACK_ORDER_MODIFY|MST_TICKET|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS``: now set."""

    VERB: ClassVar[str] = "ACK_ORDER_MODIFY"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket of the ORDER_MODIFY being answered."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Order price now set."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss now set; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit now set; 0 = none."""
    stoplimit: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop-limit price now set; 0 for other order types."""
    expiration_ms: int = attrs.field(metadata=_w(Kind.EPOCH_MS))
    """Expiration now set, epoch ms; 0 = good till cancelled."""


@attrs.frozen
class AckOrderCancel:
    """``ACK_ORDER_CANCEL|MST_TICKET|SLV_TICKET|FILLED``: no pending copy is left."""

    VERB: ClassVar[str] = "ACK_ORDER_CANCEL"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket of the ORDER_CANCEL being answered."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.UINT))
    """The follower's order ticket that was removed; 0 when it held none (already gone)."""
    filled: bool = attrs.field(metadata=_w(Kind.BOOL))
    """1 when the follower holds a position tagged with this master ticket (its copy filled
    before the cancel arrived); the EA never closes it on its own."""


@attrs.frozen
class OrderReport:
    """``ORD|MST_TICKET|SLV_TICKET|SYMBOL|TYPE|VOLUME|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS``:
    a pending copy the follower holds (login report)."""

    VERB: ClassVar[str] = "ORD"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket read from the copy's tag."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The follower's order ticket."""
    symbol: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """The follower's symbol."""
    order_type: OrderType = attrs.field(metadata=_w(Kind.ORDER_TYPE))
    """Order type."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Order price."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    stoplimit: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop-limit price; 0 for other order types."""
    expiration_ms: int = attrs.field(metadata=_w(Kind.EPOCH_MS))
    """Expiration, epoch ms; 0 = good till cancelled."""


@attrs.frozen
class SymbolInfo:
    """``SYM|NAME|VOL_MIN|VOL_MAX|VOL_STEP|DIGITS[|TICK_SIZE|TICK_VALUE]``: one tradable
    symbol of a follower (the tick figures size RISK_PERCENT copies; older EAs omit them)."""

    VERB: ClassVar[str] = "SYM"
    name: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """Symbol name as the follower's broker spells it."""
    volume_min: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Smallest lot."""
    volume_max: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Largest lot."""
    volume_step: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lot step."""
    digits: int = attrs.field(metadata=_w(Kind.DIGITS))
    """Price digits, 0..10."""
    tick_size: Decimal | None = attrs.field(default=None, metadata=_w(Kind.OPT_TICK))
    """``SYMBOL_TRADE_TICK_SIZE``: smallest price change; 0 = unknown, None = not sent."""
    tick_value: Decimal | None = attrs.field(default=None, metadata=_w(Kind.OPT_TICK))
    """``SYMBOL_TRADE_TICK_VALUE``: one lot's profit or loss for one tick, in the account's
    currency; 0 = unknown, None = not sent."""


@attrs.frozen
class Position:
    """``POS|MST_TICKET|SLV_TICKET|SYMBOL|TYPE|VOLUME|SL|TP|PROFIT``: an open copy."""

    VERB: ClassVar[str] = "POS"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket read from the copy's tag."""
    slave_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The follower's position ticket."""
    symbol: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """The follower's symbol."""
    side: Side = attrs.field(metadata=_w(Kind.SIDE))
    """BUY or SELL."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots open."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    profit: Decimal = attrs.field(metadata=_w(Kind.MONEY))
    """Floating profit."""


@attrs.frozen
class SyncDone:
    """``SYNC|N_SYMBOLS|N_POSITIONS``: end of the login report; counts let the server check."""

    VERB: ClassVar[str] = "SYNC"
    symbols: int = attrs.field(metadata=_w(Kind.UINT))
    """Number of SYM lines sent in this report."""
    positions: int = attrs.field(metadata=_w(Kind.UINT))
    """Number of POS lines sent in this report."""
    orders: int | None = attrs.field(default=None, metadata=_w(Kind.OPT_COUNT))
    """Number of ORD lines sent in this report; None (field absent) from an EA that does not
    copy pending orders."""


# --- server -> EA --------------------------------------------------------------------


@attrs.frozen
class AuthOk:
    """``OK|ROLE|VERSION|ACCOUNT_ID|HEARTBEAT_SEC``: authentication accepted."""

    VERB: ClassVar[str] = "OK"
    role: str = attrs.field(metadata=_w(Kind.ROLE))
    """``master`` or ``follower``."""
    version: int = attrs.field(metadata=_w(Kind.POS_INT))
    """Protocol version the server will speak."""
    account_id: int = attrs.field(metadata=_w(Kind.POS_INT))
    """The server's id of the trading account the key belongs to."""
    heartbeat_s: int = attrs.field(metadata=_w(Kind.POS_INT))
    """Seconds between the EA's PINGs."""


@attrs.frozen
class Error:
    """``ERR|CODE|TEXT``: something went wrong; some codes close the connection."""

    VERB: ClassVar[str] = "ERR"
    code: ErrorCode = attrs.field(metadata=_w(Kind.ERROR_CODE))
    """What went wrong (``code.closes_connection`` says whether the server hangs up)."""
    text: str = attrs.field(metadata=_w(Kind.TEXT))
    """Human explanation; never contains secrets."""


@attrs.frozen
class Stored:
    """``STORED|KIND|TICKET|DEAL``: a master event is durably stored."""

    VERB: ClassVar[str] = "STORED"
    kind: CommandKind = attrs.field(metadata=_w(Kind.COMMAND))
    """Which event: OPEN (CMD_OPEN), CLOSE (CMD_CLOSE) or MODIFY (CMD_MODIFY)."""
    ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """The master's position ticket."""
    deal: int = attrs.field(metadata=_w(Kind.UINT))
    """The closing deal for CLOSE; 0 otherwise."""


@attrs.frozen
class CopyOpen:
    """``OPEN|MST_TICKET|SYMBOL|TYPE|VOLUME|PRICE|SL|TP|MAX_DEV_POINTS``: open a copy."""

    VERB: ClassVar[str] = "OPEN"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket; the EA tags the copy with it."""
    symbol: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """The follower's own symbol."""
    side: Side = attrs.field(metadata=_w(Kind.SIDE))
    """Side to open (already reversed if the follower copies in reverse)."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots to open."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """The master's open price, for the deviation check."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    max_deviation_points: int = attrs.field(metadata=_w(Kind.UINT))
    """Refuse if the market is further than this from ``price``; 0 = no limit."""
    max_spread_points: int | None = attrs.field(default=None, metadata=_w(Kind.OPT_COUNT))
    """Optional: refuse while the spread (ask - bid) is wider than this, in points; absent
    or 0 = no limit (the server sends it only when above 0)."""


@attrs.frozen
class CopyClose:
    """``CLOSE|MST_TICKET|TARGET_VOLUME|REASON``: bring the copy down to a target volume."""

    VERB: ClassVar[str] = "CLOSE"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket of the copy."""
    target_volume: Decimal = attrs.field(metadata=_w(Kind.LOTS))
    """Volume of the copy that should remain open; 0 = close fully."""
    reason: CloseReason = attrs.field(metadata=_w(Kind.REASON))
    """Why the master closed."""


@attrs.frozen
class CopyModify:
    """``MODIFY|MST_TICKET|SL|TP``: set the copy's SL/TP to these values."""

    VERB: ClassVar[str] = "MODIFY"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master ticket of the copy."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""


@attrs.frozen
class CopyOrder:
    """``ORDER|MST_TICKET|SYMBOL|TYPE|VOLUME|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS``: place a
    pending copy."""

    VERB: ClassVar[str] = "ORDER"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket; the EA tags the order (and the position it opens) with it."""
    symbol: str = attrs.field(metadata=_w(Kind.SYMBOL))
    """The follower's own symbol."""
    order_type: OrderType = attrs.field(metadata=_w(Kind.ORDER_TYPE))
    """Order type to place (already reversed if so configured)."""
    volume: Decimal = attrs.field(metadata=_w(Kind.VOLUME))
    """Lots."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Order price (the master's)."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    stoplimit: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop-limit price; 0 for other order types."""
    expiration_ms: int = attrs.field(metadata=_w(Kind.EPOCH_MS))
    """Expiration, epoch ms; 0 = good till cancelled."""


@attrs.frozen
class CopyOrderModify:
    """``ORDER_MODIFY|MST_TICKET|PRICE|SL|TP|STOPLIMIT|EXPIRATION_MS[|VOLUME]``: set these
    values (``VOLUME`` only when the copy's volume changes)."""

    VERB: ClassVar[str] = "ORDER_MODIFY"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket of the copy."""
    price: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Order price."""
    sl: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop loss; 0 = none."""
    tp: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Take profit; 0 = none."""
    stoplimit: Decimal = attrs.field(metadata=_w(Kind.PRICE))
    """Stop-limit price; 0 for other order types."""
    expiration_ms: int = attrs.field(metadata=_w(Kind.EPOCH_MS))
    """Expiration, epoch ms; 0 = good till cancelled."""
    volume: Decimal | None = attrs.field(default=None, metadata=_w(Kind.OPT_VOLUME))
    """Optional: the copy's new volume (the master's order volume changed); absent → keep."""


@attrs.frozen
class CopyOrderCancel:
    """``ORDER_CANCEL|MST_TICKET|REASON``: remove the pending copy (positions are untouched)."""

    VERB: ClassVar[str] = "ORDER_CANCEL"
    master_ticket: int = attrs.field(metadata=_w(Kind.TICKET))
    """Master order ticket of the copy."""
    reason: OrderEnd = attrs.field(metadata=_w(Kind.ORDER_END))
    """Why: the master's order was CANCELLED or EXPIRED."""


Message: TypeAlias = (
    Ping
    | Pong
    | AccountState
    | StopOut
    | Rules
    | FloatingPnl
    | Auth
    | MasterOpen
    | MasterClose
    | MasterModify
    | AckOpen
    | Nack
    | AckClose
    | AckModify
    | CopyClosed
    | SymbolInfo
    | Position
    | SyncDone
    | AuthOk
    | Error
    | Stored
    | CopyOpen
    | CopyClose
    | CopyModify
    | MasterOrder
    | MasterOrderModify
    | MasterOrderCancel
    | AckOrder
    | AckOrderModify
    | AckOrderCancel
    | OrderReport
    | CopyOrder
    | CopyOrderModify
    | CopyOrderCancel
)
"""Any protocol message."""

FROM_EA: tuple[type[Message], ...] = (
    Auth,
    Ping,
    Pong,
    MasterOpen,
    MasterClose,
    MasterModify,
    AccountState,
    StopOut,
    AckOpen,
    Nack,
    AckClose,
    AckModify,
    CopyClosed,
    SymbolInfo,
    Position,
    SyncDone,
    Rules,
    FloatingPnl,
    MasterOrder,
    MasterOrderModify,
    MasterOrderCancel,
    AckOrder,
    AckOrderModify,
    AckOrderCancel,
    OrderReport,
)
"""Message types an EA may send."""

FROM_SERVER: tuple[type[Message], ...] = (
    AuthOk,
    Error,
    Stored,
    CopyOpen,
    CopyClose,
    CopyModify,
    CopyOrder,
    CopyOrderModify,
    CopyOrderCancel,
    Ping,
    Pong,
    Rules,
)
"""Message types the server may send."""

MASTER_ONLY: frozenset[type[Message]] = frozenset(
    {MasterOpen, MasterClose, MasterModify, MasterOrder, MasterOrderModify, MasterOrderCancel}
)
"""EA messages only a master account may send (others get WRONG_ROLE)."""

FOLLOWER_ONLY: frozenset[type[Message]] = frozenset(
    {AckOpen, Nack, AckClose, AckModify, CopyClosed, SymbolInfo, Position, SyncDone, Rules,
     AckOrder, AckOrderModify, AckOrderCancel, OrderReport}
)
"""EA messages only a follower account may send (others get WRONG_ROLE)."""

ROLE_ONLY: Mapping[str, frozenset[type[Message]]] = MappingProxyType(
    {"master": MASTER_ONLY, "follower": FOLLOWER_ONLY}
)
"""The role rule: for each role (as ``OK`` names it), the EA messages only it may send.
A new verb joins the set of the role that sends it; a verb in no set is for both roles."""

_ROLE_REFUSAL: Mapping[str, str] = MappingProxyType(
    {"master": "only a master account sends signals", "follower": "{name} is for follower EAs"}
)


def refused_for_role(role: str) -> Mapping[type[Message], str]:
    """The EA messages an account of ``role`` may not send, each with the WRONG_ROLE text."""
    return MappingProxyType({
        cls: _ROLE_REFUSAL.get(owner, "{name} is for {owner} EAs").format(
            name=cls.__name__, owner=owner)
        for owner, classes in ROLE_ONLY.items() if owner != role
        for cls in classes
    })


def wire_fields(cls: type[Message]) -> tuple[tuple[str, Kind], ...]:
    """(name, kind) of each wire field of ``cls``, in wire order."""
    return tuple((f.name, f.metadata["wire"]) for f in attrs.fields(cls) if "wire" in f.metadata)
