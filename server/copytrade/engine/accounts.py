"""Account changes reaching the engine: an EA's key, an API write, an EA's RULES.

Each refreshes the cached facts (:class:`~.routing.Routing`) and the follower's planning view,
then tells whoever must know: the connected EA (its rules again, or its connection closed) and
the owner's dashboard (``account.mode`` for a master).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..db.accounts import AccountRepository
from ..db.errors import NotFound
from ..domain.models import Role
from ..protocol import ErrorCode, encode
from . import rule_forms
from .copyexisting import CopyExistingDue
from .events import EventBus
from .routing import Routing
from .state import AccountInfo, FollowerLive, Peer
from .views import FollowerViews


@attrs.define
class AccountSync:
    """Keeps the engine's view of each account in step with the database."""

    repo: AccountRepository
    routing: Routing
    views: FollowerViews
    sessions: Mapping[int, Peer]
    live: Mapping[int, FollowerLive]
    copy_existing_due: CopyExistingDue
    events: EventBus

    def remember(self, info: AccountInfo) -> None:
        """Cache the account's new facts and rebuild its planning view if it is connected."""
        self.routing.remember(info)
        live = self.live.get(info.id)
        if live is not None and live.view is not None:
            self.views.rebuild(info, live)

    async def authenticate(self, api_key: str) -> AccountInfo | None:
        account = await self.repo.by_api_key(api_key)
        if account is None:
            return None
        info = AccountInfo.from_account(account)
        self.remember(info)
        return info

    async def changed(self, account_id: int) -> None:
        """The account was changed (or deleted) in the database: reload it and act on it."""
        try:
            account = await self.repo.get_any(account_id)
        except NotFound:  # deleted
            self.routing.forget(account_id)
            peer = self.sessions.get(account_id)
            if peer is not None:
                peer.close(ErrorCode.AUTH_FAILED, "account deleted")
            return
        info = AccountInfo.from_account(account)
        self.remember(info)
        peer = self.sessions.get(account_id)
        if peer is not None:
            if not info.is_active:
                peer.close(ErrorCode.ACCOUNT_INACTIVE, "account deactivated")
            elif info.role is Role.FOLLOWER:
                peer.send(encode(rule_forms.to_wire(info.rules)))
        if info.role is Role.MASTER:
            self.events.publish(info.user_id, "account.mode",
                                {"copy_mode": info.copy_mode.value,
                                 "partner_id": info.partner_id}, account_id)

    def copy_existing_on_next_resync(self, follower_id: int, why: str) -> None:
        """The follower started following a master or resumed: with ``copy_existing`` on, its
        next login resync copies the master's open trades; a connected EA is told to
        reconnect (``ERR|RESYNC``) so that the resync happens now."""
        info = self.routing.accounts.get(follower_id)
        if info is None or info.role is not Role.FOLLOWER or not info.rules.copy_existing:
            return
        self.copy_existing_due.add(follower_id, why)
        peer = self.sessions.get(follower_id)
        if peer is not None:
            peer.close(ErrorCode.RESYNC, f"{why}: reconnect to resync")
