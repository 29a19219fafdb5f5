"""Follower approval in real Chromium: the provider turns approval on, a new follower (another
user's) waits — its page says so — and gets no copies; the provider approves it in the
followers panel and the next master trade is copied to it. Desktop in English, phone in Thai.
Screenshots: followers-approval-{desktop-en,phone-th}, follower-pending-{desktop-en,phone-th}
(copied to docs/screenshots/ with COPYTRADE_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import itertools
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e_api import ApiUser, login
from e2e_support import ARTIFACTS, DESKTOP, PHONE, Server, SimThread, screenshot

from copytrade.domain.models import Side
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

pytestmark = pytest.mark.slow

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
_users = itertools.count(1)


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def _copies(user: ApiUser, follower_id: int) -> list[dict[str, Any]]:
    return user.call("GET", f"/accounts/{follower_id}/pairs")["items"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("size", "lang"), [(DESKTOP, "en-US"), (PHONE, "th-TH")],
                         ids=["desktop-en", "phone-th"])
def test_a_pending_follower_is_approved_in_the_browser(server: Server, new_context: Any,
                                                       sims: SimThread, size: dict[str, Any],
                                                       lang: str) -> None:
    e = expect()
    th = lang.startswith("th")
    n = next(_users)
    provider = ApiUser(server.base_url, f"approver{n}@example.com", "a long passphrase 1")
    trader = ApiUser(server.base_url, f"waiter{n}@example.com", "a long passphrase 2")
    master, mkey = provider.account("Signal Pro", "master")
    follower, fkey = trader.account("Waiting Copier", "follower")
    msim = sims.start(MasterSim("127.0.0.1", server.ea_port, mkey))
    sims.start(FollowerSim("127.0.0.1", server.ea_port, fkey))
    suffix = f"{'phone' if size is PHONE else 'desktop'}-{lang[:2]}"

    page = new_context(size, locale=lang).new_page()
    login(page, server.base_url, provider, f"/dashboard/{master['id']}")
    panel = page.get_by_test_id("followers-panel")
    switch = panel.get_by_test_id("approve-followers")
    e(switch).not_to_be_checked()
    switch.click()  # a controlled box: checked once the server said so
    e(switch).to_be_checked()
    assert provider.call("GET", f"/accounts/{master['id']}")["account"]["approve_followers"]

    # Another user's follower asks: it waits and gets nothing.
    trader.follow(follower["id"], master["master_token"])
    sims.run(msim.open, "EURUSD", Side.BUY, D("0.10"), D("1.08450"))
    waiting = panel.get_by_test_id("pending-follower")
    e(waiting).to_have_count(1)  # the follow.pending live event reloads the list
    e(waiting).to_contain_text("Waiting Copier")
    e(panel.get_by_test_id("pending-followers")).to_contain_text(
        "รอการอนุมัติ" if th else "Waiting for approval")
    waiting.scroll_into_view_if_needed()
    screenshot(page, f"followers-approval-{suffix}")

    other = new_context(size, locale=lang).new_page()
    login(other, server.base_url, trader, f"/accounts/{follower['id']}")
    notice = other.get_by_test_id("following-pending")
    e(notice).to_contain_text("รอการอนุมัติจาก Signal Pro" if th
                              else "Waiting for approval by Signal Pro")
    screenshot(other, f"follower-pending-{suffix}")
    assert _copies(trader, follower["id"]) == []

    # Approved: it leaves the waiting list, is listed as a follower, and copies the next trade.
    button = waiting.get_by_test_id("follower-approve")
    box = button.bounding_box()
    assert box is not None and (size is not PHONE or box["height"] >= 44), box
    button.click()
    e(waiting).to_have_count(0)
    row = "follower-card" if size is PHONE else "follower-row"
    e(panel.locator(f'[data-testid="{row}"][data-id="{follower["id"]}"]')).to_have_count(1)
    e(other.get_by_test_id("following-current")).to_contain_text("Signal Pro")
    sims.run(msim.open, "EURUSD", Side.BUY, D("0.10"), D("1.08460"))
    deadline = time.monotonic() + 15
    while not _copies(trader, follower["id"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    copies = _copies(trader, follower["id"])
    assert len(copies) == 1, copies  # only the trade opened after the approval
    if os.environ.get("COPYTRADE_UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        for name in (f"followers-approval-{suffix}", f"follower-pending-{suffix}"):
            shutil.copy(ARTIFACTS / f"{name}.png", target / f"{name}.png")
