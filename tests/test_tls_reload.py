"""A renewed certificate is picked up on SIGHUP by a real ``copytrade serve`` process, on the
EA port and the web port, while an EA connection made before stays connected."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_doctor import make_cert

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tls_connect(port: int) -> ssl.SSLSocket:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))


def served_cert(port: int) -> bytes:
    with tls_connect(port) as s:
        der = s.getpeercert(binary_form=True)
        assert der is not None
        return der


def der(path: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(path.read_text())


def test_sighup_reloads_without_dropping_connections(db_url: str, tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path, "live", days=30)
    first = der(cert)
    http_port, ea_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "COPYTRADE_TLS_CERT": str(cert),
           "COPYTRADE_TLS_KEY": str(key), "COPYTRADE_EA_AUTH_TIMEOUT": "60",
           "COPYTRADE_DATA_DIR": str(tmp_path / "data")}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "copytrade.cli", "serve", "--http-port",
                             str(http_port), "--ea-port", str(ea_port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                served_cert(http_port)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        assert served_cert(ea_port) == first
        early = tls_connect(ea_port)  # an EA connected before the renewal

        # renewal: a bad pair first (refused, the old certificate stays), then a good one
        _, other_key = make_cert(tmp_path, "other", days=30)
        cert.write_bytes(make_cert(tmp_path, "renewed", days=90)[0].read_bytes())
        key.write_bytes(other_key.read_bytes())  # a key of another certificate
        proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert served_cert(ea_port) == first and proc.poll() is None
        key.write_bytes((tmp_path / "renewed.key").read_bytes())
        proc.send_signal(signal.SIGHUP)
        renewed = der(tmp_path / "renewed.crt")
        deadline = time.monotonic() + 10
        while served_cert(ea_port) != renewed:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert served_cert(http_port) == renewed

        early.sendall(b"PING|1\n")  # still connected, still answered
        assert early.recv(100).startswith(b"PONG")
        early.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
