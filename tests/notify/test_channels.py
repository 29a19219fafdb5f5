"""Each channel kind against a loopback stand-in that checks the documented request shape:
LINE push + signed link webhook, e-mail through a real SMTP server (aiosmtpd, STARTTLS),
signed webhooks with an idempotency key; a receiver answering 500 ends dead-lettered and the
API shows why; secrets never come back."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from copytrade.notify.channels.line import signature

from alerttools import (
    LINE_SECRET,
    LINE_TOKEN,
    OWN_BOT,
    AlertWorld,
    api_until,
    eventually,
    start_world,
    webhook_server,
)

pytestmark = pytest.mark.slow


@pytest.fixture
async def world(aio_loop: None, db_url: str, tmp_path: Path,
                nursery: trio.Nursery) -> AsyncIterator[AlertWorld]:
    w = await start_world(nursery, db_url, tmp_path, smtp_host="127.0.0.1",
                          smtp_port=_free_port(), smtp_security="starttls",
                          smtp_user="alerts", smtp_password="smtp-password-1",
                          smtp_from="alerts@copytrade.example")
    yield w
    w.server.shutdown.set()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _test_and_wait(c, channel_id: int, status: str = "sent", timeout: float = 10) -> dict:
    r = await c.post(f"/api/v1/alerts/channels/{channel_id}/test")
    assert r.status_code == 202, r.text
    key = r.json()["delivery"]["idempotency_key"]
    body = await api_until(c, f"/api/v1/alerts/channels/{channel_id}/deliveries",
                           lambda b: any(d["idempotency_key"] == key and d["status"] == status
                                         for d in b["deliveries"]), timeout)
    return next(d for d in body["deliveries"] if d["idempotency_key"] == key)


async def test_telegram_own_bot_token_is_checked_linked_and_never_returned(
        world: AlertWorld) -> None:
    with trio.fail_after(20):
        c = await world.user()
        r = await c.post("/api/v1/alerts/channels", json={
            "kind": "telegram", "name": "Bad", "via": "own",
            "bot_token": "999:nottheright-token-CCCCCCCCCCCCCCCCCC"})
        assert r.status_code == 422
        assert "401 from Telegram" in r.json()["error"]["fields"]["bot_token"]
        ch = await world.telegram_channel(c, chat_id=42, via="own", bot_token=OWN_BOT)
        assert ch["bot_username"] == "my_own_bot" and ch["bot_token_set"] is True
        assert OWN_BOT not in (await c.get("/api/v1/alerts/channels")).text
        assert OWN_BOT not in (await c.get(f"/api/v1/alerts/channels/{ch['id']}")).text
        await _test_and_wait(c, ch["id"])
        sent = world.telegram.sent[-1]
        assert sent["token"] == OWN_BOT and sent["chat_id"] == 42
        assert sent["text"].startswith("Test message from CopyTradePro")
        # stored sealed: the token's bytes are nowhere in the row
        raw = await world.server.db.fetchval(
            "SELECT secret FROM notify_channels WHERE id = $1", ch["id"])
        assert OWN_BOT.encode() not in bytes(raw)


async def test_line_link_by_signed_webhook_then_push(world: AlertWorld) -> None:
    with trio.fail_after(20):
        c = await world.user()
        r = await c.post("/api/v1/alerts/channels", json={
            "kind": "line", "name": "LINE", "via": "own", "language": "th",
            "line_channel_access_token": LINE_TOKEN, "line_channel_secret": LINE_SECRET})
        assert r.status_code == 201, r.text
        ch = r.json()["channel"]
        assert ch["line_webhook_url"].endswith(f"/api/v1/alerts/line/webhook/{ch['id']}")
        assert LINE_TOKEN not in r.text and LINE_SECRET not in r.text
        link = (await c.post(f"/api/v1/alerts/channels/{ch['id']}/link")).json()
        assert "HTTPS" in link["instructions"]
        body = (b'{"destination":"U0","events":[{"type":"message","mode":"active",'
                b'"timestamp":1,"webhookEventId":"E1","source":{"type":"user","userId":'
                b'"U4af4980629"},"replyToken":"r","message":{"id":"1","type":"text","text":"'
                + link["code"].encode() + b'"}}]}')
        hook = f"/api/v1/alerts/line/webhook/{ch['id']}"
        bad = await c.post(hook, content=body, headers={"X-Line-Signature": "AAAA"})
        assert bad.status_code == 401
        ok = await c.post(hook, content=body,
                          headers={"X-Line-Signature": signature(LINE_SECRET, body)})
        assert ok.status_code == 200
        got = (await c.get(f"/api/v1/alerts/channels/{ch['id']}")).json()["channel"]
        assert got["linked"] is True
        # The user is told in LINE, in the channel's language, through the event's reply token.
        assert world.line.replied == [{"replyToken": "r", "messages": [{
            "type": "text", "text": "เชื่อมต่อกับ CopyTradePro แล้ว: การแจ้งเตือนจะส่งมาที่แชตนี้"}]}]
        assert world.line.pushed == []  # a reply, not a (quota-counted) push
        again = await c.post(hook, content=body,
                             headers={"X-Line-Signature": signature(LINE_SECRET, body)})
        assert again.status_code == 200 and len(world.line.replied) == 1  # a used code: silence
        delivery = await _test_and_wait(c, ch["id"])
        push = world.line.pushed[-1]
        assert push["to"] == "U4af4980629"
        assert push["messages"][0]["text"].startswith("ข้อความทดสอบจาก CopyTradePro")
        assert delivery["idempotency_key"] in world.line.retry_keys
        assert world.line.problems == []


def _self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    import ipaddress

    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


async def test_telegram_429_waits_retry_after(world: AlertWorld) -> None:
    """A 429 with parameters.retry_after (Telegram's flood control) delays the retry by that
    many seconds, not by the much shorter backoff (0.1 s in these tests); not dead-lettered."""
    with trio.fail_after(25):
        c = await world.user()
        ch = await world.telegram_channel(c, chat_id=4290)
        world.telegram.send_attempts.clear()
        world.telegram.flood_wait = 2
        delivery = await _test_and_wait(c, ch["id"])
    (first_at, first), (second_at, second) = world.telegram.send_attempts
    assert (first, second) == (429, 200)
    assert second_at - first_at >= 1.9  # the server's clock and ours may differ by a little
    assert delivery["attempts"] == 2 and delivery["status"] == "sent"
    assert [m["chat_id"] for m in world.telegram.sent] == [4290]


async def _email_round_trip(world: AlertWorld, tmp_path: Path, mode: str) -> tuple[Any, dict]:
    """Start the SMTP sink in ``mode``, send a channel's test message, return what arrived."""
    cert, key = _self_signed()
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "k.pem").write_bytes(key)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    notifier = world.server.notifier
    proc = await trio.lowlevel.open_process(
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), str(notifier.smtp.port),
         str(tmp_path / "c.pem"), str(tmp_path / "k.pem"), str(inbox), "alerts",
         "smtp-password-1", mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        with trio.fail_after(15):
            got = b""
            while not got.endswith(b"\n"):
                got += await proc.stdout.receive_some(100)
            assert got == b"ready\n"
        notifier.smtp = attrs.evolve(notifier.smtp,
                                     ssl_context=ssl.create_default_context(
                                         cafile=str(tmp_path / "c.pem")))
        with trio.fail_after(20):
            c = await world.user()
            r = await c.post("/api/v1/alerts/channels", json={
                "kind": "email", "name": "Mail", "email": "somchai@example.co.th",
                "language": "th"})
            assert r.status_code == 201, r.text
            ch = r.json()["channel"]
            delivery = await _test_and_wait(c, ch["id"])
            await eventually(lambda: (inbox / "1.tls").exists())
    finally:
        proc.kill()
        await proc.wait()
    assert (inbox / "1.tls").read_text() == "tls"
    msg = email.message_from_bytes((inbox / "1.eml").read_bytes(),
                                   policy=email.policy.default)
    return msg, delivery


