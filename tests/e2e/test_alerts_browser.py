"""Settings → Alerts in real Chromium: every field's error is shown next to it, a webhook
channel is saved (its generated secret shown once), "Send a test message" reaches a signed
webhook receiver on loopback, and the channel then shows the delivery result; in Thai too."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from e2e_support import DESKTOP, Server, screenshot

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-battery"


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


class Receiver(BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_alert_channel_from_the_settings_page(server: Server, new_context: Any) -> None:
    e = expect()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page = new_context(DESKTOP).new_page()
        tid = page.get_by_test_id
        page.goto(f"{server.base_url}/login")
        tid("to-register").click()
        tid("register-name").fill("Alerts")
        tid("register-email").fill("alerts@example.com")
        tid("register-password").fill(PASSWORD)
        tid("register-submit").click()
        e(tid("dashboard-empty")).to_be_visible()
        page.goto(f"{server.base_url}/settings")
        panel = tid("alerts-panel")
        e(panel).to_be_visible()
        e(tid("alert-add")).to_be_visible()
        tid("alert-add").click()
        tid("alert-kind").select_option("webhook")
        tid("alert-webhook-url").fill("ftp://nowhere")
        tid("alert-time-zone").fill("Mars/Olympus")
        tid("alert-quiet").check()
        tid("alert-quiet-start").fill("25:00")
        tid("alert-save").click()
        for field in ("alert-name", "alert-webhook-url", "alert-time-zone", "alert-quiet-start"):
            e(tid(f"{field}-error")).to_be_visible()
        screenshot(page, "desktop-settings-alerts-errors")
        tid("alert-name").fill("My hook")
        tid("alert-webhook-url").fill(f"http://127.0.0.1:{httpd.server_port}/ct")
        tid("alert-time-zone").fill("Asia/Bangkok")
        tid("alert-quiet-start").fill("23:00")
        tid("alert-topic-copy.skipped").check()
        tid("alert-save").click()
        secret_el = tid("alert-webhook-secret-once")
        e(secret_el).to_be_visible()
        secret = secret_el.inner_text().strip()
        assert secret.startswith("whsec_")
        row = tid("alert-row")
        e(row).to_have_count(1)
        e(row).to_contain_text("My hook")
        e(tid("alert-status")).to_contain_text("Nothing sent yet")
        tid("alert-test").click()
        deadline = time.monotonic() + 15
        while not Receiver.got and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Receiver.got, "the test message never reached the webhook"
        headers, body = Receiver.got[0]
        mac = hmac.new(secret.encode(), headers["x-copytrade-timestamp"].encode() + b"." + body,
                       hashlib.sha256).hexdigest()
        assert headers["x-copytrade-signature"] == f"sha256={mac}"
        assert json.loads(body)["type"] == "test.message"
        tid("alert-refresh").click()
        e(tid("alert-status")).to_contain_text("Last message sent")
        screenshot(page, "desktop-settings-alerts")
        # Once dismissed, the secret is not in anything the page shows or loads again.
        tid("alert-secret-done").click()
        e(secret_el).to_have_count(0)
        assert secret not in page.content()
        page.reload()
        e(tid("alert-row")).to_have_count(1)
        assert secret not in page.content()
        # Thai.
        tid("settings-lang-th").click()
        e(panel).to_contain_text("การแจ้งเตือน")
        e(tid("alert-test")).to_have_text("ส่งข้อความทดสอบ")
    finally:
        httpd.shutdown()
