"""A renewed certificate is picked up on SIGHUP by a real ``copytrade serve`` process, on the
EA port and the web port, while an EA connection and a live websocket (over HTTPS) made before
stay connected: the websocket still delivers an event caused after the reload."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Message, Ping, Request

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


class TlsWebsocket:
    """A blocking wsproto client over TLS: just enough to follow /api/v1/live."""

    def __init__(self, port: int, cookie: str) -> None:
        self.sock = tls_connect(port)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.pending: list[object] = []
        host = f"127.0.0.1:{port}"
        self.sock.sendall(self.ws.send(Request(host=host, target="/api/v1/live", extra_headers=[
            (b"Cookie", f"ct_session={cookie}".encode()), (b"Origin", f"https://{host}".encode())])))
        while not any(isinstance(e, AcceptConnection) for e in self._read()):
            pass
        self.pending = [e for e in self.pending if not isinstance(e, AcceptConnection)]

    def _read(self) -> list[object]:
        data = self.sock.recv(65536)
        assert data, "the websocket was closed"
        self.ws.receive_data(data)
        events = list(self.ws.events())
        self.pending.extend(events)
        return events

    def recv(self) -> dict:
        text = ""
        while True:
            while self.pending:
                event = self.pending.pop(0)
                if isinstance(event, Ping):
                    self.sock.sendall(self.ws.send(event.response()))
                elif isinstance(event, Message):
                    text += event.data
                    if event.message_finished:
                        return json.loads(text)  # type: ignore[no-any-return]
                else:
                    raise AssertionError(f"unexpected websocket event {event!r}")
            self._read()


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
        # ... and a trader's browser: the first user registers, logs in, follows /api/v1/live.
        web = httpx.Client(base_url=f"https://127.0.0.1:{http_port}", verify=False,
                           headers={"X-CSRF": "1"}, timeout=10)
        user = {"email": "trader@example.com", "name": "T", "password": "correct horse 42"}
        assert web.post("/api/v1/auth/register", json=user).status_code == 201
        assert web.post("/api/v1/auth/login", json={
            "email": user["email"], "password": user["password"]}).status_code == 200
        account = web.post("/api/v1/accounts", json={"name": "M", "role": "master"}).json()
        live = TlsWebsocket(http_port, web.cookies["ct_session"])
        assert live.recv() == {"type": "hello", "id": 0}

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
        # The websocket made before the reload still carries events: an EA logs in now.
        with tls_connect(ea_port) as ea:
            ea.sendall(f"AUTH|{account['api_key']}|1||test\n".encode())
            assert ea.recv(200).startswith(b"OK|master|")
            message = live.recv()
            while isinstance(message, dict) and message["type"] == "ping":
                message = live.recv()
            event = message[0]  # a message that carries events is a list of them
            assert event["type"] == "ea.status" and event["data"]["online"] is True, event
        live.sock.close()
        web.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