async def test_email_over_starttls_multipart_thai(world: AlertWorld, tmp_path: Path) -> None:
    msg, delivery = await _email_round_trip(world, tmp_path, "starttls")
    assert msg["To"] == "somchai@example.co.th"
    assert msg["From"] == "alerts@copytrade.example"
    assert msg["Subject"] == "ข้อความทดสอบจาก CopyTradePro"
    assert msg["Message-ID"] == f"<{delivery['idempotency_key']}@copytrade.example>"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "ช่องทางนี้ใช้งานได้" in text and "<h2>ข้อความทดสอบจาก CopyTradePro</h2>" in html


async def test_email_over_implicit_tls(aio_loop: None, db_url: str, tmp_path: Path,
                                       nursery: trio.Nursery) -> None:
    """COPYTRADE_SMTP_SECURITY=tls (port 465 style): TLS from the first byte, then AUTH."""
    w = await start_world(nursery, db_url, tmp_path / "data", smtp_host="127.0.0.1",
                          smtp_port=_free_port(), smtp_security="tls",
                          smtp_user="alerts", smtp_password="smtp-password-1",
                          smtp_from="alerts@copytrade.example")
    try:
        msg, delivery = await _email_round_trip(w, tmp_path, "tls")
    finally:
        w.server.shutdown.set()
    assert msg["Subject"] == "ข้อความทดสอบจาก CopyTradePro"
    assert msg["Message-ID"] == f"<{delivery['idempotency_key']}@copytrade.example>"
    assert msg.get_body(("plain",)).get_content().count("ช่องทางนี้ใช้งานได้") == 1


