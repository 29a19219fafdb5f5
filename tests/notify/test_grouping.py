"""The grouping rule of copy outcomes, on the dispatcher alone with set timestamps: a group of
(user, account, kind) is one message once it has been quiet for the window, or once its oldest
event is GROUP_MAX_HOLD windows old; a burst still being recorded is held, however long ago it
began (the old fixed window from the first event split a burst on a slow machine)."""

from __future__ import annotations

import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role
from copytrade.notify.dispatch import GROUP_MAX_HOLD, Dispatcher

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
WINDOW = 60.0  # long against any stall of this machine between insert and tick


async def test_a_group_is_due_when_quiet_or_held_too_long(db) -> None:
    assert GROUP_MAX_HOLD * WINDOW == 360
    with trio.fail_after(30):
        user = await UserRepository(db).create(email="g@example.com", name="G",
                                               hashed_password=HASH)
        accounts = AccountRepository(db)
        ids = {}
        for name in ("quiet", "bursting", "stream", "fresh", "single"):
            ids[name] = (await accounts.create(user.id, name=name, role=Role.FOLLOWER)).account.id
        channel = await db.fetchval(
            "INSERT INTO notify_channels (user_id, kind, name, events) "
            "VALUES ($1, 'webhook', 'hook', ARRAY['copy.failed']) RETURNING id", user.id)

        async def events(name: str, ages: range) -> None:
            for age in ages:
                await db.execute(
                    "INSERT INTO notify_events (user_id, account_id, kind, payload, created_at) "
                    "VALUES ($1, $2, 'copy.failed', '{}', now() - make_interval(secs => $3))",
                    user.id, ids[name], float(age))

        await events("quiet", range(200, 99, -10))    # a 100 s burst, quiet for 100 s: due
        await events("bursting", range(100, 4, -5))   # began 100 s ago, still going: held
        await events("stream", range(400, 4, -5))     # never quiet, oldest 400 s > 360: due
        await events("fresh", range(1, 0, -1))        # one event 1 s old: held
        await events("single", range(61, 60, -1))     # one event, quiet for 61 s: due

        d = Dispatcher(db=db, grace=0.8, window=WINDOW, poll=1.0, wake_senders=lambda: None)
        assert await d.tick() == 3

        left = {r["account_id"]: r["n"] for r in await db.fetch(
            "SELECT account_id, count(*) AS n FROM notify_events GROUP BY account_id")}
        assert left == {ids["bursting"]: 20, ids["fresh"]: 1}
        sent = {r["payload"]["account_id"]: r["payload"]["count"] for r in await db.fetch(
            "SELECT payload FROM notify_outbox WHERE channel_id = $1", channel)}
        assert sent == {ids["quiet"]: 11, ids["stream"]: 80, ids["single"]: 1}
