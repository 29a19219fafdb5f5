"""``copytrade serve`` and ``copytrade migrate`` as a user runs them: a real process on its own
embedded PostgreSQL, healthy while up, clean on SIGTERM, data kept for the next start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("copytrade"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COPYTRADE_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_serve_on_embedded_postgres_then_sigterm(env, tmp_path):
    data_dir = tmp_path / "data"
    for attempt in range(2):  # the second start reuses the data folder
        port, ea_port = free_port(), free_port()
        proc = subprocess.Popen([EXE, "serve", "--http-port", str(port), "--ea-port",
                                 str(ea_port)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            assert wait_healthy(port, proc) == {"status": "ok", "database": "ok"}
            with socket.create_connection(("127.0.0.1", ea_port), timeout=5) as ea:
                ea.sendall(b"AUTH|sk_live_nope|1||t\n")
                assert ea.recv(200).startswith(b"ERR|AUTH_FAILED|")
            assert postgres_running(data_dir)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        output = proc.stdout.read().decode() if proc.stdout else ""
        assert "CopyTradePro ready" in output
        assert not postgres_running(data_dir), "embedded PostgreSQL left running"
        if attempt == 1:
            assert "applied migrations" not in output  # nothing new to apply


def test_migrate_twice_is_a_no_op_the_second_time(env):
    first = subprocess.run([EXE, "migrate"], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "applied 3 migration(s)" in first.stdout or "applied" in first.stdout
    second = subprocess.run([EXE, "migrate"], env=env, capture_output=True, text=True,
                            check=True)
    assert "up to date" in second.stdout


def test_bad_configuration_exits_with_a_message(env):
    env["COPYTRADE_EA_PORT"] = "ninety"
    result = subprocess.run([EXE, "serve"], env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "COPYTRADE_EA_PORT" in result.stderr


def test_unreachable_database_url_fails_with_a_reason(env):
    env["DATABASE_URL"] = f"postgresql://nobody@127.0.0.1:{free_port()}/x"
    result = subprocess.run([EXE, "migrate"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "copytrade:" in result.stderr and "Traceback" not in result.stderr
