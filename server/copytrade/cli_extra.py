"""Sub-commands beyond serve/migrate (demo, sim, bench) are registered here as they exist."""

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


def run_extra_command(args: argparse.Namespace, settings: Settings) -> int:
    raise SystemExit(f"copytrade: unknown command {args.command!r}")
