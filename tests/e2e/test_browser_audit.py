"""The activity (audit) log on the account page in real Chromium: changes made through the API
and through the page itself, labelled in English and Thai, desktop and phone."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from e2e_api import ApiUser, login
from e2e_support import DESKTOP, PHONE, Server, screenshot

pytestmark = pytest.mark.slow

_users = itertools.count(1)


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


@pytest.mark.parametrize(("size", "lang"), [(DESKTOP, "en-US"), (PHONE, "th-TH"),
                                            (DESKTOP, "th-TH"), (PHONE, "en-US")],
                         ids=["desktop-en", "phone-th", "desktop-th", "phone-en"])
def test_audit_log_lists_who_changed_what(server: Server, new_context: Any,
                                          size: dict[str, Any], lang: str) -> None:
    e = expect()
    thai = lang.startswith("th")
    user = ApiUser(server.base_url, f"audit{next(_users)}@example.com", "a long passphrase 1",
                   name="Somchai")
    master, _ = user.account("Audit Master", "master")
    mid = master["id"]
    user.call("PUT", f"/accounts/{mid}/copy-mode", {"copy_mode": "RECORD"})
    user.call("POST", f"/accounts/{mid}/rotate-key")
    page = new_context(size, locale=lang).new_page()
    login(page, server.base_url, user, f"/accounts/{mid}")
    panel = page.get_by_test_id("audit-panel")
    e(panel).to_be_visible()
    entries = panel.get_by_test_id("audit-entry")
    e(entries.first).to_have_attribute("data-action", "key.rotated")
    e(entries.first.get_by_test_id("audit-action")).to_have_text(
        "เปลี่ยน API key" if thai else "API key replaced")
    mode = panel.locator('[data-action="mode.changed"]')
    e(mode).to_contain_text("PUBSUB → RECORD")
    e(mode).to_contain_text("คุณ" if thai else "You")
    e(panel.locator('[data-action="login"]')).to_have_count(1)

    # A rename on this page shows up at the top of the log.
    page.get_by_test_id("edit-name").fill("Audit Master 2")
    page.get_by_test_id("general-save").click()
    e(entries.first).to_have_attribute("data-action", "account.updated")
    e(entries.first).to_contain_text("Audit Master → Audit Master 2")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"the page scrolls sideways: {width}"
    panel.scroll_into_view_if_needed()
    screenshot(page, f"audit-{'phone' if size is PHONE else 'desktop'}-{lang[:2]}")
