"""The trader's dashboard in real Chromium: floating P/L live on the active tables (desktop at
1280 px without sideways scrolling, cards on a phone), in English and Thai."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from e2e_api import ApiUser, login
from e2e_support import PHONE, Server, SimThread, screenshot

from copytrade.domain.models import Side
from copytrade.sim.follower import FollowerSim
from copytrade.sim.market import Market
from copytrade.sim.master import MasterSim

pytestmark = pytest.mark.slow

D = Decimal
DESKTOP_1280 = {"viewport": {"width": 1280, "height": 900}}


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def tid(page: Any, testid: str) -> Any:
    return page.get_by_test_id(testid)


def no_sideways_scroll(page: Any, testid: str) -> None:
    box = page.evaluate(
        "id => { const el = document.querySelector(`[data-testid=\"${id}\"]`);"
        " return [el.scrollWidth, el.clientWidth, document.documentElement.scrollWidth,"
        " window.innerWidth]; }", testid)
    assert box[0] <= box[1] + 1, f"{testid} scrolls sideways: {box}"
    assert box[2] <= box[3] + 1, f"the page scrolls sideways: {box}"


@pytest.fixture
def world(server: Server, sims: SimThread) -> dict[str, Any]:
    user = ApiUser(server.base_url, "pnl@example.com", "a long passphrase 1")
    master, master_key = user.account("Pnl Master", "master")
    follower, follower_key = user.account("Pnl Reversed", "follower")
    user.follow(follower["id"], master["master_token"], reverse=True)
    market = Market()
    market.set("EURUSD", D("1.08450"))
    msim = sims.start(MasterSim("127.0.0.1", server.ea_port, master_key, market=market,
                                pnl_interval=0.3))
    fsim = sims.start(FollowerSim("127.0.0.1", server.ea_port, follower_key, market=market,
                                  pnl_interval=0.3))
    return {"user": user, "master": master, "follower": follower, "market": market,
            "msim": msim, "fsim": fsim}


def test_floating_pnl_live_on_desktop_and_phone(server: Server, new_context: Any,
                                                sims: SimThread, world: dict[str, Any]) -> None:
    e = expect()
    user, market, msim = world["user"], world["market"], world["msim"]
    master_id, follower_id = world["master"]["id"], world["follower"]["id"]
    page = new_context(DESKTOP_1280).new_page()
    login(page, server.base_url, user, f"/dashboard/{master_id}")
    e(tid(page, "master-view")).to_be_visible()

    ticket = sims.run(msim.open, "EURUSD", Side.BUY, D("0.10"), D("1.08450"), D("1.08000"),
                      D("1.09000"))
    row = page.locator(f'[data-testid="active-trades"] [data-ticket="{ticket}"]')
    e(row).to_be_visible()
    market.set("EURUSD", D("1.08650"))  # +20 pips: +20.00 on the master, -20.00 reversed
    e(row.get_by_test_id("trade-pnl")).to_have_attribute("data-value", "20.00")
    e(row.get_by_test_id("pips")).to_have_attribute("data-value", "20")
    e(row.get_by_test_id("trade-current")).to_have_text("1.08650")
    no_sideways_scroll(page, "active-trades")

    fpage = page.context.new_page()
    fpage.goto(f"{server.base_url}/dashboard/{follower_id}")
    pair = fpage.locator(f'[data-testid="active-pairs"] [data-master-ticket="{ticket}"]')
    e(pair.get_by_test_id("pair-pnl")).to_have_attribute("data-value", "-20.00")
    e(pair.get_by_test_id("pips")).to_have_attribute("data-value", "-20")
    no_sideways_scroll(fpage, "active-pairs")
    e(fpage.locator('[data-testid="active-pairs"] th')).to_contain_text(
        ["Opened", "Symbol", "Side", "Volume", "Open price", "Current", "Pips", "Latency",
         "Status", "P/L"])
    # Live: the price moves again and the row follows without a reload.
    market.set("EURUSD", D("1.08350"))
    e(pair.get_by_test_id("pair-pnl")).to_have_attribute("data-value", "10.00")
    e(row.get_by_test_id("trade-pnl")).to_have_attribute("data-value", "-10.00")
    screenshot(fpage, "desktop-follower-floating-pnl")

    # Phone, in Thai: cards with P/L and pips visible, nothing wider than the screen.
    phone = new_context(PHONE, locale="th-TH").new_page()
    login(phone, server.base_url, user, f"/dashboard/{follower_id}")
    card = phone.locator(f'[data-testid="active-pairs"] [data-master-ticket="{ticket}"]')
    e(card).to_be_visible()
    e(card.get_by_test_id("pair-pnl")).to_have_attribute("data-value", "10.00")
    e(card).to_contain_text("ราคาปัจจุบัน")
    assert card.evaluate("el => el.tagName") == "LI"
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    no_sideways_scroll(phone, "active-pairs")
    screenshot(phone, "phone-follower-floating-pnl-th")
    phone.goto(f"{server.base_url}/dashboard/{master_id}")
    mcard = phone.locator(f'[data-testid="active-trades"] [data-ticket="{ticket}"]')
    e(mcard.get_by_test_id("trade-pnl")).to_have_attribute("data-value", re.compile(r"^-10\.00$"))
