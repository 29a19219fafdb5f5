"""Every constraint in sql/ refuses what it should, checked with raw SQL against PostgreSQL."""

import asyncpg
import pytest

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def user(db, email="a@example.com"):
    return await db.fetchval(
        "INSERT INTO users (email, hashed_password, name) VALUES ($1, $2, 'A') RETURNING id",
        email, HASH)


async def account(db, uid, role="master", token="MST-abcdefghijklmnop", key=b"k" * 32):
    return await db.fetchval(
        "INSERT INTO trading_accounts (user_id, name, role, api_key_hash, api_key_prefix, "
        "master_token) VALUES ($1, 'acc', $2, $3, 'sk_live_abcd', $4) RETURNING id",
        uid, role, key, token)


async def test_email_unique_case_insensitive(db):
    await user(db, "Trader@Example.com")
    with pytest.raises(asyncpg.UniqueViolationError):
        await user(db, "trader@example.COM")


@pytest.mark.parametrize("email", ["noatsign", " padded@x.com", "@x.com"])
async def test_bad_emails_refused(db, email):
    with pytest.raises(asyncpg.CheckViolationError):
        await user(db, email)


async def test_plaintext_password_refused(db):
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("INSERT INTO users (email, hashed_password, name) "
                         "VALUES ('x@y.z', 'secret', 'X')")


async def test_role_and_mode_enums(db):
    uid = await user(db)
    with pytest.raises(asyncpg.CheckViolationError):
        await account(db, uid, role="admin", token=None)
    mid = await account(db, uid)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE trading_accounts SET copy_mode = 'BROADCAST' WHERE id = $1", mid)


async def test_master_token_only_on_masters(db):
    uid = await user(db)
    with pytest.raises(asyncpg.CheckViolationError):
        await account(db, uid, role="master", token=None)
    with pytest.raises(asyncpg.CheckViolationError):
        await account(db, uid, role="follower", token="MST-abcdefghijklmnop")


async def test_follower_follows_a_master_not_itself(db):
    uid = await user(db)
    master = await account(db, uid)
    f1 = await account(db, uid, role="follower", token=None, key=b"f" * 32)
    f2 = await account(db, uid, role="follower", token=None, key=b"g" * 32)
    await db.execute("UPDATE trading_accounts SET following_id = $1 WHERE id = $2", master, f1)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE trading_accounts SET following_id = id WHERE id = $1", f2)
    with pytest.raises(asyncpg.ForeignKeyViolationError):  # a follower is not a master
        await db.execute("UPDATE trading_accounts SET following_id = $1 WHERE id = $2", f1, f2)
    with pytest.raises(asyncpg.CheckViolationError):  # masters follow nobody
        await db.execute("UPDATE trading_accounts SET following_id = $1 WHERE id = $1", master)


async def test_partner_is_a_follower(db):
    uid = await user(db)
    master = await account(db, uid)
    other = await account(db, uid, token="MST-qrstuvwxyzabcdefgh", key=b"m" * 32)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await db.execute("UPDATE trading_accounts SET partner_id = $1 WHERE id = $2", other, master)


async def test_duplicate_api_key_hash_and_token_refused(db):
    uid = await user(db)
    await account(db, uid)
    with pytest.raises(asyncpg.UniqueViolationError):
        await account(db, uid, token="MST-zzzzzzzzzzzzzzzz")  # same key hash
    with pytest.raises(asyncpg.UniqueViolationError):
        await account(db, uid, key=b"z" * 32)  # same master token


async def test_master_ticket_unique_per_account(db):
    uid = await user(db)
    mid = await account(db, uid)
    ins = ("INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
           "open_volume) VALUES ($1, $2, 'EURUSD', $3, 1.1, 0.1, 0.1) RETURNING id")
    await db.fetchval(ins, mid, 7, "BUY")
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.fetchval(ins, mid, 7, "BUY")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.fetchval(ins, mid, 8, "LONG")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.fetchval(ins, mid, 0, "BUY")


async def test_one_pair_per_master_trade_and_follower(db):
    uid = await user(db)
    mid = await account(db, uid)
    fid = await account(db, uid, role="follower", token=None, key=b"f" * 32)
    tid = await db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, open_volume) "
        "VALUES ($1, 1, 'EURUSD', 'BUY', 1.1, 0.1, 0.1) RETURNING id", mid)
    ins = "INSERT INTO trade_pairs (master_trade_id, account_id, status) VALUES ($1, $2, $3)"
    await db.execute(ins, tid, fid, "PENDING")
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(ins, tid, fid, "PENDING")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE trade_pairs SET status = 'DONE'")
    with pytest.raises(asyncpg.CheckViolationError):  # a skip needs a reason
        await db.execute("UPDATE trade_pairs SET status = 'SKIPPED'")


async def test_closed_trade_needs_close_time(db):
    uid = await user(db)
    mid = await account(db, uid)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
            "open_volume, status) VALUES ($1, 1, 'EURUSD', 'BUY', 1.1, 0.1, 0, 'CLOSED')", mid)
