"""The provider's view in real Chromium: every follower's result, open copies, failure rate,
latency and EA state; a follower whose copies fail is flagged; the provider removes it and
allows it again. Desktop in English (a table), phone in Thai (cards)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from e2e_api import ApiUser, login
from e2e_support import DESKTOP, PHONE, Server, SimThread, screenshot

from copytrade.domain.models import Side
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

pytestmark = pytest.mark.slow

D = Decimal
_users = itertools.count(1)


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def _world(server: Server, sims: SimThread) -> dict[str, Any]:
    user = ApiUser(server.base_url, f"provider{next(_users)}@example.com",
                   "a long passphrase 1")
    master, mkey = user.account("Signal Pro", "master")
    good, gkey = user.account("Good Copier", "follower")
    bad, bkey = user.account("Broken Copier", "follower")
    for f in (good, bad):
        user.follow(f["id"], master["master_token"])
    msim = sims.start(MasterSim("127.0.0.1", server.ea_port, mkey))
    sims.start(FollowerSim("127.0.0.1", server.ea_port, gkey))
    sims.start(FollowerSim("127.0.0.1", server.ea_port, bkey, reject_rate=1.0))
    for _ in range(3):
        sims.run(msim.open, "EURUSD", Side.BUY, D("0.10"), D("1.08450"))
    return {"user": user, "master": master, "good": good, "bad": bad}


@pytest.mark.parametrize(("size", "lang"), [(DESKTOP, "en-US"), (PHONE, "th-TH"),
                                            (DESKTOP, "th-TH"), (PHONE, "en-US")],
                         ids=["desktop-en", "phone-th", "desktop-th", "phone-en"])
def test_provider_sees_and_removes_a_failing_follower(server: Server, new_context: Any,
                                                      sims: SimThread, size: dict[str, Any],
                                                      lang: str) -> None:
    e = expect()
    w = _world(server, sims)
    page = new_context(size, locale=lang).new_page()
    login(page, server.base_url, w["user"], f"/dashboard/{w['master']['id']}")
    panel = page.get_by_test_id("followers-panel")
    e(panel).to_be_visible()
    phone = size is PHONE
    row_id = "follower-card" if phone else "follower-row"
    bad = panel.locator(f'[data-testid="{row_id}"][data-id="{w["bad"]["id"]}"]')
    good = panel.locator(f'[data-testid="{row_id}"][data-id="{w["good"]["id"]}"]')
    # The failing follower is flagged once its copies have failed; the other is not.
    e(bad).to_have_attribute("data-flagged", "true")
    e(good).to_have_attribute("data-flagged", "false")
    e(bad.get_by_test_id("follower-flag")).to_be_visible()
    e(bad.get_by_test_id("follower-flag")).to_contain_text(
        "ล้มเหลวบ่อย" if lang.startswith("th") else "Failing")
    e(panel.get_by_test_id("followers-flagged-count")).to_be_visible()
    if not phone:
        e(good.get_by_test_id("follower-open")).to_have_text("3")
        e(bad.get_by_test_id("follower-failure-rate")).to_have_attribute("data-value", "1")
        e(good.get_by_test_id("follower-latency")).not_to_have_text("—")
        e(good.get_by_test_id("follower-online")).to_have_attribute("data-online", "true")
    else:
        e(panel.get_by_test_id("followers-table")).to_be_hidden()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"the page scrolls sideways: {width}"
    bad.scroll_into_view_if_needed()
    screenshot(page, f"followers-{'phone' if phone else 'desktop'}-{lang[:2]}")

    # Remove it: asked first, then gone from the list and listed as removed.
    button = bad.get_by_test_id("follower-remove")
    box = button.bounding_box()
    assert box is not None and (not phone or box["height"] >= 44), box
    button.click()
    dialog = page.get_by_test_id("remove-follower-dialog")
    e(dialog).to_contain_text("Broken Copier")
    page.get_by_test_id("remove-follower-dialog-confirm").click()
    e(bad).to_have_count(0)
    e(good).to_be_visible()
    removed = panel.get_by_test_id("removed-follower")
    e(removed).to_have_count(1)
    e(removed).to_contain_text("Broken Copier")
    follower = w["user"].call("GET", f"/accounts/{w['bad']['id']}")["account"]
    assert follower["following_id"] is None

    # Allow it again: it leaves the removed list and may follow once more.
    removed.get_by_test_id("follower-allow").click()
    e(removed).to_have_count(0)
    w["user"].follow(w["bad"]["id"], w["master"]["master_token"])
    page.reload()
    e(bad).to_be_visible()
