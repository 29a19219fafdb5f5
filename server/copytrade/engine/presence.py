"""Which EAs are connected: one session per account (a newer login replaces the older), the
``ea.status`` live event, and the account's online state in the database (``ea_connected_at``,
written through the ledger)."""

from __future__ import annotations

from typing import Any

import attrs

from ..db import trades as sql
from ..domain.models import Role
from ..protocol import ErrorCode
from .events import EventBus
from .ledger import Ledger
from .orders import OrderDesk
from .routing import Routing
from .state import AccountInfo, FollowerLive, Peer


@attrs.define
class Presence:
    """Attaches and detaches EA sessions."""

    sessions: dict[int, Peer]
    """account id → its authenticated EA connection."""
    live: dict[int, FollowerLive]
    """follower id → what its connected EA reported since it logged in."""
    routing: Routing
    ledger: Ledger
    orders: OrderDesk
    events: EventBus

    def attach(self, peer: Peer, info: AccountInfo, client: str) -> None:
        old = self.sessions.get(info.id)
        if old is not None and old is not peer:
            old.close(ErrorCode.REPLACED, "a newer connection for this account logged in")
        self.sessions[info.id] = peer
        if info.role is Role.FOLLOWER:
            self.live[info.id] = FollowerLive()
        else:
            self.orders.forget(info.id)  # its live orders are read again at its first open
        self.ledger.enqueue(_presence, (info.id, True, client))
        self.events.publish(info.user_id, "ea.status", {"online": True, "client": client}, info.id)

    def detach(self, peer: Peer) -> None:
        account_id = peer.account_id
        if self.sessions.get(account_id) is not peer:
            return  # already replaced by a newer connection
        del self.sessions[account_id]
        self.live.pop(account_id, None)
        self.ledger.enqueue(_presence, (account_id, False, None))
        info = self.routing.accounts.get(account_id)
        if info is not None:
            self.events.publish(info.user_id, "ea.status", {"online": False}, account_id)

    def disconnect(self, account_id: int, code: ErrorCode, text: str) -> None:
        peer = self.sessions.get(account_id)
        if peer is not None:
            peer.close(code, text)

    def connected_by_role(self) -> dict[str, int]:
        """How many masters and followers are connected."""
        roles = {"master": 0, "follower": 0}
        for account_id in self.sessions:
            info = self.routing.accounts.get(account_id)
            if info is not None:
                roles[info.role.value] += 1
        return roles


async def _presence(con: Any, rows: Any) -> None:
    for account_id, online, client in rows:
        await sql.set_presence(con, account_id, online, client)