async def test_signed_webhook_and_dead_letter_after_500(world: AlertWorld,
                                                        nursery: trio.Nursery) -> None:
    receiver, http = webhook_server("whsec-test-secret-0123456789")
    await nursery.start(http.run)
    with trio.fail_after(25):
        c = await world.user()
        r = await c.post("/api/v1/alerts/channels", json={
            "kind": "webhook", "name": "Hook", "webhook_url": f"{http.url}/hooks/ct",
            "webhook_secret": "whsec-test-secret-0123456789"})
        assert r.status_code == 201, r.text
        assert "whsec-test-secret" not in r.text and r.json()["webhook_secret"] is None
        ch = r.json()["channel"]
        assert ch["webhook_secret_set"] is True
        delivery = await _test_and_wait(c, ch["id"])
        assert receiver.bad_signatures == 0
        body = receiver.bodies[-1]
        assert body["id"] == delivery["idempotency_key"] and body["type"] == "test.message"
        assert set(body) == {"id", "type", "created_at", "language", "text", "data"}
        assert http.requests[-1].path == "/hooks/ct"
        assert http.requests[-1].headers["x-copytrade-event"] == "test.message"

        # The receiver breaks: retried with backoff, then dead after 3 attempts.
        receiver.status = 500
        before = len(http.requests)
        dead = await _test_and_wait(c, ch["id"], status="dead")
        assert dead["attempts"] == 3 and dead["last_error"] == "500 from the webhook URL"
        tries = http.requests[before:]
        assert len(tries) == 3
        got = (await c.get(f"/api/v1/alerts/channels/{ch['id']}")).json()["channel"]
        assert got["last_status"] == "dead"
        assert got["last_detail"] == "dead after 3 attempts: 500 from the webhook URL"


async def test_failure_detail_names_the_cause(world: AlertWorld) -> None:
    with trio.fail_after(20):
        c = await world.user()
        ch = await world.telegram_channel(c, chat_id=77)
        world.telegram.tokens.pop(next(t for t, n in world.telegram.tokens.items()
                                       if n == "copytrade_bot"))
        r = await c.post(f"/api/v1/alerts/channels/{ch['id']}/test")
        assert r.status_code == 202
        got = await api_until(c, f"/api/v1/alerts/channels/{ch['id']}",
                              lambda b: b["channel"]["last_status"] == "failed")
        assert got["channel"]["last_detail"] == (
            "failed: 401 from Telegram (Unauthorized) — check the token")


