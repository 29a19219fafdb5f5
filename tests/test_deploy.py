"""deploy/: the systemd unit is well-formed (systemd-analyze verify where installed) and has
the promised settings; serve's log lines suit journald when JOURNAL_STREAM is set."""

from __future__ import annotations

import configparser
import logging
import shutil
import subprocess
from pathlib import Path

from copytrade.logsetup import JournalFormatter

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "copytrade.service")
    return parser


def test_unit_has_the_promised_settings() -> None:
    u = unit()
    service = u["Service"]
    assert service["User"] == "copytrade" and service["Restart"] == "on-failure"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert int(service["LimitNOFILE"]) >= 20000 + 1024
    assert service["ExecStart"].endswith("copytrade serve")
    assert "EnvironmentFile" in service and u["Install"]["WantedBy"] == "multi-user.target"
    env = (DEPLOY / "copytrade.env").read_text()
    for name in ("COPYTRADE_EA_HOST=0.0.0.0", "COPYTRADE_PUBLIC_HOST=", "COPYTRADE_TLS_CERT="):
        assert name in env


def test_systemd_analyze_accepts_the_unit(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:  # not installed here: the parse test above is what runs
        return
    text = (DEPLOY / "copytrade.service").read_text()
    text = text.replace("/opt/copytrade/.venv/bin/copytrade", "/bin/true")
    text = text.replace("EnvironmentFile=/etc/copytrade/copytrade.env",
                        f"EnvironmentFile=-{tmp_path}/none.env")
    (tmp_path / "copytrade.service").write_text(text)
    done = subprocess.run([tool, "verify", str(tmp_path / "copytrade.service")],
                          capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines()
                if "copytrade.service" in line and "User" not in line]
    assert not problems, done.stderr


def test_journal_format() -> None:
    f = JournalFormatter()
    rec = logging.LogRecord("copytrade.app", logging.WARNING, __file__, 1, "slow %s", ("x",),
                            None)
    assert f.format(rec) == "<4>copytrade.app: slow x"
    rec = logging.LogRecord("a", logging.INFO, __file__, 1, "two\nlines", None, None)
    assert f.format(rec) == "<6>a: two\n<6>lines"
