from decimal import Decimal

import pytest

from copytrade.db.accounts import AccountRepository
from copytrade.db.errors import Conflict, NotFound
from copytrade.db.models import FollowerRules
from copytrade.db.users import UserRepository
from copytrade.domain.models import CopyMode, LotMode, Role

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def make_user(db, email="t@example.com"):
    return await UserRepository(db).create(email=email, name="Trader", hashed_password=HASH)


async def test_user_round_trip(db):
    users = UserRepository(db)
    u = await make_user(db, "  Mixed@Example.COM ")
    assert u.email == "mixed@example.com"
    assert (await users.get(u.id)).email == u.email
    found = await users.credentials("MIXED@example.com")
    assert found is not None and found[0].id == u.id and found[1] == HASH
    assert await users.credentials("nobody@example.com") is None
    with pytest.raises(Conflict):
        await make_user(db, "mixed@EXAMPLE.com")
    u2 = await users.update_profile(u.id, name="New")
    assert u2.name == "New" and u2.email == u.email
    with pytest.raises(NotFound):
        await users.get(999999)


async def test_account_create_shows_key_once_and_stores_hash(db):
    u = await make_user(db)
    accounts = AccountRepository(db)
    created = await accounts.create(u.id, name="Main", role=Role.MASTER)
    assert created.api_key.startswith("sk_live_") and len(created.api_key) >= 8 + 32
    assert created.account.api_key_prefix == created.api_key[:12]
    assert created.account.master_token.startswith("MST-")
    stored = await db.fetchval("SELECT api_key_hash FROM trading_accounts")
    assert created.api_key.encode() not in bytes(stored)
    assert (await accounts.by_api_key(created.api_key)).id == created.account.id
    assert await accounts.by_api_key("sk_live_wrong") is None
    follower = await accounts.create(u.id, name="F", role=Role.FOLLOWER)
    assert follower.account.master_token is None


async def test_rotate_key_invalidates_old(db):
    u = await make_user(db)
    accounts = AccountRepository(db)
    created = await accounts.create(u.id, name="Main", role=Role.MASTER)
    rotated = await accounts.rotate_key(created.account.id, u.id)
    assert await accounts.by_api_key(created.api_key) is None
    assert (await accounts.by_api_key(rotated.api_key)).id == created.account.id


async def test_accounts_are_isolated_per_user(db):
    alice, bob = await make_user(db, "a@x.com"), await make_user(db, "b@x.com")
    accounts = AccountRepository(db)
    a = (await accounts.create(alice.id, name="A", role=Role.MASTER)).account
    with pytest.raises(NotFound):
        await accounts.get(a.id, bob.id)
    with pytest.raises(NotFound):
        await accounts.update(a.id, bob.id, name="hacked")
    with pytest.raises(NotFound):
        await accounts.set_copy_mode(a.id, bob.id, CopyMode.RECORD)
    with pytest.raises(NotFound):
        await accounts.delete(a.id, bob.id)
    assert await accounts.list_for_user(bob.id) == []
    assert (await accounts.get(a.id, alice.id)).name == "A"


async def test_follow_mode_partner_and_rules(db):
    u = await make_user(db)
    accounts = AccountRepository(db)
    m = (await accounts.create(u.id, name="M", role=Role.MASTER)).account
    f = (await accounts.create(u.id, name="F", role=Role.FOLLOWER)).account
    followed = await accounts.follow(f.id, u.id, m.master_token)
    assert followed.following_id == m.id
    assert [x.id for x in await accounts.followers_of(m.id)] == [f.id]
    with pytest.raises(NotFound):
        await accounts.follow(f.id, u.id, "MST-doesnotexist0000")
    with pytest.raises(Conflict):
        await accounts.follow(m.id, u.id, m.master_token)
    switched = await accounts.set_copy_mode(m.id, u.id, CopyMode.ONE_TO_ONE)
    assert switched.copy_mode is CopyMode.ONE_TO_ONE
    with pytest.raises(Conflict):
        await accounts.set_copy_mode(f.id, u.id, CopyMode.RECORD)
    assert (await accounts.set_partner(m.id, u.id, f.id)).partner_id == f.id
    with pytest.raises(Conflict):
        await accounts.set_partner(m.id, u.id, m.id)
    rules = FollowerRules(lot_mode=LotMode.FIXED, lot_value=Decimal("0.05"), reverse=True,
                          symbol_map={"XAUUSD": "GOLD"}, blocked_symbols=("BTCUSD",))
    updated = await accounts.update_rules(f.id, u.id, rules)
    assert updated.rules.lot_mode is LotMode.FIXED and updated.rules.lot_value == Decimal("0.05")
    assert updated.rules.symbol_map == {"XAUUSD": "GOLD"} and updated.rules.reverse
    assert updated.rules.rules_updated_at is not None
    # EA inputs no longer override rules a user has edited.
    ea = await accounts.update_rules(f.id, None, FollowerRules(lot_value=Decimal(3)), by_user=False)
    assert ea.rules.lot_value == Decimal("0.05")


async def test_ea_inputs_seed_rules_until_user_edits(db):
    u = await make_user(db)
    accounts = AccountRepository(db)
    f = (await accounts.create(u.id, name="F", role=Role.FOLLOWER)).account
    seeded = await accounts.update_rules(f.id, None, FollowerRules(lot_value=Decimal(2)),
                                         by_user=False)
    assert seeded.rules.lot_value == Decimal(2) and seeded.rules.rules_updated_at is None


async def test_delete_refused_with_open_copies(db):
    u = await make_user(db)
    accounts = AccountRepository(db)
    m = (await accounts.create(u.id, name="M", role=Role.MASTER)).account
    f = (await accounts.create(u.id, name="F", role=Role.FOLLOWER)).account
    await accounts.follow(f.id, u.id, m.master_token)
    tid = await db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, open_volume) "
        "VALUES ($1, 1, 'EURUSD', 'BUY', 1.1, 0.1, 0.1) RETURNING id", m.id)
    await db.execute("INSERT INTO trade_pairs (master_trade_id, account_id, status, slave_ticket) "
                     "VALUES ($1, $2, 'OPEN', 5)", tid, f.id)
    with pytest.raises(Conflict, match="open copies"):
        await accounts.delete(f.id, u.id)
    with pytest.raises(Conflict, match="open copies"):
        await accounts.delete(m.id, u.id)
    await db.execute("UPDATE trade_pairs SET status = 'CLOSED'")
    await accounts.delete(m.id, u.id)  # clears the follower's link first
    assert (await accounts.get(f.id, u.id)).following_id is None


async def test_account_state_upsert(db):
    u = await make_user(db)
    accounts = AccountRepository(db)
    m = (await accounts.create(u.id, name="M", role=Role.MASTER)).account
    for equity in ("1000", "1010.50"):
        await accounts.save_state(m.id, balance=Decimal(1000), equity=Decimal(equity),
                                  margin_level=Decimal(0), currency="USD", leverage=500)
    states = await accounts.states([m.id])
    assert states[m.id].equity == Decimal("1010.50")