BAD_CREATE = [
    ({"kind": "pager", "name": "x"}, "kind"),
    ({"kind": "webhook", "name": "x"}, "webhook_url"),
    ({"kind": "webhook", "name": "x", "webhook_url": "ftp://example.com/x"}, "webhook_url"),
    ({"kind": "webhook", "name": "x", "webhook_url": "https://u:p@example.com/x"},
     "webhook_url"),
    ({"kind": "webhook", "name": "x", "webhook_url": "https://example.com/x#f"}, "webhook_url"),
    ({"kind": "webhook", "name": "x", "webhook_url": "not a url"}, "webhook_url"),
    ({"kind": "webhook", "name": "x", "webhook_url": "https://e.com/" + "a" * 2000},
     "webhook_url"),
    ({"kind": "webhook", "name": "x", "webhook_url": "https://example.com/",
      "webhook_secret": "short"}, "webhook_secret"),
    ({"kind": "webhook", "name": "x", "webhook_url": "https://example.com/",
      "bot_token": "1:x"}, "bot_token"),
    ({"kind": "telegram", "name": "x", "via": "own"}, "bot_token"),
    ({"kind": "telegram", "name": "x", "via": "own", "bot_token": "no-colon"}, "bot_token"),
    ({"kind": "telegram", "name": "x", "via": "elsewhere"}, "via"),
    ({"kind": "line", "name": "x", "via": "own", "line_channel_access_token": "t" * 30},
     "line_channel_secret"),
    ({"kind": "line", "name": "x", "via": "own", "line_channel_access_token": "t" * 30,
      "line_channel_secret": "NOT-HEX"}, "line_channel_secret"),
    ({"kind": "email", "name": "x", "email": "not-an-address"}, "email"),
    ({"kind": "email", "name": "x"}, "email"),
    ({"kind": "telegram", "name": "x", "time_zone": "Mars/Olympus"}, "time_zone"),
    ({"kind": "telegram", "name": "x", "time_zone": "../../etc/passwd"}, "time_zone"),
    ({"kind": "telegram", "name": "x", "time_zone": 7}, "time_zone"),
    ({"kind": "telegram", "name": "x", "quiet_start": "22:00"}, "quiet_end"),
    ({"kind": "telegram", "name": "x", "quiet_start": "25:00", "quiet_end": "07:00"},
     "quiet_start"),
    ({"kind": "telegram", "name": "x", "quiet_start": "7:00", "quiet_end": "08:00"},
     "quiet_start"),
    ({"kind": "telegram", "name": "x", "quiet_start": "08:00", "quiet_end": "08:00"},
     "quiet_end"),
    ({"kind": "telegram", "name": "x", "summary_time": "noon"}, "summary_time"),
    ({"kind": "telegram", "name": "x", "events": ["copy.failed", "copy.failed"]}, "events"),
    ({"kind": "telegram", "name": "x", "events": ["everything"]}, "events[0]"),
    ({"kind": "telegram", "name": "x", "language": "fr"}, "language"),
    ({"kind": "telegram", "name": ""}, "name"),
    ({"kind": "telegram", "name": "x", "colour": "red"}, "colour"),
]


async def test_bad_input_gets_a_clear_error_and_changes_nothing(world: AlertWorld) -> None:
    with trio.fail_after(30):
        c = await world.user()
        for body, field in BAD_CREATE:
            r = await c.post("/api/v1/alerts/channels", json=body)
            assert r.status_code == 422, (body, r.text)
            fields = r.json()["error"]["fields"]
            assert field in fields, (body, fields)
            assert fields[field], body
        listed = (await c.get("/api/v1/alerts/channels")).json()
        assert listed["channels"] == []
        # PATCH: the same checks, and nothing changes on refusal.
        ch = await world.telegram_channel(c, chat_id=9, time_zone="Asia/Bangkok",
                                          quiet_start="22:00", quiet_end="07:00")
        for body, field in [({"time_zone": "Nowhere/Town"}, "time_zone"),
                            ({"quiet_end": None}, "quiet_end"),
                            ({"quiet_start": "07:00"}, "quiet_end"),
                            ({"webhook_url": "https://example.com"}, "webhook_url"),
                            ({"enabled": "yes"}, "enabled")]:
            r = await c.patch(f"/api/v1/alerts/channels/{ch['id']}", json=body)
            assert r.status_code == 422, (body, r.text)
            assert field in r.json()["error"]["fields"], (body, r.text)
        after = (await c.get(f"/api/v1/alerts/channels/{ch['id']}")).json()["channel"]
        assert (after["time_zone"], after["quiet_start"], after["quiet_end"]) == (
            "Asia/Bangkok", "22:00", "07:00")
        r = await c.patch(f"/api/v1/alerts/channels/{ch['id']}",
                          json={"quiet_start": None, "quiet_end": None, "language": "th"})
        assert r.status_code == 200 and r.json()["channel"]["quiet_start"] is None
        # Isolation: another user sees nothing of it.
        other = await world.user("other@example.com")
        assert (await other.get(f"/api/v1/alerts/channels/{ch['id']}")).status_code == 404
        assert (await other.post(f"/api/v1/alerts/channels/{ch['id']}/test")).status_code == 404
        assert (await other.delete(f"/api/v1/alerts/channels/{ch['id']}")).status_code == 404


