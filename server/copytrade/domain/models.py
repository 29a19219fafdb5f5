"""Value types shared by the domain and the wire protocol."""

from __future__ import annotations

import enum


class Side(enum.Enum):
    """Direction of a position."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class Role(enum.Enum):
    """What a trading account does: sends signals or copies them."""

    MASTER = "master"
    FOLLOWER = "follower"


class CopyMode(enum.Enum):
    """How a master's signals are routed."""

    PUBSUB = "PUBSUB"
    ONE_TO_ONE = "1TO1"
    RECORD = "RECORD"


class PairStatus(enum.Enum):
    """Life cycle of one follower's copy of one master trade."""

    PENDING = "PENDING"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"
    """The OPEN went out and no answer came within the ACK timeout: the follower may or may
    not hold the copy. Still live (closes and SL/TP changes are sent to it); a late answer or
    the follower's next login report resolves it."""


class TradeStatus(enum.Enum):
    """Life cycle of a master trade."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class LotMode(enum.Enum):
    """How a follower sizes its copy of a master trade (see :mod:`copytrade.domain.lots`)."""

    FIXED = "FIXED"
    MULTIPLIER = "MULTIPLIER"
    EQUITY_RATIO = "EQUITY_RATIO"
    RISK_PERCENT = "RISK_PERCENT"


class StaleOpenPolicy(enum.Enum):
    """What a reconnecting follower does with a master trade still open but past its expiry."""

    SKIP = "SKIP"
    MARKET = "MARKET"
