"""The admin page and invite-only registration, in real Chromium against ``copytrade serve``
(default registration mode: the first user becomes the admin, then invitation only)."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import DESKTOP, Server

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-battery"


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def tid(page: Any, testid: str) -> Any:
    return page.get_by_test_id(testid)


def fill_register(page: Any, name: str, email: str) -> None:
    tid(page, "register-name").fill(name)
    tid(page, "register-email").fill(email)
    tid(page, "register-password").fill(PASSWORD)


def test_admin_invites_a_trader_then_disables_them(server: Server, new_context) -> None:
    e = expect()
    admin = new_context(DESKTOP).new_page()
    admin.goto(f"{server.base_url}/register")
    e(tid(admin, "register-page")).to_be_visible()
    e(tid(admin, "register-invite")).to_have_count(0)  # the first user needs no invite
    fill_register(admin, "Boss", "boss@example.com")
    tid(admin, "register-submit").click()
    e(tid(admin, "dashboard-empty")).to_be_visible()

    tid(admin, "side-nav-admin").click()
    e(tid(admin, "admin-page")).to_be_visible()
    e(tid(admin, "admin-mode")).to_have_attribute("data-mode", "invite")
    tid(admin, "invite-hours").fill("0")
    tid(admin, "invite-create").click()
    e(tid(admin, "invite-hours-error")).to_be_visible()  # checked before sending
    tid(admin, "invite-hours").fill("24")
    tid(admin, "invite-note").fill("Somchai")
    tid(admin, "invite-create").click()
    code = tid(admin, "invite-code").inner_text().strip()
    assert code.startswith("INV-")
    e(tid(admin, "invite-row").first).to_have_attribute("data-status", "active")

    trader = new_context(DESKTOP).new_page()
    trader.goto(f"{server.base_url}/register")
    e(tid(trader, "register-invite")).to_be_visible()
    fill_register(trader, "Somchai", "somchai@example.com")
    tid(trader, "register-submit").click()
    e(tid(trader, "register-invite-error")).to_be_visible()  # no code: said next to the field
    tid(trader, "register-invite").fill("INV-not-a-real-code")
    tid(trader, "register-submit").click()
    e(tid(trader, "register-invite-error")).to_be_visible()  # the server's 422
    tid(trader, "register-invite").fill(code)
    tid(trader, "register-submit").click()
    e(tid(trader, "dashboard-empty")).to_be_visible()
    e(tid(trader, "side-nav-admin")).to_have_count(0)  # not an admin: no admin menu

    admin.reload()
    row = admin.locator('[data-testid="admin-user-row"][data-user-email="somchai@example.com"]')
    e(row).to_have_attribute("data-disabled", "false")
    e(tid(admin, "invite-row").first).to_have_attribute("data-status", "used")
    row.get_by_test_id("admin-disable").click()
    tid(admin, "admin-dialog-confirm").click()
    e(row).to_have_attribute("data-disabled", "true")

    trader.goto(f"{server.base_url}/accounts")  # the session was ended: back to the login page
    e(tid(trader, "login-page")).to_be_visible()

    row.get_by_test_id("admin-enable").click()
    e(row).to_have_attribute("data-disabled", "false")

    tid(admin, "side-nav-settings").click()
    tid(admin, "settings-lang-th").click()
    tid(admin, "side-nav-admin").click()
    e(tid(admin, "admin-page")).to_contain_text("ผู้ใช้และคำเชิญ")


def test_master_token_rotation_button(server: Server, new_context) -> None:
    e = expect()
    page = new_context(DESKTOP).new_page()
    page.goto(f"{server.base_url}/login")
    tid(page, "login-email").fill("boss@example.com")  # the admin of the test above
    tid(page, "login-password").fill(PASSWORD)
    tid(page, "login-submit").click()
    e(tid(page, "live-indicator")).to_be_visible()
    r = page.request.post(f"{server.base_url}/api/v1/accounts", headers={"X-CSRF": "1"},
                          data={"name": "Gold", "role": "master"})
    assert r.status == 201
    account = r.json()["account"]
    page.goto(f"{server.base_url}/accounts/{account['id']}")
    e(tid(page, "master-token")).to_contain_text(account["master_token"])
    tid(page, "rotate-master-token").click()
    tid(page, "rotate-token-dialog-confirm").click()
    e(tid(page, "master-token")).not_to_contain_text(account["master_token"])
    new = tid(page, "master-token").inner_text().strip()
    assert new.startswith("MST-")
    fresh = page.request.get(f"{server.base_url}/api/v1/accounts/{account['id']}").json()
    assert fresh["account"]["master_token"] in new
