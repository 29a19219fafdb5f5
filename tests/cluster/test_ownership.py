"""Cluster ownership on the real embedded PostgreSQL (copytrade.db.cluster): node heartbeats,
EA presence, the per-master lease (take, renew, expire, takeover bumps the generation, a
write with an old generation is refused) and two contenders racing for one lease."""

from __future__ import annotations

import pytest
import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.cluster import ClusterRepository, LeaseLost, next_seq
from copytrade.db.database import Database, open_database
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def masters(db: Database, n: int = 1) -> list[int]:
    user = await UserRepository(db).create(email="c@example.com", name="C", hashed_password=HASH)
    repo = AccountRepository(db)
    return [(await repo.create(user.id, name=f"M{i}", role=Role.MASTER)).account.id
            for i in range(n)]


async def nodes(repo: ClusterRepository, *names: str) -> None:
    for name in names:
        await repo.heartbeat(name, f"{name}.example.com:5555")


async def test_heartbeats_and_live_nodes(db: Database) -> None:
    repo = ClusterRepository(db)
    await nodes(repo, "a", "b")
    assert await repo.live_nodes(10) == ["a", "b"]
    await repo.stopped("b")
    assert await repo.live_nodes(10) == ["a"]
    await repo.heartbeat("b")                       # restarted
    assert await repo.live_nodes(10) == ["a", "b"]
    await db.execute("UPDATE cluster_nodes SET heartbeat_at = now() - interval '1 minute' "
                     "WHERE node_id = 'a'")
    assert await repo.live_nodes(10) == ["b"]       # a stopped beating


@pytest.mark.parametrize("bad", ["", "A", "-a", "a b", "a.b", "x" * 64, "é", "a\n"])
async def test_malformed_node_ids_and_ttls_are_refused(db: Database, bad: str) -> None:
    repo = ClusterRepository(db)
    with pytest.raises(ValueError, match="node id"):
        await repo.heartbeat(bad)
    (master,) = await masters(db)
    with pytest.raises(ValueError, match="node id"):
        await repo.take(master, bad, 5)


@pytest.mark.parametrize("ttl", [0, -1, 3601, float("nan"), float("inf")])
async def test_malformed_ttls_are_refused(db: Database, ttl: float) -> None:
    repo = ClusterRepository(db)
    await nodes(repo, "a")
    (master,) = await masters(db)
    with pytest.raises(ValueError, match="ttl"):
        await repo.take(master, "a", ttl)


async def test_presence_follows_the_session_and_late_releases_are_harmless(db: Database) -> None:
    repo = ClusterRepository(db)
    await nodes(repo, "a", "b")
    (account,) = await masters(db)
    assert await repo.claim_presence(account, "a") is None
    assert await repo.claim_presence(account, "a") is None        # same node again
    assert await repo.claim_presence(account, "b") == "a"         # moved: a must kick it
    assert await repo.release_presence(account, "a") is False     # a's late disconnect
    assert await repo.presence(account) == "b"
    assert await repo.clear_presence("b") == 1
    assert await repo.presence(account) is None


async def test_lease_take_renew_expire_takeover_and_fenced_writes(db: Database) -> None:
    repo = ClusterRepository(db)
    await nodes(repo, "a", "b")
    (master,) = await masters(db)
    a1 = await repo.take(master, "a", 30)
    assert a1 is not None and (a1.node_id, a1.generation, a1.seq) == ("a", 1, 0)
    assert await repo.take(master, "b", 30) is None               # a holds a live lease
    again = await repo.take(master, "a", 30)                      # a re-takes: a renewal
    assert again is not None and again.generation == 1
    assert await db.run(lambda con: next_seq(con, a1)) == 1
    assert await db.run(lambda con: next_seq(con, a1)) == 2
    renewed = await repo.renew(a1, 30)
    assert renewed is not None and renewed.expires_at >= a1.expires_at
    # a stops renewing (paused): the lease expires, b takes over with generation 2
    await db.execute("UPDATE master_leases SET expires_at = now() - interval '1 second'")
    b2 = await repo.take(master, "b", 30)
    assert b2 is not None and (b2.node_id, b2.generation, b2.seq) == ("b", 2, 2)
    # a wakes up: its renewal and its writes are refused; nothing it tried was stored
    assert await repo.renew(a1, 30) is None
    with pytest.raises(LeaseLost):
        await db.run_in_transaction(lambda con: next_seq(con, a1))
    assert await db.run(lambda con: next_seq(con, b2)) == 3      # the sequence continues
    # a clean handover: released, taken at once by a with generation 3
    assert await repo.release(b2) is True
    a3 = await repo.take(master, "a", 30)
    assert a3 is not None and (a3.generation, a3.seq) == (3, 3)
    assert await repo.release(b2) is False                        # stale: no effect
    current = await repo.current(master)
    assert current is not None and (current.node_id, current.generation) == ("a", 3)
    # the same node taking its own expired lease also bumps the generation
    await db.execute("UPDATE master_leases SET expires_at = now() - interval '1 second'")
    a4 = await repo.take(master, "a", 30)
    assert a4 is not None and a4.generation == 4
    with pytest.raises(LeaseLost):
        await db.run(lambda con: next_seq(con, a3))


async def test_a_rolled_back_signal_does_not_use_up_a_sequence_number(db: Database) -> None:
    repo = ClusterRepository(db)
    await nodes(repo, "a")
    (master,) = await masters(db)
    lease = await repo.take(master, "a", 30)
    assert lease is not None

    async def store_then_fail(con: object) -> None:
        await next_seq(con, lease)  # type: ignore[arg-type]
        raise RuntimeError("the signal's insert failed")

    with pytest.raises(RuntimeError):
        await db.run_in_transaction(store_then_fail)
    assert await db.run(lambda con: next_seq(con, lease)) == 1


async def test_two_contenders_racing_exactly_one_wins_each_time(
        aio_loop: None, db_url: str) -> None:
    """Two nodes, each on its own connection pool, take the same free lease at the same
    moment, many times over: exactly one gets it, and the generation rises by one each round."""
    async with open_database(db_url, max_size=2) as one, open_database(db_url, max_size=2) as two:
        repos = {"a": ClusterRepository(one), "b": ClusterRepository(two)}
        await nodes(repos["a"], "a", "b")
        ids = await masters(one, 20)
        for round_no, master in enumerate(ids * 2):
            results: dict[str, object] = {}

            async def contend(node: str, master: int = master,
                              results: dict[str, object] = results) -> None:
                results[node] = await repos[node].take(master, node, 30)

            async with trio.open_nursery() as race:
                race.start_soon(contend, "a")
                race.start_soon(contend, "b")
            winners = [n for n, lease in results.items() if lease is not None]
            assert len(winners) == 1, (round_no, results)
            lease = results[winners[0]]
            expected = 1 if round_no < len(ids) else 2
            assert getattr(lease, "generation", None) == expected
            if round_no < len(ids):   # free it for the second round
                await one.execute("UPDATE master_leases SET expires_at = now() - "
                                  "interval '1 second' WHERE master_account_id = $1", master)
