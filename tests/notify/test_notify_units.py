"""Pure parts of alerts: quiet hours, summary times, webhook URL rules, signatures, texts."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, time

import pytest

from copytrade.api.alerts import _check_url
from copytrade.notify.channels import webhook
from copytrade.notify.channels.telegram import start_code
from copytrade.notify.limits import RateLimiter
from copytrade.notify.prefs import next_summary, parse_time_zone, quiet_until
from copytrade.notify.render import render
from copytrade.notify.secretbox import SecretBox, SecretUnreadable, new_key

BKK = parse_time_zone("Asia/Bangkok")


def test_quiet_hours_across_midnight_end_at_local_end() -> None:
    now = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)  # 23:30 in Bangkok
    assert quiet_until(now, BKK, time(22), time(7)) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    noon = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 12:00 in Bangkok
    assert quiet_until(noon, BKK, time(22), time(7)) is None
    assert quiet_until(now, BKK, None, None) is None


def test_next_summary_is_the_next_local_time() -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 22:00 in Bangkok
    assert next_summary(now, BKK, time(21)) == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert next_summary(now, BKK, time(23)) == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("url", [
    "http://example.com/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x",
    "https://localhost/x", "https://db.internal/x", "https://169.254.169.254/latest",
])
def test_webhook_urls_to_private_networks_are_refused_by_default(url: str) -> None:
    assert _check_url(url, allow_private=False) is not None
    assert _check_url("https://hooks.example.com/ct", allow_private=False) is None


def test_webhook_signature_matches_the_documented_recipe() -> None:
    body = b'{"id":"x"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook.sign("s3cret", "1700000000", body) == f"sha256={expected}"


def test_start_codes() -> None:
    def upd(text: str) -> dict:
        return {"message": {"text": text, "chat": {"id": 5, "first_name": "A"}}}

    assert start_code(upd("/start abc123")) == ("abc123", 5, "A")
    assert start_code(upd("/start@my_bot abc123")) == ("abc123", 5, "A")
    assert start_code(upd("abc123")) == ("abc123", 5, "A")
    assert start_code(upd("/help")) is None
    assert start_code({"message": {"text": "x"}}) is None


def test_secret_box_refuses_a_foreign_key() -> None:
    sealed = SecretBox.from_key(new_key()).seal({"bot_token": "1:abc"})
    with pytest.raises(SecretUnreadable):
        SecretBox.from_key(new_key()).open(sealed)


async def test_rate_limits_per_chat_and_per_bot(autojump_clock) -> None:
    lim = RateLimiter(per_key_interval=1.0, per_group_rate=30)
    assert lim.wait("bot", "chat1") == 0
    lim.note("bot", "chat1")
    assert 0.99 < lim.wait("bot", "chat1") <= 1.0
    for i in range(29):
        lim.note("bot", f"c{i}")
    assert lim.wait("bot", "fresh") > 0.9  # the bot's 30/s are used up


def test_grouped_text_counts_all_and_shows_ten() -> None:
    items = [{"ticket": i, "side": "BUY", "volume": "0.10", "symbol": "EURUSD",
              "reason": "No money"} for i in range(12)]
    out = render({"kind": "copy.failed", "account_name": "F", "count": 40, "items": items},
                 "en")
    assert out.subject == "40 copy(ies) failed on F"
    assert out.text.count("No money") == 10 and "… and 30 more" in out.text


def test_pinned_webhook_request_keeps_host_and_tls_name() -> None:
    assert webhook.pinned("https://hooks.example.com/ct?a=1", "93.184.216.34") == (
        "https://93.184.216.34/ct?a=1", {"Host": "hooks.example.com"},
        {"sni_hostname": "hooks.example.com"})
    assert webhook.pinned("http://hooks.example.com:8080/x", "2001:db8::1") == (
        "http://[2001:db8::1]:8080/x", {"Host": "hooks.example.com:8080"}, {})
