"""engine.control, the one write path: after every change the engine's cache is the database.

Each step changes accounts only through ``engine.control`` (as the API's handlers do), then
compares every cached account and the routing indexes with what PostgreSQL holds.
"""

from __future__ import annotations

from typing import Any

import pytest

from copytrade.db.accounts import AccountRepository
from copytrade.db.errors import Conflict, NotFound
from copytrade.db.users import UserRepository
from copytrade.domain.models import CopyMode, LotMode, Role
from copytrade.domain.rules import CopyRules
from copytrade.engine.state import AccountInfo

from helpers import HASH


async def cache_is_the_database(server: Any) -> None:
    engine, repo = server.engine, AccountRepository(server.db)
    rows = await server.db.fetch("SELECT id, following_id, partner_id FROM trading_accounts")
    ids = {r["id"] for r in rows}
    assert set(engine.accounts) <= ids, "a deleted account is still cached"
    for account_id in ids:
        assert account_id in engine.accounts, f"account {account_id} was never cached"
        fresh = AccountInfo.from_account(await repo.get_any(account_id))
        assert engine.accounts[account_id] == fresh
    followers: dict[int, set[int]] = {}
    for r in rows:
        if r["following_id"] is not None:
            followers.setdefault(r["following_id"], set()).add(r["id"])
    assert {m: f for m, f in engine.followers_of.items() if f} == followers
    assert engine.partner_of == {r["partner_id"]: r["id"] for r in rows if r["partner_id"]}


async def test_every_change_leaves_the_cache_equal_to_the_database(server) -> None:
    control = server.engine.control
    user = await UserRepository(server.db).create(email="c@example.com", name="C",
                                                  hashed_password=HASH)
    m1 = (await control.create_account(user.id, name="M1", role=Role.MASTER)).account
    m2 = (await control.create_account(user.id, name="M2", role=Role.MASTER)).account
    f1 = (await control.create_account(user.id, name="F1", role=Role.FOLLOWER)).account
    f2 = (await control.create_account(user.id, name="F2", role=Role.FOLLOWER)).account
    await cache_is_the_database(server)
    assert m1.master_token and m2.master_token

    for follower in (f1, f2):
        await control.follow(follower.id, user.id, m1.master_token)
    await control.set_partner(m1.id, user.id, f1.id)
    change = await control.set_copy_mode(m1.id, user.id, CopyMode.ONE_TO_ONE)
    assert (change.before.copy_mode, change.after.copy_mode) == (CopyMode.PUBSUB,
                                                                 CopyMode.ONE_TO_ONE)
    await cache_is_the_database(server)
    assert server.engine.accounts[m1.id].partner_id == f1.id

    await control.follow(f1.id, user.id, m2.master_token)  # M1 loses its partner with it
    await cache_is_the_database(server)
    assert server.engine.accounts[m1.id].partner_id is None

    change = await control.put_rules(f2.id, user.id, CopyRules(lot_mode="FIXED", reverse=True))
    assert change.after.rules.lot_mode is LotMode.FIXED
    await cache_is_the_database(server)
    assert server.engine.accounts[f2.id].rules.reverse

    await control.remove_follower(m1.id, user.id, f2.id)
    await cache_is_the_database(server)
    with pytest.raises(Conflict):  # removed: it may not follow M1 again until allowed
        await control.follow(f2.id, user.id, m1.master_token)
    await control.allow_follower(m1.id, user.id, f2.id)
    await control.follow(f2.id, user.id, m1.master_token)
    await control.update_account(f2.id, user.id, is_active=False)
    await cache_is_the_database(server)

    await control.set_partner(m2.id, user.id, f1.id)
    await control.unfollow(f1.id, user.id)  # M2 loses its partner
    await cache_is_the_database(server)
    assert server.engine.accounts[m2.id].partner_id is None
    await control.follow(f1.id, user.id, m2.master_token)
    await control.delete_account(m2.id, user.id)  # F1 follows nobody
    await cache_is_the_database(server)
    assert server.engine.accounts[f1.id].following_id is None

    await control.rotate_master_token(m1.id, user.id)
    await server.engine.set_copy_mode(m1.id, CopyMode.RECORD)  # the engine's door: the same
    await cache_is_the_database(server)
    assert server.engine.accounts[m1.id].copy_mode is CopyMode.RECORD


async def test_a_refused_change_changes_nothing(server) -> None:
    control = server.engine.control
    users = UserRepository(server.db)
    alice = await users.create(email="a@example.com", name="A", hashed_password=HASH)
    bob = await users.create(email="b@example.com", name="B", hashed_password=HASH)
    master = (await control.create_account(alice.id, name="M", role=Role.MASTER)).account
    follower = (await control.create_account(alice.id, name="F", role=Role.FOLLOWER)).account
    with pytest.raises(Conflict):
        await control.set_copy_mode(follower.id, alice.id, CopyMode.RECORD)
    with pytest.raises(NotFound):  # another user's account
        await control.set_copy_mode(master.id, bob.id, CopyMode.RECORD)
    with pytest.raises(NotFound):
        await control.follow(follower.id, alice.id, "MST-doesnotexist0000")
    with pytest.raises(Conflict):
        await control.put_rules(master.id, alice.id, CopyRules())
    with pytest.raises(Conflict):
        await control.remove_follower(follower.id, alice.id, master.id)
    with pytest.raises(NotFound):  # it does not follow this master
        await control.remove_follower(master.id, alice.id, follower.id)
    await cache_is_the_database(server)
    assert server.engine.accounts[master.id].copy_mode is CopyMode.PUBSUB
