"""The ledger keeps a batch whose write fails and retries it until it is written."""

from __future__ import annotations

import trio

from copytrade.db import trades as sql
from copytrade.engine.ledger import RETRY_DELAYS, Ledger


async def test_a_failed_batch_is_kept_and_written_once_the_database_takes_it(db, nursery):
    from copytrade.db.accounts import AccountRepository
    from copytrade.db.users import UserRepository
    from copytrade.domain.models import Role

    from helpers import HASH

    user = await UserRepository(db).create(email="l@example.com", name="L", hashed_password=HASH)
    accounts = AccountRepository(db)
    master = await accounts.create(user.id, name="M", role=Role.MASTER)
    follower = await accounts.create(user.id, name="F", role=Role.FOLLOWER)
    trade_id = await db.fetchval(
        "INSERT INTO master_trades (account_id, ticket, symbol, type, price, volume, "
        "open_volume, sl, tp, opened_at) VALUES ($1, 7, 'EURUSD', 'BUY', 1.1, 0.1, 0.1, 0, 0, "
        "now()) RETURNING id", master.account.id)
    ledger = Ledger(db, lambda fn, rows: None)
    await nursery.start(ledger.run)
    # The table is away for longer than all the old retries together (PostgreSQL refuses
    # every write meanwhile), then comes back.
    await db.execute("ALTER TABLE trade_pairs RENAME TO trade_pairs_away")
    ledger.enqueue(sql.insert_fanout_pairs, sql.NewPair(trade_id, follower.account.id, "PENDING"))
    await trio.sleep(sum(RETRY_DELAYS) + 1)
    assert ledger.backlog == 1 and ledger.retries >= len(RETRY_DELAYS)
    await db.execute("ALTER TABLE trade_pairs_away RENAME TO trade_pairs")
    with trio.fail_after(10):
        await ledger.flush()
    assert ledger.dropped == 0 and ledger.backlog == 0
    assert await db.fetchval("SELECT count(*) FROM trade_pairs WHERE master_trade_id = $1",
                             trade_id) == 1
    assert await db.fetchval("SELECT pairs_recorded FROM master_trades WHERE id = $1", trade_id)


async def test_a_batch_that_fails_with_a_bug_is_dropped_and_the_rest_goes_on(db, nursery):
    written: list[int] = []

    async def broken(con, rows):
        raise TypeError("a bug in a batch function")

    async def fine(con, rows):
        for r in rows:
            written.append(await con.fetchval("SELECT $1::int", r[0]))

    ledger = Ledger(db, lambda fn, rows: None)
    await nursery.start(ledger.run)
    ledger.enqueue(broken, (1,))
    with trio.fail_after(5):
        await ledger.flush()
    assert ledger.dropped == 1 and ledger.retries == 0
    ledger.enqueue(fine, (2,))
    with trio.fail_after(5):
        await ledger.flush()
    assert written == [2] and ledger.backlog == 0