async def test_line_webhook_refuses_unsigned_and_unknown(world: AlertWorld) -> None:
    async with httpx.AsyncClient(base_url=world.url) as c:
        body = b'{"events":[]}'
        assert (await c.post("/api/v1/alerts/line/webhook", content=body)).status_code == 401
        r = await c.post("/api/v1/alerts/line/webhook/999", content=body,
                         headers={"X-Line-Signature": signature(LINE_SECRET, body)})
        assert r.status_code == 401


class _Dns(trio.abc.HostnameResolver):
    """A stand-in DNS (trio's documented resolver hook): the names in ``table`` answer the
    given addresses, any other name is resolved by the system as usual."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name in self.table:
            self.asked.append(name)
            return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (ip, int(port or 0)) if ":" not in ip else (ip, int(port or 0), 0, 0))
                    for ip in self.table[name]]
        return await trio.to_thread.run_sync(socket.getaddrinfo, host, port, family, type,
                                             proto, flags)

    async def getnameinfo(self, sockaddr, flags):
        return await trio.to_thread.run_sync(socket.getnameinfo, sockaddr, flags)


async def test_webhook_host_resolving_to_a_private_address_at_send_time_is_refused(
        aio_loop: None, db_url: str, tmp_path: Path, nursery: trio.Nursery) -> None:
    """The URL passed the save-time check (a public-looking https name), but when the alert is
    sent the name resolves to loopback (or to a private address among public ones, as in DNS
    rebinding): nothing is sent, the delivery fails with the reason and ends dead-lettered."""
    receiver, http = webhook_server("whsec-test-secret-0123456789")
    await nursery.start(http.run)
    dns = _Dns({"hooks.example.com": ["127.0.0.1"],
                "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
                "six.example.com": ["::1"]})
    previous = trio.socket.set_custom_hostname_resolver(dns)
    w = await start_world(nursery, db_url, tmp_path, alert_allow_private_urls=False)
    try:
        with trio.fail_after(25):
            c = await w.user()
            for host in ("hooks.example.com", "mixed.example.com", "six.example.com"):
                r = await c.post("/api/v1/alerts/channels", json={
                    "kind": "webhook", "name": host, "webhook_url": f"https://{host}/ct",
                    "webhook_secret": "whsec-test-secret-0123456789"})
                assert r.status_code == 201, r.text  # public-looking: accepted when saved
                delivery = await _test_and_wait(c, r.json()["channel"]["id"], status="dead")
                assert delivery["attempts"] == 3
                assert delivery["last_error"] == (
                    f"{host} resolves to a private address (not allowed on this server)")
                got = (await c.get(f"/api/v1/alerts/channels/{r.json()['channel']['id']}")
                       ).json()["channel"]
                assert "resolves to a private address" in got["last_detail"]
    finally:
        w.server.shutdown.set()
        trio.socket.set_custom_hostname_resolver(previous)
    assert set(dns.asked) == {"hooks.example.com", "mixed.example.com", "six.example.com"}
    assert receiver.bodies == [] and http.requests == []


async def test_webhook_connects_to_the_address_it_checked(world: AlertWorld,
                                                          nursery: trio.Nursery) -> None:
    """The name is resolved once per send and the request goes to that address (with the
    original Host header), so a second, different DNS answer (rebinding) is never used."""
    receiver, http = webhook_server("whsec-test-secret-0123456789")
    await nursery.start(http.run)
    port = int(http.url.rsplit(":", 1)[1])
    dns = _Dns({"hooks.example.com": ["127.0.0.1"]})
    previous = trio.socket.set_custom_hostname_resolver(dns)
    try:
        with trio.fail_after(20):
            c = await world.user()
            r = await c.post("/api/v1/alerts/channels", json={
                "kind": "webhook", "name": "Hook",
                "webhook_url": f"http://hooks.example.com:{port}/ct",
                "webhook_secret": "whsec-test-secret-0123456789"})
            assert r.status_code == 201, r.text
            await _test_and_wait(c, r.json()["channel"]["id"])
    finally:
        trio.socket.set_custom_hostname_resolver(previous)
    assert dns.asked == ["hooks.example.com"]  # one lookup: the check's, used to connect
    assert http.requests[-1].headers["host"] == f"hooks.example.com:{port}"
    assert receiver.bad_signatures == 0 and len(receiver.bodies) == 1
