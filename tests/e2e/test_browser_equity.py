"""The equity, balance and drawdown chart in real Chromium: points from a follower EA's account
reports, a text alternative (summary and table) in the viewer's language and time zone, range
buttons, desktop and phone, English and Thai."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2e_api import ApiUser, login
from e2e_support import DESKTOP, PHONE, Server, SimThread, screenshot

from copytrade.sim.follower import FollowerSim

pytestmark = pytest.mark.slow

D = Decimal
_users = itertools.count(1)


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def _world(server: Server, sims: SimThread) -> tuple[ApiUser, int]:
    user = ApiUser(server.base_url, f"equity{next(_users)}@example.com", "a long passphrase 1")
    follower, key = user.account("Equity Follower", "follower")
    fsim = sims.start(FollowerSim("127.0.0.1", server.ea_port, key, balance=D("10000.00")))
    for eq in ("10000.00", "9800.00", "10150.00"):
        sims.run(fsim.report_account, D(eq), D("10000.00"))
    # The reports are written by the server's ledger; wait until the API shows the last one.
    fid = follower["id"]
    for _ in range(200):
        body = user.call("GET", f"/accounts/{fid}/equity")
        if body["points"] and body["points"][-1]["equity"] == "10150.00":
            break
        import time
        time.sleep(0.05)
    else:
        pytest.fail(f"equity points never arrived: {body}")
    return user, fid


@pytest.mark.parametrize(("size", "lang"), [(DESKTOP, "en-US"), (PHONE, "th-TH"),
                                            (DESKTOP, "th-TH"), (PHONE, "en-US")],
                         ids=["desktop-en", "phone-th", "desktop-th", "phone-en"])
def test_equity_chart_and_its_text_alternative(server: Server, new_context: Any,
                                               sims: SimThread, size: dict[str, Any],
                                               lang: str) -> None:
    e = expect()
    user, fid = _world(server, sims)
    page = new_context(size, locale=lang).new_page()
    login(page, server.base_url, user, f"/dashboard/{fid}")
    panel = page.get_by_test_id("equity-panel")
    e(panel).to_be_visible()
    chart = panel.get_by_test_id("equity-chart")
    e(chart).to_have_attribute("data-last", "10150")
    e(panel.get_by_test_id("equity-bucket")).to_have_attribute("data-bucket", "60")
    e(panel.get_by_test_id("drawdown-chart")).to_be_visible()
    # Drawdown: peak 10000 (or above) down to 9800 → at least 200.00.
    e(panel.get_by_test_id("equity-max-dd")).to_contain_text(re.compile(r"2\d\d\.\d\d"))

    # The text alternative: the summary names the first point's time in Bangkok time and the
    # month in the page's language.
    first = chart.get_attribute("data-first")
    assert first
    local = datetime.fromisoformat(first.replace("Z", "+00:00")).astimezone(
        ZoneInfo("Asia/Bangkok"))
    summary = panel.get_by_test_id("equity-summary")
    e(summary).to_contain_text(local.strftime("%H:%M"))
    e(summary).to_contain_text("ธ.ค." if lang.startswith("th") else "Dec")
    e(summary).to_contain_text("10,150.00")
    e(summary).to_contain_text("นาที" if lang.startswith("th") else "1m")
    e(page.locator("figure[aria-describedby=equity-summary]")).to_have_count(1)
    toggle = panel.get_by_test_id("equity-table-toggle")
    box = toggle.bounding_box()
    assert box is not None and box["height"] >= 44
    toggle.click()
    table = panel.get_by_test_id("equity-table")
    e(table).to_be_visible()
    e(table.locator("tbody tr")).not_to_have_count(0)
    e(table.locator("thead")).to_contain_text("เวลา" if lang.startswith("th") else "Time")

    # A longer range brings bigger buckets.
    panel.get_by_test_id("equity-range-7d").click()
    e(panel.get_by_test_id("equity-bucket")).to_have_attribute("data-bucket", "900")
    e(panel.get_by_test_id("equity-range-7d")).to_have_attribute("aria-pressed", "true")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"the page scrolls sideways: {width}"
    if size is PHONE:
        for b in panel.locator('[data-testid^="equity-range-"]').all():
            bb = b.bounding_box()
            assert bb is not None and bb["height"] >= 44 and bb["width"] >= 44, bb
    panel.scroll_into_view_if_needed()
    screenshot(page, f"equity-{'phone' if size is PHONE else 'desktop'}-{lang[:2]}")
