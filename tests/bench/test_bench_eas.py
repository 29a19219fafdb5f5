"""``copytrade bench --eas`` runs end to end with a tiny count and prints its figures (the real
EAs compiled, in the emulator, against a server it starts). No speed is asserted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("copytrade"))


@pytest.mark.skipif(shutil.which("g++") is None and not os.environ.get("CI"),
                    reason="g++ is not installed")
def test_bench_eas_prints_latency_and_cpu(tmp_path: Path) -> None:
    out = tmp_path / "eas.json"
    result = subprocess.run([EXE, "bench", "--eas", "--signals", "4", "--json", str(out)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout
    assert "from the master terminal's deal to the follower terminal's OrderSend" in text
    for label in ("all ", "open ", "close ", "CPU per signal", "master EA, deal"):
        assert label in text, text
    doc = json.loads(out.read_text())
    r = doc["results"][0]
    assert doc["mode"] == "eas" and r["signals"] == 4
    assert r["all"]["samples"] == 4 and r["open"]["samples"] == r["close"]["samples"] == 2
    assert r["all"]["p50_ms"] > 0
    assert set(r["cpu_ms_per_signal"]) == {"master", "follower"}


def test_bench_eas_refuses_a_bad_count() -> None:
    result = subprocess.run([EXE, "bench", "--eas", "--signals", "0"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "--signals must be at least 1 (got 0)" in result.stderr
