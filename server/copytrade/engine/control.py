"""The one write path for a trading account's settings: ``engine.control``.

Every change a user (or a follower EA's inputs) makes to an account goes through one method
of :class:`AccountControl`, which writes it through the repositories and refreshes the
engine's cache of every account whose routing it touches before it returns: the mode, the
1TO1 partner, whom a follower follows, its rules, the account itself and its keys. A caller
cannot forget the refresh, and tests change a mode by the same path as the web API.

Methods that take ``user_id`` act on that user's accounts only (another user's account is
:class:`~copytrade.db.errors.NotFound`). Refusals are the repositories' typed errors
(``NotFound``, ``Conflict``, ``Invalid`` with their field codes), which the API translates
(api/errors.py); a connected EA is dropped with a protocol :class:`ErrorCode`. What is
audited, and by whom, stays with the caller (the API knows the actor and the address).
"""

from __future__ import annotations

from typing import Protocol

import attrs

from ..db.accounts import AccountRepository, linked_account_ids
from ..db.approvals import FollowerApprovals
from ..db.database import Database
from ..db.errors import Conflict
from ..db.followers import FollowerQueries
from ..db.master_tokens import MasterTokens
from ..db.models import CreatedAccount, TradingAccount
from ..domain.models import CopyMode, Role
from ..domain.rules import CopyRules
from ..protocol import ErrorCode
from . import rule_forms

NOT_A_MASTER = "only master accounts have followers"


class EngineCache(Protocol):
    """What the control needs of the engine (implemented by ``Engine``)."""

    async def account_changed(self, account_id: int) -> None:
        """Reload the account's cached settings (and tell its EA what changed)."""
        ...

    def copy_existing_on_next_resync(self, follower_id: int, why: str) -> None:
        """The follower started following a master: copy its open trades if its rules say so."""
        ...

    async def disconnect(self, account_id: int, code: ErrorCode) -> None:
        """Drop the account's EA connection with ``code``."""
        ...


@attrs.frozen
class Change:
    """An account before and after one change (the caller audits the difference)."""

    before: TradingAccount
    after: TradingAccount


