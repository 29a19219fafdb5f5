"""The trader's dashboard in real Chromium: floating P/L live on the active tables (desktop at
1280 px without sideways scrolling, cards on a phone), the history page with its filters and
CSV export, in English and Thai."""

from __future__ import annotations

import csv
import io
import itertools
import re
from decimal import Decimal
from pathlib import Path
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
_users = itertools.count(1)


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
    user = ApiUser(server.base_url, f"trader{next(_users)}@example.com", "a long passphrase 1")
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


def test_history_filters_paging_and_csv(server: Server, new_context: Any, sims: SimThread,
                                        world: dict[str, Any]) -> None:
    e = expect()
    user, market, msim, fsim = world["user"], world["market"], world["msim"], world["fsim"]
    follower_id = world["follower"]["id"]
    tickets = []
    for symbol, price, moved in (("EURUSD", "1.08450", "1.08650"),
                                 ("USDJPY", "151.250", "151.130"),
                                 ("XAUUSD", "2350.10", "2352.65")):
        market.set(symbol, D(price))
        ticket = sims.run(msim.open, symbol, Side.BUY, D("0.10"), D(price))
        sims.run(fsim.wait_for, lambda t=ticket: t in fsim.positions)
        market.set(symbol, D(moved))
        sims.run(msim.close, ticket)
        sims.run(fsim.wait_for, lambda t=ticket: t not in fsim.positions)
        tickets.append(ticket)

    page = new_context(DESKTOP_1280).new_page()
    login(page, server.base_url, user, f"/history?account={follower_id}")
    rows = page.get_by_test_id("history-row")
    e(rows).to_have_count(3)
    # Newest close first; the reversed copy lost what the master won.
    assert [int(x) for x in rows.evaluate_all("els => els.map(e => e.dataset.ticket)")] == (
        tickets[::-1])
    e(rows.first.get_by_test_id("history-profit")).to_have_attribute("data-value", "-25.50")
    no_sideways_scroll(page, "history-rows")
    e(page.locator('[data-testid="history-rows"] th')).to_contain_text(
        ["Close time", "Open time", "Symbol", "Volume", "Open price", "Close price", "Duration",
         "Pips", "Status", "Reason", "Profit"])
    screenshot(page, "desktop-history")

    tid(page, "history-symbol").fill("EUR/USD")
    tid(page, "history-apply").click()
    e(tid(page, "history-symbol-error")).to_be_visible()
    e(rows).to_have_count(3)  # nothing was asked of the server
    tid(page, "history-symbol").fill("usdjpy")
    tid(page, "history-apply").click()
    e(rows).to_have_count(1)
    e(rows.first).to_have_attribute("data-ticket", str(tickets[1]))
    e(page).to_have_url(re.compile(r"symbol=usdjpy"))

    with page.expect_download() as info:
        tid(page, "history-export").click()
    download = info.value
    assert re.fullmatch(rf"history-{follower_id}-\d{{8}}\.csv", download.suggested_filename)
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["ticket"], r["side"], r["profit"]) for r in parsed] == [
        (str(tickets[1]), "SELL", "7.94")]  # the master lost 12 pips: 1,200 JPY
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", parsed[0]["close_time"])
    tid(page, "history-reset").click()
    e(rows).to_have_count(3)

    # The dashboard's performance panel, from the same closes (SQL figures).
    page.goto(f"{server.base_url}/dashboard/{follower_id}")
    perf = tid(page, "performance")
    e(perf).to_have_attribute("data-trades", "3")
    e(tid(page, "perf-net-value")).to_have_attribute("data-value", "-37.56")
    e(tid(page, "perf-win-rate")).to_contain_text("33.3%")
    e(tid(page, "perf-drawdown")).to_contain_text("37.56")  # 0 → -20.00, -12.06, -37.56
    tid(page, "perf-range-24h").click()
    e(perf).to_have_attribute("data-range", "24h")
    screenshot(page, "desktop-dashboard-follower-performance")

    # Phone, in Thai: cards, durations and the export button within reach.
    phone = new_context(PHONE, locale="th-TH").new_page()
    login(phone, server.base_url, user, f"/history?account={follower_id}")
    cards = phone.get_by_test_id("history-row")
    e(cards).to_have_count(3)
    assert cards.first.evaluate("el => el.tagName") == "LI"
    e(tid(phone, "history-page")).to_contain_text("ประวัติการเทรด")
    e(cards.first.get_by_test_id("history-duration")).to_contain_text(re.compile("วิ|นาที"))
    e(tid(phone, "history-export")).to_be_visible()
    phone.goto(f"{server.base_url}/dashboard/{follower_id}")
    e(tid(phone, "performance-panel")).to_contain_text("ผลงาน")
    e(tid(phone, "performance")).to_have_attribute("data-trades", "3")
    phone.goto(f"{server.base_url}/history?account={follower_id}")
    e(cards).to_have_count(3)
    no_sideways_scroll(phone, "history-rows")
    screenshot(phone, "phone-history-th")
