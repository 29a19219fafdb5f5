"""The MQL5 core, compiled with g++, agrees with the Python codec and domain rules.

``mql5/Include/CopyTrade/*.mqh`` (protocol, symbols, volumes, outbox, tracker, state file) are
written in the subset of MQL5 that is also C++. This test compiles them with
``mql5/tests/test_core.cpp`` and the shim header, then runs the driver on a case file made here
from the shared vectors (``tests/fixtures/protocol_vectors.json``, the same file the Python
protocol tests read) and from the Python domain reference (``symbol_base``, ``match_symbol``,
``parse_symbol_map``, ``fit_volume``). Any disagreement fails the test.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from copytrade.domain.errors import RuleError
from copytrade.domain.lots import SymbolSpec, fit_volume, is_tradable
from copytrade.domain.symbols import match_symbol, parse_symbol_map, symbol_base

ROOT = Path(__file__).resolve().parents[2]
MQL5 = ROOT / "mql5"
VECTORS = ROOT / "tests" / "fixtures" / "protocol_vectors.json"
ORDER_VECTORS = VECTORS.with_name("protocol_vectors_orders.json")
SERVER_LISTS = VECTORS.with_name("server_lists.json")
"""InpServers cases (docs/protocol.md §5), also read by tests/protocol/test_servers.py."""
"""The pending-order verbs' vectors (docs/protocol.md §7a, §9a): the codec speaks them too."""


def _all_vectors() -> list[dict[str, object]]:
    return [*json.loads(VECTORS.read_text(encoding="utf-8")),
            *json.loads(ORDER_VECTORS.read_text(encoding="utf-8"))]

# Skipped only on a developer machine without g++; under CI a missing compiler is a failure.
pytestmark = pytest.mark.skipif(shutil.which("g++") is None and not os.environ.get("CI"),
                                reason="g++ is not installed")

SYMBOLS = [
    "EURUSD", "EURUSD.m", "EURUSDm", "EURUSDM", "GBPUSD.pro", "GBPUSDpro", "EURUSD-ecn",
    "EURUSD_i", "EURUSD.raw", "XAUUSD#", "EURUSD+", "EURUSD.a", "EURUSD.c", "EURUSDmicro",
    "#US30", ".US30", "US30.cash", "US30cash", "GOLDm", "eurusd", "BTCUSDT", "DJ30", "#",
    "XAUUSDpro", "USDJPYZ", "USDJPYzero", "EURGBP.", "..EURUSD", "GER40_cash-x", "BTCUSD+",
    "AUDCADfx", "NZDUSDVIP", "US500mini", "aapl", "AAPL.US", "XAGUSDx", "EURUSDECN", "A",
    "EURUSDq", "1234", "EURUSD1", "SP500.cashm",
]  # fmt: skip

MATCHES: list[tuple[str, str, list[str]]] = [
    ("EURUSD.m", "", ["EURUSDm", "GBPUSDm"]),
    ("GBPUSD", "", ["EURUSD.pro", "GBPUSD.pro"]),
    ("XAUUSD", "", ["XAUUSD#", "XAGUSD#"]),
    ("EURUSDm", "", ["EURUSD", "GBPUSD"]),
    ("US30", "US30=DJ30", ["DJ30", "US30"]),
    ("US30", "US30=DJ30", []),
    ("US30", "US30=DJ30", ["US30", "GER40"]),
    ("EURUSD", "", ["EURUSD", "EURUSD.pro"]),
    ("EURUSD.pro", "", ["EURUSD", "EURUSD.pro"]),
    ("eurusd", "", ["EURUSD.pro"]),
    ("EURUSD.m", "", ["EURUSD", "EURUSD.pro"]),
    ("EURUSD.m", "", ["EURUSD.a", "EURUSD.b"]),
    ("EURUSD", "", ["GBPUSD", "USDJPY"]),
    ("#US30", "", ["US30.cash"]),
    ("EURUSD.m", "", []),
    ("XAUUSD.m", "XAUUSD=GOLD", ["GOLD", "SILVER"]),
    ("XAUUSD", "XAUUSD=GOLD", ["GOLD.pro"]),
    ("XAUUSD.m", "XAUUSD=GOLD, XAUUSD.m=GOLDm", ["GOLD", "GOLDm"]),
    ("EURUSD", "XAUUSD=GOLD", ["EURUSD.pro"]),
    ("XAUUSD.r", "XAUUSD.m=GOLD; XAUUSD.pro=GOLD.x", ["GOLD", "GOLD.x"]),
    ("EURUSD", "", ["eurusd", "EURUSD.m"]),
    ("EURUSD", "", ["eurusd", "Eurusd"]),
]

