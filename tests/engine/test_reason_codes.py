"""The reason codes the SPA translates come from one list (copytrade.engine.reason_codes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from copytrade.engine import reason_codes as rc

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server" / "copytrade"
GENERATED = ROOT / "frontend" / "src" / "i18n" / "reason-codes.json"


def test_the_spa_list_is_generated_from_the_server_list() -> None:
    assert json.loads(GENERATED.read_text("utf-8")) == rc.reason_codes(), (
        "regenerate: .venv/bin/python -m copytrade.engine.reason_codes > "
        "frontend/src/i18n/reason-codes.json")


def test_risk_guard_codes_are_in_the_list() -> None:
    codes = set(rc.reason_codes())
    assert {"CLOSE_ONLY", "PAUSED", "RISK_TRIPPED", "OUTSIDE_TRADING_HOURS", "MAX_OPEN_COPIES",
            "MAX_TOTAL_LOTS", "MAX_SYMBOL_LOTS", "RISK_EQUITY_FLOOR", "RISK_DRAWDOWN",
            "RISK_DAILY_LOSS", "RISK_DAILY_LOSS_PCT", "RISK_DAILY_PROFIT_TARGET",
            "RISK_MARGIN_LEVEL"} <= codes


def test_every_code_the_sql_writes_is_in_the_list() -> None:
    codes = set(rc.reason_codes())
    for path in (SERVER / "db").glob("*.py"):
        for code in re.findall(r"reason_code = '([A-Z_]+)'", path.read_text("utf-8")):
            assert code in codes, f"{path.name} writes reason code {code}"


def test_every_listed_engine_literal_is_still_written_somewhere() -> None:
    sources = "\n".join(p.read_text("utf-8") for p in (SERVER / "engine").glob("*.py")
                        if p.name != "reason_codes.py")
    sources += "\n".join(p.read_text("utf-8") for p in (SERVER / "db").glob("*.py"))
    for code in rc.ENGINE_CODES:
        assert f'"{code}"' in sources or f"'{code}'" in sources, code