@attrs.frozen
class AccountControl:
    """Writes an account's settings and refreshes the engine's cache in the same call."""

    db: Database
    repo: AccountRepository
    engine: EngineCache

    async def _refresh(self, *account_ids: int | None) -> None:
        for account_id in dict.fromkeys(account_ids):
            if account_id is not None:
                await self.engine.account_changed(account_id)

    # ---------------------------------------------------------------- accounts

    async def create_account(self, user_id: int, *, name: str, role: Role) -> CreatedAccount:
        """A new account and its API key (shown once)."""
        created = await self.repo.create(user_id, name=name, role=role)
        await self._refresh(created.account.id)
        return created

    async def update_account(self, account_id: int, user_id: int, *, name: str | None = None,
                             is_active: bool | None = None) -> Change:
        """Rename and/or (de)activate: a deactivated account's EA is dropped
        (``ACCOUNT_INACTIVE``) and routes nothing until it is active again."""
        before = await self.repo.get(account_id, user_id)
        after = await self.repo.update(account_id, user_id, name=name, is_active=is_active)
        if is_active is not None:
            await self._refresh(account_id)
        return Change(before, after)

    async def delete_account(self, account_id: int, user_id: int) -> None:
        """Delete the account (``Conflict`` ``open_copies`` while it has open copies); its EA
        is dropped and the accounts linked to it (followers, master, partner) stop routing
        to it."""
        await self.repo.get(account_id, user_id)
        linked = await linked_account_ids(self.db, account_id)
        await self.repo.delete(account_id, user_id)
        await self.engine.disconnect(account_id, ErrorCode.KEY_ROTATED)
        await self._refresh(account_id, *linked)

    async def rotate_key(self, account_id: int, user_id: int) -> CreatedAccount:
        """A new API key (shown once); the EA logged in with the old one is dropped."""
        rotated = await self.repo.rotate_key(account_id, user_id)
        await self.engine.disconnect(account_id, ErrorCode.KEY_ROTATED)
        return rotated

    async def rotate_master_token(self, account_id: int, user_id: int) -> TradingAccount:
        """A new master token; the old one is retired (current followers keep following)."""
        account = await MasterTokens(self.db).rotate(account_id, user_id)
        await self._refresh(account_id)
        return account

    # ---------------------------------------------------------------- copying

    async def set_copy_mode(self, account_id: int, user_id: int, mode: CopyMode) -> Change:
        """Switch a master's mode: takes effect on its next signal, without restart."""
        before = await self.repo.get(account_id, user_id)
        after = await self.repo.set_copy_mode(account_id, user_id, mode)
        await self._refresh(account_id)
        return Change(before, after)

    async def set_partner(self, master_id: int, user_id: int, partner_id: int | None) -> Change:
        """Set (or clear, None) a master's 1TO1 partner: one of its followers."""
        before = await self.repo.get(master_id, user_id)
        after = await self.repo.set_partner(master_id, user_id, partner_id)
        await self._refresh(master_id, before.partner_id, after.partner_id)
        return Change(before, after)

    async def follow(self, follower_id: int, user_id: int, master_token: str) -> Change:
        """Follow the master with this token (``NotFound`` for a token no master has). A new
        master's open trades are copied at the next resync when the rules say so."""
        before = await self.repo.get(follower_id, user_id)
        linked = await linked_account_ids(self.db, follower_id)  # incl. a 1TO1 master
        after = await self.repo.follow(follower_id, user_id, master_token)
        await self._refresh(follower_id, *linked, before.following_id, after.following_id)
        if before.following_id != after.following_id:
            self.engine.copy_existing_on_next_resync(follower_id, "now following a new master")
        return Change(before, after)

    async def unfollow(self, follower_id: int, user_id: int) -> Change:
        """Follow no master (and stop being any master's 1TO1 partner)."""
        before = await self.repo.get(follower_id, user_id)
        linked = await linked_account_ids(self.db, follower_id)  # its master, a 1TO1 master
        after = await self.repo.unfollow(follower_id, user_id)
        await self._refresh(follower_id, *linked)
        return Change(before, after)

    async def put_rules(self, follower_id: int, user_id: int, rules: CopyRules) -> Change:
        """Store a follower's rules as the user's (the EA's inputs no longer apply); a
        connected follower EA is sent the rules in effect."""
        before = await self.repo.get(follower_id, user_id)
        after = await self.repo.update_rules(follower_id, user_id, rule_forms.to_stored(rules))
        await self._refresh(follower_id)
        return Change(before, after)

    async def ea_rules(self, follower_id: int, rules: CopyRules) -> None:
        """The rules a follower EA's inputs name (``RULES`` at login): stored only while no
        user has edited the account's rules; the EA is sent the rules in effect either way."""
        await self.repo.update_rules(follower_id, None, rule_forms.to_stored(rules),
                                     by_user=False)
        await self._refresh(follower_id)

    # ---------------------------------------------------------------- a master's followers

    async def _master(self, master_id: int, user_id: int) -> None:
        master = await self.repo.get(master_id, user_id)
        if master.role is not Role.MASTER:
            raise Conflict(NOT_A_MASTER)

    async def remove_follower(self, master_id: int, user_id: int,
                              follower_id: int) -> TradingAccount:
        """The master's owner stops ``follower_id`` following it, until allowed again;
        returns the follower (``NotFound`` if it does not follow this master)."""
        await self._master(master_id, user_id)
        await FollowerQueries(self.db).remove(master_id, follower_id)
        await self._refresh(follower_id, master_id)
        return await self.repo.get_any(follower_id)

    async def allow_follower(self, master_id: int, user_id: int, follower_id: int) -> None:
        """A removed follower may follow this master again (it follows nobody until it does:
        no routing changes)."""
        await self._master(master_id, user_id)
        await FollowerQueries(self.db).allow(master_id, follower_id)

    # ---------------------------------------------------------------- follower approval

    async def set_approve_followers(self, master_id: int, user_id: int, on: bool) -> Change:
        """Turn the master's follower approval on or off (its current followers stay)."""
        await self._master(master_id, user_id)
        before = await self.repo.get(master_id, user_id)
        await FollowerApprovals(self.db).set_approve_followers(master_id, on)
        await self._refresh(master_id)
        return Change(before, await self.repo.get(master_id, user_id))

    async def decide_follower(self, master_id: int, user_id: int, follower_id: int,
                              approve: bool) -> TradingAccount:
        """Approve a waiting follower (it follows the master now, and its next resync may copy
        the master's open trades) or refuse it (as a removal); returns the follower
        (``NotFound`` if it does not wait for this master)."""
        await self._master(master_id, user_id)
        approvals = FollowerApprovals(self.db)
        follower = await (approvals.approve if approve else approvals.refuse)(master_id,
                                                                              follower_id)
        await self._refresh(follower_id, master_id)
        if approve:
            self.engine.copy_existing_on_next_resync(follower_id, "approved by the master")
        return follower