MAP_TEXTS = [
    "",
    "XAUUSD=GOLD",
    " XAUUSD = GOLD , US30=DJ30 ",
    "XAUUSD=GOLD;US30=DJ30\nGER40=DAX40,",
    ",,;",
    "XAUUSD",
    "XAUUSD=GOLD=X",
    "=GOLD",
    "XAUUSD=",
    "XAU USD=GOLD",
    "XAUUSD=GOLD,xauusd=GOLD2",
    "A/B=C",
    "XAUUSD=GOLD,\tUS30=DJ30",
]


def _hex(text: str) -> str:
    return text.encode("utf-8").hex()


def _record(*fields: str) -> str:
    return "\t".join(_hex(f) for f in fields)


def _vector_records() -> list[str]:
    records = []
    for v in _all_vectors():
        fields = [v["name"], v["direction"], "1" if v["valid"] else "0", v["line"]]
        fields.append(v.get("encoded", ""))
        if v["valid"]:
            fields += ["", ""]
            for key, value in v["message"].items():
                fields += [key, value]
        else:
            fields += [v["error"]["code"], v["error"]["field"]]
        records.append(_record("V", *fields))
    return records


def _symbol_records() -> list[str]:
    records = [_record("B", s, symbol_base(s)) for s in SYMBOLS]
    for master, map_text, followers in MATCHES:
        expected = match_symbol(master, parse_symbol_map(map_text), followers).symbol or ""
        records.append(_record("M", master, map_text, ",".join(followers), expected))
    for text in MAP_TEXTS:
        try:
            parsed = parse_symbol_map(text)
        except RuleError:
            records.append(_record("P", text, "0", ""))
        else:
            wire = ",".join(f"{k}={v}" for k, v in parsed.items())
            records.append(_record("P", text, "1", wire))
    return records


def _volume_records() -> list[str]:
    rng = random.Random(7)
    specs = [
        ("0.01", "100", "0.01"), ("0.1", "50", "0.1"), ("1", "1000", "1"),
        ("0.001", "10", "0.001"), ("0.05", "20", "0.05"), ("0.01", "0.5", "0.01"),
        ("0.5", "100", "0.5"), ("0.01", "100", "0.02"),
    ]  # fmt: skip
    volumes = ["0.3", "0.29999", "0.1", "0.015", "0.005", "0", "-1", "1.5", "123.456", "99.999",
               "1000000", "0.0999999999", "0.07", "2.675", "0.6", "0.3000000001"]  # fmt: skip
    records = []
    for vmin, vmax, step in specs:
        picks = volumes + [str(Decimal(rng.randint(0, 500000)) / Decimal(1000)) for _ in range(40)]
        for volume in picks:
            spec = SymbolSpec("X", Decimal(vmin), Decimal(vmax), Decimal(step))
            fitted = fit_volume(Decimal(volume), spec)
            tradable = "1" if is_tradable(fitted, spec) else "0"
            records.append(_record("F", volume, vmin, vmax, step, str(fitted), tradable))
    return records


def _server_records() -> list[str]:
    records = []
    for case in json.loads(SERVER_LISTS.read_text(encoding="utf-8")):
        records.append(_record("S", case["text"], str(case["default_port"]),
                               "1" if case["valid"] else "0",
                               ",".join(case.get("servers", []))))
    return records


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mql5") / "test_core"
    cmd = [
        "g++", "-std=c++17", "-Wall", "-Werror", "-O1",
        "-include", str(MQL5 / "tests" / "mql5_shim.h"),
        "-I", str(MQL5 / "Include"), "-I", str(MQL5 / "tests"),
        str(MQL5 / "tests" / "test_core.cpp"), "-o", str(out),
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"g++ failed:\n{result.stderr}"
    return out


def test_core_agrees_with_vectors_and_python_reference(driver: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.txt"
    records = (_vector_records() + _symbol_records() + _volume_records()
               + _server_records())
    cases.write_text("\n".join(records) + "\n", encoding="ascii")
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    result = subprocess.run(
        [str(driver), str(cases)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=sandbox,
        env={"CT_SHIM_SANDBOX": str(sandbox), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, f"MQL5 core disagrees:\n{result.stdout}\n{result.stderr}"
    n_vectors = len(_all_vectors())
    assert f"cases V: {n_vectors}\n" in result.stdout, result.stdout
    n_lists = len(json.loads(SERVER_LISTS.read_text(encoding="utf-8")))
    assert f"cases S: {n_lists}\n" in result.stdout, result.stdout
    assert " 0 failures" in result.stdout


def test_driver_fails_on_a_disagreeing_vector(driver: Path, tmp_path: Path) -> None:
    """Guard against a driver that passes everything: a wrong expectation must fail it."""
    cases = tmp_path / "cases.txt"
    fields = ["wrong", "ea_to_server", "1", "PING|1", "", "", "", "type", "Ping", "seq", "2"]
    bad = _record("V", *fields)
    cases.write_text(bad + "\n", encoding="ascii")
    result = subprocess.run(
        [str(driver), str(cases)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode != 0
    assert "vector 'wrong'" in result.stdout
