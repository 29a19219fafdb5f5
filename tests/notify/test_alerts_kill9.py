"""kill -9 of a subprocess server between an alert's cause and its delivery, and during the
delivery: after the restart the message arrives once (receiver-side count by idempotency key)
and the server's own outbox says ``sent`` — the guarantee docs/api.md states."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
import trio

from copytrade.notify.secretbox import new_key
from copytrade.sim.master import MasterSim

from alerttools import PASSWORD, api_until, eventually, webhook_server

pytestmark = pytest.mark.slow

COPYTRADE = Path(sys.executable).parent / "copytrade"
SECRET = "whsec-kill9-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db_url: str, data: Path) -> None:
        self.db_url, self.data = db_url, data
        self.http_port, self.ea_port = free_port(), free_port()
        self.key = new_key()
        self.process: trio.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "COPYTRADE_SECRET_KEY": self.key,
               "COPYTRADE_ALERT_OFFLINE_GRACE": "1.5", "COPYTRADE_ALERT_POLL_INTERVAL": "0.05",
               "COPYTRADE_ALERT_BACKOFF": "0.3", "COPYTRADE_ALERT_ALLOW_PRIVATE_URLS": "true",
               "COPYTRADE_DATA_DIR": str(self.data)}
        log = (self.data / "server.log").open("ab")
        self.process = await trio.lowlevel.open_process(
            [str(COPYTRADE), "serve", "--database-url", self.db_url, "--http-port",
             str(self.http_port), "--ea-port", str(self.ea_port)], stdout=log, stderr=log,
            env=env)
        with trio.fail_after(30):
            while True:
                assert self.process.poll() is None
                try:
                    async with httpx.AsyncClient() as c:
                        r = await c.get(f"http://127.0.0.1:{self.http_port}/healthz")
                    if r.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await trio.sleep(0.1)

    async def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        with trio.fail_after(10):
            await self.process.wait()
        self.process = None


async def test_kill9_between_event_and_delivery_delivers_exactly_once(
        aio_loop, db, db_url: str, tmp_path: Path, nursery: trio.Nursery) -> None:
    receiver, http = webhook_server(SECRET)
    await nursery.start(http.run)
    srv = Server(db_url, tmp_path)
    await srv.start()
    try:
        with trio.fail_after(60):
            base = f"http://127.0.0.1:{srv.http_port}"
            async with httpx.AsyncClient(base_url=base, headers={"X-CSRF": "1"},
                                         timeout=10) as c:
                await c.post("/api/v1/auth/register", json={
                    "email": "k9@example.com", "name": "K9", "password": PASSWORD})
                await c.post("/api/v1/auth/login",
                             json={"email": "k9@example.com", "password": PASSWORD})
                r = await c.post("/api/v1/alerts/channels", json={
                    "kind": "webhook", "name": "Hook", "webhook_url": f"{http.url}/in",
                    "webhook_secret": SECRET})
                assert r.status_code == 201, r.text
                channel_id = r.json()["channel"]["id"]
                r = await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})
                api_key = r.json()["api_key"]
                cookies = dict(c.cookies)

            # 1. The EA goes offline; the server dies inside the grace period.
            sim = MasterSim("127.0.0.1", srv.ea_port, api_key, reconnect=False)
            await nursery.start(sim.run)
            sim.stop()
            await eventually(lambda: db.fetchval(
                "SELECT count(*) FROM notify_events WHERE kind = 'ea.offline'"), timeout=5)
            await srv.kill9()
            assert receiver.by_key == {}
            await srv.start()
            await eventually(lambda: receiver.unique == 1, timeout=15)
            await trio.sleep(1.0)
            assert list(receiver.by_key.values()) == [1]
            assert receiver.bodies[0]["type"] == "ea.offline"
            rows = await db.fetch("SELECT status, idempotency_key::text AS k FROM notify_outbox")
            assert [(r["status"], r["k"]) for r in rows] == [("sent", *receiver.by_key)]

            # 2. The server dies while the receiver holds the request: it is sent again
            #    after the restart with the same key, so the receiver keeps one.
            receiver.hold = trio.Event()
            async with httpx.AsyncClient(base_url=base, headers={"X-CSRF": "1"},
                                         cookies=cookies, timeout=10) as c:
                r = await c.post(f"/api/v1/alerts/channels/{channel_id}/test")
                assert r.status_code == 202
                key = r.json()["delivery"]["idempotency_key"]
            await eventually(lambda: key in receiver.by_key)
            await srv.kill9()
            receiver.hold.set()
            receiver.hold = None
            await srv.start()
            await eventually(lambda: receiver.by_key[key] == 2, timeout=15)
            async with httpx.AsyncClient(base_url=base, headers={"X-CSRF": "1"},
                                         cookies=cookies, timeout=10) as c:
                body = await api_until(
                    c, f"/api/v1/alerts/channels/{channel_id}/deliveries",
                    lambda b: b["deliveries"][0]["status"] == "sent")
            assert body["deliveries"][0]["idempotency_key"] == key
            assert body["deliveries"][0]["attempts"] == 2
            assert receiver.unique == 2 and receiver.bad_signatures == 0

            # 3. The server dies while the EA is connected, and the EA never comes back: the
            #    database still says "connected", yet the alert comes after the restart.
            sim = MasterSim("127.0.0.1", srv.ea_port, api_key, reconnect=False)
            await nursery.start(sim.run)
            await eventually(lambda: db.fetchval(
                "SELECT ea_connected_at > coalesce(ea_disconnected_at, '-infinity') "
                "FROM trading_accounts WHERE role = 'master'"), timeout=5)
            await eventually(lambda: receiver.unique == 3)  # "back online" (after phase 1)
            assert receiver.bodies[-1]["type"] == "ea.online"
            await srv.kill9()
            sim.stop()
            await srv.start()
            await eventually(lambda: receiver.unique == 4, timeout=15)
            last = receiver.bodies[-1]
            assert last["type"] == "ea.offline" and last["data"]["after_restart"] is True
    finally:
        if srv.process is not None:
            await srv.kill9()
