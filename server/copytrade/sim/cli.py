"""``copytrade sim master|follower``: run one simulated EA against a server from the shell.

A master sim with ``--interval`` trades by itself (sim/autotrade.py); without it, it just
keeps its connection (and resends anything not STORED). A follower sim executes what it is
sent and prints every command. Both reconnect after a drop; Ctrl-C stops them.
"""

from __future__ import annotations

import argparse
import math
import random
import signal
import sys
from decimal import Decimal, InvalidOperation

import trio

from ..protocol.servers import ServerAddress, ServerListError, parse_servers, resolve_servers
from .autotrade import AutoTrader
from .follower import FollowerSim
from .market import Market, walk_market
from .master import MasterSim

DEFAULT_SYMBOLS = "EURUSD,GBPUSD,USDJPY,XAUUSD,US30"


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _symbols(text: str) -> tuple[str, ...]:
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    if not names:
        raise argparse.ArgumentTypeError("name at least one symbol")
    return names


def _servers(text: str) -> tuple[ServerAddress, ...]:
    try:
        return parse_servers(text, 5555)
    except ServerListError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"the port {value} is out of range (1-65535)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    roles = parser.add_subparsers(dest="sim_role", metavar="ROLE", required=True)
    for role, help_text in (("master", "a master EA (with --interval it trades by itself)"),
                            ("follower", "a follower EA that executes what it is sent")):
        p = roles.add_parser(role, help=help_text, description=help_text)
        p.add_argument("--host", default="127.0.0.1", help="EA gateway host [127.0.0.1]")
        p.add_argument("--port", type=_port, default=5555, help="EA gateway port [5555]")
        p.add_argument("--servers", type=_servers, default=(), metavar="HOST:PORT,...",
                       help="server addresses to fail over between, in order (like the EAs' "
                            "InpServers); replaces --host/--port")
        p.add_argument("--api-key", required=True, help="the trading account's EA key")
        p.add_argument("--symbols", type=_symbols, default=_symbols(DEFAULT_SYMBOLS),
                       help=f"comma-separated symbols [{DEFAULT_SYMBOLS}]")
        p.add_argument("--balance", type=_decimal, default=Decimal("10000"),
                       help="account balance/equity reported [10000]")
        if role == "master":
            p.add_argument("--interval", type=float, default=0.0,
                           help="trade by itself every ~N seconds (0 = never) [0]")
            p.add_argument("--seed", type=int, default=None, help="random seed for the trades")
        else:
            p.add_argument("--master-token", default=None,
                           help="follow this master (MST-...) on login")
            p.add_argument("--suffix", default="",
                           help="broker suffix added to every symbol, e.g. .m or m")
            p.add_argument("--reject-rate", type=_rate, default=0.0,
                           help="fraction of OPENs refused with 'No money' (0..1) [0]")
            p.add_argument("--latency", type=float, default=0.0,
                           help="seconds to wait before each reply [0]")


async def _until_signalled() -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            return


async def _echo(sim: MasterSim | FollowerSim, label: str) -> None:
    seen = 0

    def more() -> bool:
        return len(sim.received) > seen

    while True:
        await sim.wait_for(more, math.inf)
        for msg in sim.received[seen:]:
            print(f"{label} <- {msg!r}", flush=True)
        seen = len(sim.received)


async def run_sim(args: argparse.Namespace) -> int:
    sim: MasterSim | FollowerSim
    market = Market(random.Random(getattr(args, "seed", None)))
    try:
        servers = args.servers or resolve_servers("", args.host, args.port)
    except ServerListError as exc:
        print(f"copytrade sim: --host/--port: {exc}", file=sys.stderr)
        return 2
    if args.sim_role == "master":
        sim = MasterSim(args.host, args.port, args.api_key, servers=servers,
                        equity=args.balance, market=market)
    else:
        sim = FollowerSim(args.host, args.port, args.api_key, servers=servers,
                          master_token=args.master_token,
                          symbols=args.symbols, suffix=args.suffix, balance=args.balance,
                          reject_rate=args.reject_rate, reply_latency=args.latency,
                          market=market)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(walk_market, market)
        await nursery.start(sim.run)
        ok = sim.link.ok if sim.link is not None else None
        print(f"{args.sim_role} sim connected to {sim.failover.current}"
              + (f" as account {ok.account_id}" if ok else "") + "; Ctrl-C stops it", flush=True)
        nursery.start_soon(_echo, sim, args.sim_role)
        if isinstance(sim, MasterSim) and args.interval > 0:
            trader = AutoTrader(sim, args.symbols, random.Random(args.seed))
            nursery.start_soon(trader.run, args.interval,
                               lambda text: print(f"master -> {text}", flush=True))
        await _until_signalled()
        sim.stop()
        nursery.cancel_scope.cancel()
    return 0


def run(args: argparse.Namespace) -> int:
    return trio.run(run_sim, args)
