"""What the web API needs from the rest of the process; ``copytrade.app`` fills it in."""

from __future__ import annotations

from typing import Any, Protocol

import attrs
import trio

from ..config import Settings
from ..db.accounts import AccountRepository
from ..db.database import Database
from ..db.users import UserRepository
from ..engine.control import AccountControl
from ..engine.events import EventBus
from ..engine.guards import Guards
from ..protocol import ErrorCode


class EngineControl(Protocol):
    """The engine calls the API makes (implemented by ``copytrade.engine.Engine``)."""

    def is_online(self, account_id: int) -> bool:
        """Whether the account's EA is connected and authenticated now."""
        ...

    @property
    def control(self) -> AccountControl:
        """The one write path for account settings: every handler that changes an account
        (mode, partner, following, rules, keys, the account itself) calls it."""
        ...

    async def disconnect(self, account_id: int, code: ErrorCode) -> None:
        """Drop the account's EA connection with the given protocol error code."""
        ...

    def metrics(self) -> dict[str, Any]:
        """Counters and histograms for /metrics."""
        ...

    @property
    def guards(self) -> Guards:
        """The followers' risk guards (limits, switch, trips: api/risk.py)."""
        ...


@attrs.frozen
class ApiContext:
    """Everything the request handlers use."""

    settings: Settings
    db: Database
    users: UserRepository
    accounts: AccountRepository
    events: EventBus
    engine: EngineControl
    ea_port: int
    """The EA gateway's bound port (shown to users setting up their EA)."""
    shutdown: trio.Event = attrs.field(factory=trio.Event)
    """Set when the server stops: live websockets close with 1001 (STACK-NOTES trap 2)."""
    notifier: Any = None
    """The alerts service (``copytrade.notify.Notifier``); None in API tests without one."""
