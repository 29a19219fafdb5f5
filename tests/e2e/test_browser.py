"""The web app end to end, in real headless Chromium against a real server and database.

One story, as a new trader lives it: register → create a master and a follower → follow the
master by its token → simulated EAs connect and trade → both dashboards update live (the
trade, its copy turning OPEN, the profit chart growing) → switch the copy mode → on a phone
the menu drawer closes after navigating → switch to Thai. Screenshots of each main screen,
desktop and phone, land in test-artifacts/screenshots/ (copied to docs/screenshots/ when
COPYTRADE_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import re
import shutil
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import ARTIFACTS, DESKTOP, PHONE, ROOT, Server, SimThread, screenshot

from copytrade.domain.models import Side
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

pytestmark = pytest.mark.slow

EMAIL = "somchai@example.com"
PASSWORD = "correct-horse-battery"


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def watch(page: Any, name: str) -> Any:
    """Print the page's API calls and console errors (shown by pytest when the test fails)."""
    page.on("response", lambda r: print(f"[{name}] {r.status} {r.request.method} {r.url}")
            if "/api/" in r.url else None)
    page.on("console", lambda m: print(f"[{name}] console.{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: print(f"[{name}] page error: {exc}"))
    page.on("requestfailed", lambda r: print(f"[{name}] failed {r.method} {r.url}: {r.failure}")
            if "/api/" in r.url else None)
    return page


def tid(page: Any, testid: str) -> Any:
    return page.get_by_test_id(testid)


def register(page: Any, server: Server) -> None:
    e = expect()
    # A deep link while logged out goes to the login page and remembers where it was going.
    page.goto(f"{server.base_url}/accounts")
    e(tid(page, "login-page")).to_be_visible()
    e(page).to_have_url(re.compile(r"/login\?next=%2Faccounts$"))
    screenshot(page, "desktop-login")

    tid(page, "login-email").fill("nobody@example.com")
    tid(page, "login-password").fill("wrong-password-here")
    tid(page, "login-submit").click()
    e(tid(page, "form-error")).to_be_visible()  # 401 from the API, said in words

    tid(page, "to-register").click()
    e(tid(page, "register-page")).to_be_visible()
    tid(page, "register-submit").click()  # empty form: an error next to each field
    e(tid(page, "register-name-error")).to_be_visible()
    e(tid(page, "register-email-error")).to_be_visible()
    e(tid(page, "register-password-error")).to_be_visible()
    tid(page, "register-name").fill("Somchai")
    tid(page, "register-email").fill(EMAIL)
    tid(page, "register-password").fill("short")
    tid(page, "register-submit").click()
    e(tid(page, "register-password-error")).to_be_visible()
    tid(page, "register-password").fill(PASSWORD)
    screenshot(page, "desktop-register")
    tid(page, "register-submit").click()

    # Logged in, no accounts yet: the dashboard says what to do next.
    e(tid(page, "dashboard-empty")).to_be_visible()
    e(tid(page, "live-indicator")).to_have_attribute("data-status", "open")
    screenshot(page, "desktop-dashboard-empty")


def create_account(page: Any, name: str, role: str) -> tuple[int, str, str | None]:
    """Create an account in the UI; returns its id, API key and master token (shown once)."""
    e = expect()
    e(tid(page, "account-new-page")).to_be_visible()
    tid(page, "account-create-submit").click()
    e(tid(page, "account-name-input-error")).to_be_visible()
    e(tid(page, "role-error")).to_be_visible()
    tid(page, "account-name-input").fill(name)
    tid(page, f"role-{role}").click()
    if role == "master":
        screenshot(page, "desktop-account-new")
    tid(page, "account-create-submit").click()
    e(tid(page, "api-key-reveal")).to_be_visible()
    key = tid(page, "api-key").inner_text().strip()
    assert key.startswith("sk_live_")
    token = tid(page, "master-token").inner_text().strip() if role == "master" else None
    if role == "master":
        assert token and token.startswith("MST-")
        e(tid(page, "connect-port")).not_to_have_text("—")
        screenshot(page, "desktop-account-created")
    tid(page, "key-saved").click()
    e(tid(page, "account-detail")).to_be_visible()
    account_id = int(tid(page, "account-detail").get_attribute("data-account-id"))
    return account_id, key, token


def follow_and_rules(page: Any, master_token: str) -> None:
    e = expect()
    tid(page, "follow-token").fill("not-a-token")
    tid(page, "follow-submit").click()
    e(tid(page, "follow-token-error")).to_be_visible()
    tid(page, "follow-token").fill("MST-does-not-exist")
    tid(page, "follow-submit").click()
    e(tid(page, "follow-token-error")).to_be_visible()  # the API's 422 on master_token
    # ... in the SPA's words for its field code (unknown_master_token), not the server's
    e(tid(page, "follow-token-error")).to_contain_text("No master account has this token")
    tid(page, "follow-token").fill(master_token)
    tid(page, "follow-submit").click()
    e(tid(page, "following-current")).to_contain_text("Gold Master")

    # Copy rules: validated before sending, saved when valid.
    e(tid(page, "rules-form")).to_be_visible()
    tid(page, "rules-lot-value").fill("abc")
    tid(page, "rules-expiry").fill("0")
    tid(page, "rules-save").click()
    e(tid(page, "rules-lot-value-error")).to_be_visible()
    e(tid(page, "rules-expiry-error")).to_be_visible()
    # Lot by risk %: at most 100 % of equity; the copy-existing limits show when it is on.
    tid(page, "rules-lot-mode").select_option("RISK_PERCENT")
    tid(page, "rules-lot-value").fill("150")
    tid(page, "rules-copy-existing").check()
    tid(page, "rules-copy-existing-age").fill("0")
    tid(page, "rules-save").click()
    e(tid(page, "rules-lot-value-error")).to_be_visible()
    e(tid(page, "rules-copy-existing-age-error")).to_be_visible()
    tid(page, "rules-copy-existing-age").fill("60")
    tid(page, "rules-copy-existing").uncheck()
    e(tid(page, "rules-copy-existing-age")).to_have_count(0)
    tid(page, "rules-lot-mode").select_option("MULTIPLIER")
    tid(page, "rules-lot-value").fill("2")
    tid(page, "rules-expiry").fill("60")
    tid(page, "rules-symbol-map").fill("XAUUSD=XAUUSD")
    tid(page, "rules-save").click()
    e(tid(page, "toast").first).to_be_visible()
    e(tid(page, "rules-lot-value-error")).to_have_count(0)
    screenshot(page, "desktop-account-follower")


def test_trader_journey(server: Server, new_context: Any, sims: SimThread) -> None:
    e = expect()
    desktop = new_context(DESKTOP)
    page = watch(desktop.new_page(), "desktop")
    register(page, server)

    # ---- accounts: a master and a follower that follows it by token
    tid(page, "create-first-account").click()
    master_id, master_key, master_token = create_account(page, "Gold Master", "master")
    assert master_token
    tid(page, "side-nav-accounts").click()
    e(tid(page, "accounts-list")).to_be_visible()
    tid(page, "new-account").click()
    follower_id, follower_key, _ = create_account(page, "Follower One", "follower")
    follow_and_rules(page, master_token)
    tid(page, "side-nav-accounts").click()
    e(tid(page, "account-card")).to_have_count(2)
    screenshot(page, "desktop-accounts")

    # ---- the master dashboard before any EA: "connect your EA" with host, port and key
    page.goto(f"{server.base_url}/dashboard/{master_id}")
    e(tid(page, "master-view")).to_be_visible()
    e(tid(page, "connect-ea")).to_be_visible()
    e(tid(page, "connect-port")).to_have_text(str(server.ea_port))
    e(tid(page, "ea-status")).to_have_attribute("data-online", "false")
    e(tid(page, "profit-chart")).to_have_attribute("data-points", "0")

    # A second tab on the follower's dashboard; both stay live.
    follower_page = watch(desktop.new_page(), "follower")
    follower_page.goto(f"{server.base_url}/dashboard/{follower_id}")
    e(tid(follower_page, "follower-view")).to_be_visible()
    e(tid(follower_page, "following-name")).to_have_text("Gold Master")

    # ---- simulated EAs connect: both dashboards turn online without a reload
    master = sims.start(MasterSim("127.0.0.1", server.ea_port, master_key))
    follower = sims.start(FollowerSim("127.0.0.1", server.ea_port, follower_key,
                                      reply_latency=1.0))
    e(tid(page, "ea-status")).to_have_attribute("data-online", "true")
    e(tid(follower_page, "ea-status")).to_have_attribute("data-online", "true")

    # ---- a trade: it appears on the master, its copy goes PENDING → OPEN on the follower
    ticket1 = sims.run(master.open, "XAUUSD", Side.BUY, Decimal("0.10"), Decimal("2375.40"),
                       Decimal("2360.00"), Decimal("2400.00"))
    e(page.locator(f'[data-testid="active-trades"] [data-ticket="{ticket1}"]')).to_be_visible()
    e(tid(page, "active-count")).to_have_text("1")
    pair = follower_page.locator(
        f'[data-testid="active-pairs"] [data-master-ticket="{ticket1}"]')
    e(pair).to_be_visible()
    e(pair).to_have_attribute("data-status", "OPEN")
    e(tid(follower_page, "open-count")).to_have_text("1")

    # ---- it closes with a profit: the chart gets its first points, totals update
    sims.run(master.close, ticket1)  # the sim's default profit: 12.50
    e(page.locator(f'[data-testid="closed-trades"] [data-ticket="{ticket1}"]')).to_be_visible()
    e(tid(page, "profit-chart")).to_have_attribute("data-points", "1")
    e(tid(page, "total-profit")).to_have_attribute("data-value", re.compile(r"^12\.50?$"))
    e(follower_page.locator(f'[data-testid="closed-pairs"] [data-master-ticket="{ticket1}"]')
      ).to_have_attribute("data-status", "CLOSED")
    e(tid(follower_page, "profit-chart")).to_have_attribute("data-points", "1")

    # A second close grows the curve; a symbol the follower lacks fails with a reason.
    ticket2 = sims.run(master.open, "EURUSD", Side.SELL, Decimal("0.20"), Decimal("1.08450"))
    e(follower_page.locator(f'[data-testid="active-pairs"] [data-master-ticket="{ticket2}"]')
      ).to_have_attribute("data-status", "OPEN")
    sims.run(master.close, ticket2)
    e(tid(page, "total-profit")).to_have_attribute("data-value", re.compile(r"^25\.00?$"))
    e(tid(page, "profit-chart")).to_have_attribute("data-last", "25")
    ticket3 = sims.run(master.open, "BTCUSD", Side.BUY, Decimal("0.01"), Decimal("64000.00"))
    failed = follower_page.locator(
        f'[data-testid="closed-pairs"] [data-master-ticket="{ticket3}"]')
    e(failed).to_have_attribute("data-status", re.compile("FAILED|SKIPPED"))
    e(failed.get_by_test_id("pair-reason")).not_to_be_empty()

    # Leave one trade open for the screenshots.
    ticket4 = sims.run(master.open, "XAUUSD", Side.SELL, Decimal("0.30"), Decimal("2381.15"),
                       Decimal("2395.00"), Decimal("2350.00"))
    e(follower_page.locator(f'[data-testid="active-pairs"] [data-master-ticket="{ticket4}"]')
      ).to_have_attribute("data-status", "OPEN")
    e(page.locator(f'[data-testid="active-trades"] [data-ticket="{ticket4}"]')).to_be_visible()
    screenshot(page, "desktop-dashboard-master")
    screenshot(follower_page, "desktop-dashboard-follower")

    # ---- switch the copy mode live: RECORD copies to nobody, and it sticks after a reload
    # A switch that stops copying asks first, saying what happens; cancel changes nothing.
    tid(page, "mode-RECORD").click()
    e(tid(page, "mode-confirm")).to_contain_text("no follower copies them")
    tid(page, "mode-confirm-cancel").click()
    e(tid(page, "mode-confirm")).not_to_be_visible()
    e(tid(page, "mode-switcher")).to_have_attribute("data-mode", "PUBSUB")
    # The switch answers at once (optimistic); reload only after the server has answered.
    with page.expect_response(lambda r: r.url.endswith("/copy-mode")
                              and r.request.method == "PUT") as answer:
        tid(page, "mode-RECORD").click()
        tid(page, "mode-confirm-confirm").click()
    assert answer.value.ok
    e(tid(page, "mode-RECORD")).to_have_attribute("aria-checked", "true")
    e(tid(page, "mode-switcher")).to_have_attribute("data-mode", "RECORD")
    page.reload()
    e(tid(page, "mode-switcher")).to_have_attribute("data-mode", "RECORD")
    before = follower_page.locator('[data-testid="pair-row"]').count()
    ticket5 = sims.run(master.open, "XAUUSD", Side.BUY, Decimal("0.10"), Decimal("2380.00"))
    e(page.locator(f'[data-testid="active-trades"] [data-ticket="{ticket5}"]')).to_be_visible()
    follower_page.wait_for_timeout(1500)
    assert follower_page.locator(f'[data-master-ticket="{ticket5}"]').count() == 0
    assert follower_page.locator('[data-testid="pair-row"]').count() == before
    tid(page, "mode-PUBSUB").focus()
    page.keyboard.press("ArrowLeft")  # keyboard: PUBSUB ← wraps to RECORD; → goes to PUBSUB
    page.keyboard.press("ArrowRight")
    e(tid(page, "mode-switcher")).to_have_attribute("data-mode", "PUBSUB")
    # 1TO1 with no partner would copy to nobody: the dialog offers the master's followers
    tid(page, "mode-1TO1").click()
    e(tid(page, "mode-confirm")).to_contain_text("Pick the partner")
    e(tid(page, "mode-confirm-partner")).to_have_value(str(follower_id))
    screenshot(page, "desktop-mode-confirm-1to1")
    with page.expect_response(lambda r: r.url.endswith("/copy-mode")
                              and r.request.method == "PUT") as answer:
        tid(page, "mode-confirm-confirm").click()
    assert answer.value.ok
    e(tid(page, "mode-switcher")).to_have_attribute("data-mode", "1TO1")
    e(tid(page, "partner-info")).to_contain_text("Follower One")
    tid(page, "mode-PUBSUB").click()  # back to every follower: no question asked
    e(tid(page, "mode-confirm")).not_to_be_visible()
    e(tid(page, "mode-switcher")).to_have_attribute("data-mode", "PUBSUB")

    # ---- settings: a personal API token is shown once, then revoked
    tid(page, "side-nav-settings").click()
    e(tid(page, "settings-page")).to_be_visible()
    tid(page, "token-name").fill("reporting script")
    tid(page, "token-create").click()
    e(tid(page, "token-secret-reveal")).to_be_visible()
    assert tid(page, "token-secret").inner_text().startswith("ctp_")
    e(tid(page, "token-row")).to_have_count(1)
    screenshot(page, "desktop-settings")
    tid(page, "token-revoke").click()
    tid(page, "revoke-dialog-confirm").click()
    e(tid(page, "token-row")).to_have_count(0)

    # ---- a deep link straight into an account page works (server falls back to the app)
    page.goto(f"{server.base_url}/accounts/{master_id}")
    e(tid(page, "detail-name")).to_have_text("Gold Master")
    e(tid(page, "master-token")).to_have_text(master_token)

    # ---- Thai on the desktop, remembered across reloads
    page.goto(f"{server.base_url}/dashboard/{master_id}")
    tid(page, "side-lang-th").click()
    e(tid(page, "side-nav-dashboard")).to_contain_text("แดชบอร์ด")
    page.reload()
    e(page.locator("html")).to_have_attribute("lang", "th")
    e(tid(page, "mode-panel")).to_contain_text("โหมดการคัดลอก")
    screenshot(page, "desktop-dashboard-master-th")
    tid(page, "side-lang-en").click()

    # ---- phone: log in, the drawer opens and closes itself after navigating, then Thai
    phone = new_context(PHONE)
    mobile = watch(phone.new_page(), "phone")
    mobile.goto(f"{server.base_url}/dashboard/{follower_id}")
    e(tid(mobile, "login-page")).to_be_visible()
    screenshot(mobile, "phone-login")
    tid(mobile, "login-email").fill(EMAIL)
    tid(mobile, "login-password").fill(PASSWORD)
    tid(mobile, "login-submit").click()
    e(tid(mobile, "follower-view")).to_be_visible()  # back where the deep link pointed
    e(tid(mobile, "sidebar")).to_be_hidden()
    e(tid(mobile, "drawer")).to_have_count(0)
    screenshot(mobile, "phone-dashboard-follower")

    tid(mobile, "menu-button").click()
    e(tid(mobile, "drawer")).to_be_visible()
    e(tid(mobile, "menu-button")).to_have_attribute("aria-expanded", "true")
    screenshot(mobile, "phone-menu")
    tid(mobile, "drawer-nav-accounts").click()
    e(tid(mobile, "drawer")).to_have_count(0)  # closed itself
    e(tid(mobile, "accounts-page")).to_be_visible()
    assert mobile.url.endswith("/accounts")
    screenshot(mobile, "phone-accounts")

    tid(mobile, "menu-button").click()
    e(tid(mobile, "drawer")).to_be_visible()
    mobile.keyboard.press("Escape")  # keyboard closes it too
    e(tid(mobile, "drawer")).to_have_count(0)

    tid(mobile, "menu-button").click()
    tid(mobile, "drawer-lang-th").click()
    e(tid(mobile, "drawer-nav-dashboard")).to_contain_text("แดชบอร์ด")
    tid(mobile, "drawer-nav-dashboard").click()
    e(tid(mobile, "drawer")).to_have_count(0)
    e(tid(mobile, "dashboard")).to_be_visible()
    e(page.locator("html")).to_have_attribute("lang", "en")  # the other browser keeps English
    e(mobile.locator("html")).to_have_attribute("lang", "th")
    mobile.goto(f"{server.base_url}/dashboard/{master_id}")
    e(tid(mobile, "mode-panel")).to_contain_text("โหมดการคัดลอก")
    screenshot(mobile, "phone-dashboard-master-th")

    # ---- log out
    tid(mobile, "menu-button").click()
    tid(mobile, "drawer-logout").click()
    e(tid(mobile, "login-page")).to_be_visible()

    sims.run(_stop_all, master, follower)

    if os.environ.get("COPYTRADE_UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for png in ARTIFACTS.glob("*.png"):
            shutil.copy(png, target / png.name)


async def _stop_all(*simulators: Any) -> None:
    for s in simulators:
        s.stop()
