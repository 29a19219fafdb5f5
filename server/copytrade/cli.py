"""The ``copytrade`` command: one table of sub-commands (``COMMANDS``), one parser from it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import attrs
import trio
import trio_asyncio

from . import __version__
from .config import SETTINGS, ConfigError, Settings, load_settings
from .logsetup import configure_logging

EPILOG = """\
Every option can also be set by environment variable (see README, "Configuration").
With no DATABASE_URL the server runs its own PostgreSQL in the data folder.

examples:
  copytrade serve                         web app on http://127.0.0.1:8000, EAs on port 5555
  copytrade serve --ea-host 0.0.0.0       accept EAs from other machines
  copytrade migrate                       apply pending database migrations and exit
  copytrade demo                          a demo user, one master, three followers, live trades
"""


def _add_setting_flags(parser: argparse.ArgumentParser, fields: Sequence[str]) -> None:
    for setting in SETTINGS:
        if setting.flag and setting.field in fields:
            parser.add_argument(setting.flag, dest=setting.field, metavar="VALUE",
                                help=f"{setting.help} [env {setting.env}]")


SERVER_FIELDS = ("database_url", "data_dir", "http_host", "http_port", "ea_host", "ea_port",
                 "tls_cert", "tls_key", "public_host", "public_url", "log_level")
DB_FIELDS = ("database_url", "data_dir", "log_level")

DEMO_DESCRIPTION = """\
Start the server (embedded PostgreSQL unless DATABASE_URL is set), create a demo user with one
master and three followers (reversed; broker symbols with a .m suffix; 2x lot capped at 0.30),
run their EAs as simulators in this process and let the master trade every few seconds, so the
dashboard shows live copies. Prints the dashboard URL and login. Ctrl-C stops everything.
Running it again reuses the demo user and accounts (with a new password)."""


@attrs.frozen
class Command:
    """One sub-command: its help, its arguments and what it runs.

    ``flags`` are the settings it takes as options (``--database-url`` ...); ``arguments``
    adds any others; ``run`` gets the parsed arguments and the settings and returns the exit
    code. Modules a command needs are imported when it is chosen, so ``copytrade serve`` does
    not load the bench or the emulator.
    """

    name: str
    help: str
    description: str
    run: Callable[[argparse.Namespace, Settings], int]
    flags: Sequence[str] = ()
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from . import app
    app.configure_process(settings)
    trio.run(app.serve_until_signalled, settings)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    trio.run(_migrate_only, settings)
    return 0


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    from .bench.cli import add_arguments
    add_arguments(parser)


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from .bench.cli import run
    return run(args, settings)


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interval", type=float, default=4.0,
                        help="seconds between the master's moves, about [4]")
    parser.add_argument("--seed", type=int, default=None, help="random seed for the trades")
    parser.add_argument("--real-eas", action="store_true",
                        help="run the real MQL5 EAs (compiled with g++, in emulated MT5 "
                             "terminals) instead of the Python simulators")


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from . import app
    app.configure_process(settings)
    if args.real_eas:
        from .demo_eas import run as run_demo_real_eas
        return run_demo_real_eas(settings, args.interval, args.seed)
    from .demo import run as run_demo
    return run_demo(settings, args.interval, args.seed)


def _sim_arguments(parser: argparse.ArgumentParser) -> None:
    from .sim.cli import add_arguments
    add_arguments(parser)


def _sim(args: argparse.Namespace, settings: Settings) -> int:
    from .sim.cli import run
    return run(args)


def _ea_arguments(parser: argparse.ArgumentParser) -> None:
    from .ea.run import add_arguments
    add_arguments(parser)


def _ea(args: argparse.Namespace, settings: Settings) -> int:
    from .ea.run import run
    return run(args)


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from .doctor import run
    return run(settings)


def _file_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")


def _backup_or_restore(args: argparse.Namespace, settings: Settings) -> int:
    from .backup import run
    return run(args.command, settings, args.file)


_BACKUP_HELP = "dump the database to FILE (pg_dump custom format)"
_RESTORE_HELP = "restore FILE into an empty database (a fresh data folder)"

COMMANDS: tuple[Command, ...] = (
    Command("serve", "run the server (EA gateway, engine, web app)",
            "Run the server until Ctrl-C or SIGTERM.", _serve, SERVER_FIELDS),
    Command("migrate", "apply pending database migrations and exit",
            "Apply pending SQL migrations, each once, then exit.", _migrate, DB_FIELDS),
    Command("bench",
            "measure copy latency, capacity and throughput (starts its own server)",
            "Start the server on a temporary embedded PostgreSQL, drive it with simulated EAs "
            "from another process and print latency figures next to the raw fan-out limit. "
            "Exits non-zero if any copy was lost or doubled. With --eas: the real, compiled "
            "EAs in the MT5 emulator, terminal to terminal.",
            _bench, ("log_level",), _bench_arguments),
    Command("demo", "a demo user, one master, three followers, live trades", DEMO_DESCRIPTION,
            _demo, SERVER_FIELDS, _demo_arguments),
    Command("sim", "run a simulated master or follower EA against a server",
            "Run one simulated EA (it speaks the real protocol) against a running server. "
            "Ctrl-C stops it.", _sim, (), _sim_arguments),
    Command("ea", "run the real MQL5 EAs (compiled with g++) in an emulated MT5 terminal",
            "Run the real master or follower EA without MetaTrader: `copytrade ea run "
            "master|follower --api-key KEY ...` (see mql5/README.md).", _ea, (), _ea_arguments),
    Command("doctor", "check configuration, ports, database, TLS files, DNS and limits",
            "Check this installation as `copytrade serve` would run it and print what is wrong "
            "and how to fix it. Exit code 1 if a check fails.", _doctor, SERVER_FIELDS),
    Command("backup", _BACKUP_HELP, _BACKUP_HELP[0].upper() + _BACKUP_HELP[1:] + ".",
            _backup_or_restore, DB_FIELDS, _file_argument),
    Command("restore", _RESTORE_HELP, _RESTORE_HELP[0].upper() + _RESTORE_HELP[1:] + ".",
            _backup_or_restore, DB_FIELDS, _file_argument),
)
"""Every sub-command, in the order ``copytrade --help`` lists them."""

_BY_NAME = {command.name: command for command in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copytrade",
        description="CopyTradePro: copy MetaTrader 5 trades from master to follower accounts.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"copytrade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.description)
        if command.arguments is not None:
            command.arguments(p)
        _add_setting_flags(p, command.flags)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    flags = {s.field: getattr(args, s.field, None) for s in SETTINGS}
    return load_settings(flags=flags)


async def _migrate_only(settings: Settings) -> None:
    from .app import database_url
    from .db.migrate import migrate

    async with trio_asyncio.open_loop(), database_url(settings) as dsn:
        report = await migrate(dsn)
    if report.applied:
        print(f"applied {len(report.applied)} migration(s): {', '.join(report.applied)}")
    else:
        print(f"database is up to date ({report.already} migration(s) applied before)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"copytrade: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    from .db.errors import DatabaseError

    try:
        return _BY_NAME[args.command].run(args, settings)
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:
        error = _leaf(exc, DatabaseError)
        if error is None:
            raise
        print(f"copytrade: {error}", file=sys.stderr)
        return 1


def _leaf(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first ``kind`` inside ``exc`` (trio wraps errors from nurseries in groups)."""
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _leaf(inner, kind)
            if found is not None:
                return found
    return None


if __name__ == "__main__":
    sys.exit(main())
