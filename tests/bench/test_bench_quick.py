"""The benchmark's machinery at tiny scale: the load client, the raw-limit server, and the
exactly-once checks (client receipts and PostgreSQL pairs). No speed is asserted."""

from __future__ import annotations

import trio

from copytrade.bench.procs import ClientProcess, LimitProcess
from copytrade.bench.stats import client_verdict, latencies, summary
from copytrade.bench.world import _pair_problems

N = 5
SIGNALS = 10


async def _run_against_limit(duplicate_every: int = 0) -> dict:
    limit = await LimitProcess.start(duplicate_every)
    client = await ClientProcess.start()
    try:
        with trio.fail_after(15):
            reply = await client.request(
                "connect", host="127.0.0.1", port=limit.port, masters=[["m", 0]],
                followers=[[f"f{i}", 0] for i in range(N)])
            assert reply["ok"], reply
            assert reply["connections"] == N + 1
            run = await client.request("run", signals=SIGNALS, ticket_base=1000, gap_ms=2,
                                       timeout_s=2, expect_stored=False)
            await client.request("close")
            return run
    finally:
        await client.aclose()
        await limit.aclose()


async def test_every_follower_gets_every_signal_once() -> None:
    run = await _run_against_limit()
    verdict = client_verdict(run)
    assert verdict.exactly_once, verdict.problems
    assert run["received"] == N * SIGNALS
    assert run["acks_sent"] == N * SIGNALS
    first, last = latencies(run, warmup=2)
    assert len(first) == len(last) == SIGNALS - 2
    assert all(f <= la for f, la in zip(first, last, strict=True))
    assert set(summary(last)) == {"p50_ms", "p95_ms", "p99_ms", "max_ms", "samples"}


async def test_a_duplicate_is_caught() -> None:
    run = await _run_against_limit(duplicate_every=3)
    verdict = client_verdict(run)
    assert not verdict.exactly_once
    assert run["duplicates"] == SIGNALS // 3
    assert any("duplicate" in p for p in verdict.problems)


def test_pair_rows_that_do_not_match_are_reported() -> None:
    def row(ticket: int, pairs: int, open_: int, followers: int) -> dict:
        return {"account_id": 1, "ticket": ticket, "pairs": pairs, "open": open_,
                "followers": followers}

    good = [row(1, 3, 3, 3), row(2, 3, 3, 3)]
    assert _pair_problems(good, {1: 3}, 2) == []
    assert _pair_problems([row(1, 3, 3, 3), row(2, 4, 4, 3)], {1: 3}, 2)  # a doubled pair
    assert _pair_problems([row(1, 3, 3, 3), row(2, 3, 2, 3)], {1: 3}, 2)  # one not OPEN
    assert _pair_problems(good[:1], {1: 3}, 2)  # a master trade missing
