"""Sub-commands beyond serve/migrate (demo, sim, ea, bench) are registered here as they exist."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from .config import Settings


def add_extra_commands(
    sub: Any, add_flags: Callable[[argparse.ArgumentParser, Sequence[str]], None],
    server_fields: Sequence[str],
) -> None:
    """Add the extra sub-parsers to ``sub``."""
    bench = sub.add_parser(
        "bench", help="measure copy latency, capacity and throughput (starts its own server)",
        description="Start the server on a temporary embedded PostgreSQL, drive it with "
                    "simulated EAs from another process and print latency figures next to the "
                    "raw fan-out limit. Exits non-zero if any copy was lost or doubled. With "
                    "--eas: the real, compiled EAs in the MT5 emulator, terminal to terminal.")
    from .bench.cli import add_arguments as add_bench_arguments
    add_bench_arguments(bench)
    add_flags(bench, ("log_level",))
    _add_demo_and_sim(sub, add_flags, server_fields)
    ea = sub.add_parser(
        "ea", help="run the real MQL5 EAs (compiled with g++) in an emulated MT5 terminal",
        description="Run the real master or follower EA without MetaTrader: `copytrade ea run "
                    "master|follower --api-key KEY ...` (see mql5/README.md).")
    from .ea.run import add_arguments as add_ea_arguments
    add_ea_arguments(ea)
    doctor = sub.add_parser(
        "doctor", help="check configuration, ports, database, TLS files, DNS and limits",
        description="Check this installation as `copytrade serve` would run it and print what "
                    "is wrong and how to fix it. Exit code 1 if a check fails.")
    add_flags(doctor, server_fields)
    for name, text in (("backup", "dump the database to FILE (pg_dump custom format)"),
                       ("restore", "restore FILE into an empty database (a fresh data folder)")):
        p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        p.add_argument("file", metavar="FILE")
        add_flags(p, ("database_url", "data_dir", "log_level"))


def run_extra_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "bench":
        from .bench.cli import run as run_bench
        return run_bench(args)
    if args.command in ("backup", "restore"):
        from .backup import run as run_backup
        return run_backup(args.command, settings, args.file)
    if args.command == "doctor":
        from .doctor import run as run_doctor
        return run_doctor(settings)
    if args.command == "ea":
        from .ea.run import run as run_ea
        return run_ea(args)
    if args.command in ("demo", "sim"):
        return _run_demo_or_sim(args, settings)
    raise SystemExit(f"copytrade: unknown command {args.command!r}")


# ----------------------------------------------------------------------------- demo, sim

DEMO_DESCRIPTION = """\
Start the server (embedded PostgreSQL unless DATABASE_URL is set), create a demo user with one
master and three followers (reversed; broker symbols with a .m suffix; 2x lot capped at 0.30),
run their EAs as simulators in this process and let the master trade every few seconds, so the
dashboard shows live copies. Prints the dashboard URL and login. Ctrl-C stops everything.
Running it again reuses the demo user and accounts (with a new password)."""


def _add_demo_and_sim(
    sub: Any, add_flags: Callable[[argparse.ArgumentParser, Sequence[str]], None],
    server_fields: Sequence[str],
) -> None:
    demo = sub.add_parser("demo", help="a demo user, one master, three followers, live trades",
                          description=DEMO_DESCRIPTION)
    add_flags(demo, server_fields)
    demo.add_argument("--interval", type=float, default=4.0,
                      help="seconds between the master's moves, about [4]")
    demo.add_argument("--seed", type=int, default=None, help="random seed for the trades")
    demo.add_argument("--real-eas", action="store_true",
                      help="run the real MQL5 EAs (compiled with g++, in emulated MT5 "
                           "terminals) instead of the Python simulators")

    sim = sub.add_parser("sim", help="run a simulated master or follower EA against a server",
                         description="Run one simulated EA (it speaks the real protocol) "
                                     "against a running server. Ctrl-C stops it.")
    from .sim.cli import add_arguments as add_sim_arguments
    add_sim_arguments(sim)


def _run_demo_or_sim(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "demo" and args.real_eas:
        from .demo_eas import run as run_demo_real_eas
        return run_demo_real_eas(settings, args.interval, args.seed)
    if args.command == "demo":
        from .demo import run as run_demo
        return run_demo(settings, args.interval, args.seed)
    from .sim.cli import run as run_sim
    return run_sim(args)
