"""Who a master's signals go to: the account cache and the follow indexes, kept in one place.

``accounts`` caches the routing facts of each account (:class:`~.state.AccountInfo`, loaded on
first use and replaced whenever the account changes); ``followers_of`` and ``partner_of`` are
indexes over those facts, loaded from the database at start-up and then maintained here only
(:meth:`Routing.remember`, :meth:`Routing.forget`). The answers the copy paths need —
:meth:`targets` (fan-out), :meth:`reach` (a fan-out given up), :meth:`master_of` (login resync)
and :meth:`one_to_one_master` (kill switch) — are worked out here and nowhere else.
"""

from __future__ import annotations

import attrs

from ..db import routing as routing_sql
from ..db.accounts import AccountRepository
from ..db.database import Database
from ..db.errors import NotFound
from ..domain.models import CopyMode
from .state import AccountInfo


@attrs.define
class Routing:
    """The account cache and the ``followers_of``/``partner_of`` indexes over it."""

    repo: AccountRepository
    accounts: dict[int, AccountInfo] = attrs.field(factory=dict)
    """account id → its cached routing facts."""
    followers_of: dict[int, set[int]] = attrs.field(factory=dict)
    """master id → ids of the accounts following it."""
    partner_of: dict[int, int] = attrs.field(factory=dict)
    """follower id → the 1TO1 master whose partner it is."""

    async def load(self, db: Database) -> None:
        """Fill the indexes from the database (at start-up, before any EA is served)."""
        follows, partners = await routing_sql.follow_links(db)
        for follower_id, master_id in follows:
            self.followers_of.setdefault(master_id, set()).add(follower_id)
        for master_id, partner_id in partners:
            self.partner_of[partner_id] = master_id

    async def info(self, account_id: int) -> AccountInfo | None:
        """The account's routing facts, read from the database on first use; None if it does
        not exist."""
        info = self.accounts.get(account_id)
        if info is None:
            try:
                info = AccountInfo.from_account(await self.repo.get_any(account_id))
            except NotFound:
                return None
            self.accounts[account_id] = info
        return info

    def remember(self, info: AccountInfo) -> None:
        """Cache the account's new facts and move it in the indexes to match."""
        old = self.accounts.get(info.id)
        self.accounts[info.id] = info
        if old is not None and old.following_id != info.following_id and old.following_id:
            self.followers_of.get(old.following_id, set()).discard(info.id)
        if info.following_id:
            self.followers_of.setdefault(info.following_id, set()).add(info.id)
        if old is not None and old.partner_id and old.partner_id != info.partner_id:
            self.partner_of.pop(old.partner_id, None)
        if info.partner_id:
            self.partner_of[info.partner_id] = info.id

    def forget(self, account_id: int) -> None:
        """The account was deleted: drop it from the cache and the indexes."""
        old = self.accounts.pop(account_id, None)
        if old and old.following_id:
            self.followers_of.get(old.following_id, set()).discard(account_id)
        if old and old.partner_id:
            self.partner_of.pop(old.partner_id, None)

    async def targets(self, master: AccountInfo) -> list[int]:
        """The active followers this master's signals are copied to now, in id order: none in
        RECORD mode, its partner in 1TO1, every follower in PUBSUB. Either way only accounts
        that follow this master."""
        if master.copy_mode is CopyMode.RECORD:
            return []
        if master.copy_mode is CopyMode.ONE_TO_ONE:
            ids = [master.partner_id] if master.partner_id else []
        else:
            ids = sorted(self.followers_of.get(master.id, ()))
        out = []
        for fid in ids:
            info = self.accounts.get(fid) or await self.info(fid)
            if info is None or not info.is_active:
                continue
            if info.following_id != master.id:
                continue  # PUBSUB and 1TO1 alike: only the master's own followers get copies
            out.append(fid)
        return out

    def reach(self, master_id: int) -> set[int]:
        """Every account this master's signals may go to, whatever its mode: its followers
        and its 1TO1 partner (the followers to resync when a fan-out is given up)."""
        ids = set(self.followers_of.get(master_id, ()))
        master = self.accounts.get(master_id)
        if master is not None and master.partner_id:
            ids.add(master.partner_id)
        return ids

    async def master_of(self, info: AccountInfo) -> int | None:
        """The master whose signals this follower takes now: its 1TO1 master if it is the
        partner of one in 1TO1 mode (a partner is always one of its master's followers), else
        the master it follows if that one is in PUBSUB mode. A RECORD master sends nothing, so
        there is nothing to catch up on."""
        partner_master = self.partner_of.get(info.id)
        if partner_master is not None:
            master = await self.info(partner_master)
            if master is not None and master.copy_mode is CopyMode.ONE_TO_ONE \
                    and master.partner_id == info.id and info.following_id == partner_master:
                return partner_master
        if info.following_id is not None:
            master = await self.info(info.following_id)
            if master is not None and master.copy_mode is CopyMode.PUBSUB:
                return info.following_id
        return None

    async def one_to_one_master(self, follower_id: int) -> AccountInfo | None:
        """The master in 1TO1 mode whose partner this follower is, if any."""
        master_id = self.partner_of.get(follower_id)
        found = await self.info(master_id) if master_id else None
        if found is None or found.copy_mode is not CopyMode.ONE_TO_ONE \
                or found.partner_id != follower_id:
            return None
        return found
