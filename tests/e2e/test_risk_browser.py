"""The risk guards in real Chromium: the editor (every kind of field, a preset, a bad value's
message) in English on a desktop and in Thai on a phone, saved and seen again after a reload;
a trip driven by a simulated follower whose equity drops shows up live on the dashboard with
its figures, and the reset button clears it; the close-only switch and pause/resume."""

from __future__ import annotations

import itertools
import time
from decimal import Decimal
from typing import Any

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


def tid(page: Any, testid: str) -> Any:
    return page.get_by_test_id(testid)


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, f"the page scrolls sideways: {widths}"


def new_user(server: Server) -> ApiUser:
    return ApiUser(server.base_url, f"risk{next(_users)}@example.com", "a long passphrase 1")


def limits(user: ApiUser, fid: int) -> dict[str, Any]:
    """The stored limits, decimals as Decimal (the API writes money and percent with 2
    decimals)."""
    out = user.call("GET", f"/accounts/{fid}/risk")["risk"]["limits"]
    for name, value in out.items():
        if isinstance(value, dict) and "value" in value:
            out[name] = {"value": D(value["value"]), "action": value["action"]}
        elif name in ("max_total_lots", "max_symbol_lots") and value is not None:
            out[name] = D(value)
    return out


def lim(value: str, action: str) -> dict[str, Any]:
    return {"value": D(value), "action": action}


def test_editor_saves_every_kind_of_guard_in_english_on_a_desktop(
        server: Server, new_context: Any) -> None:
    e = expect()
    user = new_user(server)
    follower, _key = user.account("Guarded", "follower")
    fid = follower["id"]
    page = new_context(DESKTOP).new_page()
    login(page, server.base_url, user, f"/accounts/{fid}")
    form = tid(page, "risk-form")
    e(form).to_be_visible()

    # A preset fills the form; the trader edits it before saving.
    tid(page, "risk-preset").select_option("prop_firm_standard")
    e(form).to_contain_text("daily loss 5 %")
    tid(page, "risk-preset-load").click()
    e(tid(page, "risk-daily_loss_pct")).to_have_value("5.00")
    e(tid(page, "risk-max_drawdown_pct")).to_have_value("10.00")
    e(tid(page, "risk-max_drawdown_pct-action")).to_have_value("CLOSE_ALL_AND_PAUSE")
    tid(page, "risk-max_drawdown_pct").fill("8")
    tid(page, "risk-drawdown-from").select_option("EQUITY_PEAK")
    tid(page, "risk-equity_floor").fill("9000")
    tid(page, "risk-equity_floor-action").select_option("CLOSE_ONLY")
    tid(page, "risk-margin_level_floor").fill("300")
    tid(page, "risk-margin_level_floor-action").select_option("SKIP_NEW")
    tid(page, "risk-daily_loss").fill("400")
    tid(page, "risk-daily_profit_target").fill("1000.50")
    tid(page, "risk-daily_profit_target-action").select_option("CLOSE_ALL_AND_PAUSE")
    tid(page, "risk-day-timezone").fill("Asia/Bangkok")
    tid(page, "risk-max-open-copies").fill("3")
    tid(page, "risk-max-total-lots").fill("2.5")
    tid(page, "risk-max-symbol-lots").fill("1")
    tid(page, "risk-hours-on").check()
    tid(page, "risk-day-4").uncheck()  # Monday to Thursday
    tid(page, "risk-window-add").click()
    tid(page, "risk-window-0-start").fill("22:00")
    tid(page, "risk-window-0-end").fill("02:00")
    tid(page, "risk-hours-timezone").fill("Europe/London")

    # A bad value: the message is shown at the field and nothing is sent.
    tid(page, "risk-equity_floor").fill("-5")
    tid(page, "risk-save").click()
    e(tid(page, "risk-equity_floor-error")).to_have_text("Must be greater than 0.")
    tid(page, "risk-equity_floor").fill("9000.123")
    tid(page, "risk-save").click()
    e(tid(page, "risk-equity_floor-error")).to_have_text("Use at most 2 decimal places.")
    tid(page, "risk-day-timezone").fill("Mars/Olympus")
    tid(page, "risk-save").click()
    e(tid(page, "risk-day-timezone-error")).to_contain_text("Not a known time zone")
    assert limits(user, fid)["equity_floor"] is None
    # The browser knows this spelling of the zone, the server does not: its 422 is shown at
    # the field.
    tid(page, "risk-day-timezone").fill("asia/bangkok")
    tid(page, "risk-equity_floor").fill("9000")
    tid(page, "risk-save").click()
    e(tid(page, "risk-day-timezone-error")).to_contain_text("IANA time zone")
    e(tid(page, "risk-form-error")).to_have_text("Please correct the highlighted fields.")
    assert limits(user, fid)["equity_floor"] is None
    tid(page, "risk-day-timezone").fill("Asia/Bangkok")
    tid(page, "risk-save").click()
    e(tid(page, "toast").first).to_contain_text("Saved")
    e(tid(page, "risk-equity_floor-error")).to_have_count(0)

    saved = limits(user, fid)
    assert saved["equity_floor"] == lim("9000", "CLOSE_ONLY")
    assert saved["max_drawdown_pct"] == lim("8", "CLOSE_ALL_AND_PAUSE")
    assert saved["drawdown_from"] == "EQUITY_PEAK"
    assert saved["daily_loss_pct"] == lim("5", "CLOSE_ALL_AND_PAUSE")
    assert saved["daily_loss"] == lim("400", "CLOSE_ONLY")
    assert saved["daily_profit_target"] == lim("1000.50", "CLOSE_ALL_AND_PAUSE")
    assert saved["margin_level_floor"] == lim("300", "SKIP_NEW")
    assert saved["day_timezone"] == "Asia/Bangkok"
    assert (saved["max_open_copies"], saved["max_total_lots"], saved["max_symbol_lots"]) == \
        (3, D("2.5"), D(1))
    assert saved["trading_hours"] == {"days": [0, 1, 2, 3],
                                      "windows": [{"start": "22:00", "end": "02:00"}],
                                      "timezone": "Europe/London"}

    page.reload()
    e(tid(page, "risk-equity_floor")).to_have_value("9000.00")
    e(tid(page, "risk-max_drawdown_pct")).to_have_value("8.00")
    e(tid(page, "risk-daily_profit_target-action")).to_have_value("CLOSE_ALL_AND_PAUSE")
    e(tid(page, "risk-day-timezone")).to_have_value("Asia/Bangkok")
    e(tid(page, "risk-max-open-copies")).to_have_value("3")
    e(tid(page, "risk-hours-on")).to_be_checked()
    e(tid(page, "risk-day-4")).not_to_be_checked()
    e(tid(page, "risk-window-0-start")).to_have_value("22:00")
    e(tid(page, "risk-hours-timezone")).to_have_value("Europe/London")
    no_sideways_scroll(page)
    screenshot(page, "desktop-risk-editor")

    # Clearing a field turns its guard off (the PUT replaces the whole set).
    tid(page, "risk-daily_loss").fill("")
    tid(page, "risk-hours-on").uncheck()
    tid(page, "risk-save").click()
    e(tid(page, "toast").first).to_contain_text("Saved")
    after = limits(user, fid)
    assert after["daily_loss"] is None and after["trading_hours"] is None
    assert after["equity_floor"] == lim("9000", "CLOSE_ONLY")


def test_editor_in_thai_on_a_phone(server: Server, new_context: Any) -> None:
    e = expect()
    user = new_user(server)
    follower, _key = user.account("ป้องกัน", "follower")
    fid = follower["id"]
    user.call("PUT", f"/accounts/{fid}/risk/limits",
              {"equity_floor": {"value": "5000", "action": "SKIP_NEW"}})
    page = new_context(PHONE, locale="th-TH").new_page()
    login(page, server.base_url, user, f"/accounts/{fid}")
    form = tid(page, "risk-form")
    e(form).to_contain_text("Equity ต่ำสุด (จำนวนเงิน)")
    e(tid(page, "risk-equity_floor")).to_have_value("5000.00")
    e(tid(page, "risk-equity_floor-action")).to_have_value("SKIP_NEW")

    tid(page, "risk-daily_loss").fill("1.234")
    tid(page, "risk-max-open-copies").fill("0")
    tid(page, "risk-hours-on").check()
    for day in range(5):
        tid(page, f"risk-day-{day}").uncheck()
    tid(page, "risk-save").click()
    e(tid(page, "risk-daily_loss-error")).to_have_text("ทศนิยมไม่เกิน 2 ตำแหน่ง")
    e(tid(page, "risk-max-open-copies-error")).to_have_text("ต้องอยู่ระหว่าง 1 ถึง 10000")
    e(tid(page, "risk-days-error")).to_have_text("เลือกอย่างน้อยหนึ่งวัน")
    screenshot(page, "phone-risk-editor-errors-th")
    assert limits(user, fid)["daily_loss"] is None

    tid(page, "risk-daily_loss").fill("250")
    tid(page, "risk-max-open-copies").fill("2")
    tid(page, "risk-day-5").check()
    tid(page, "risk-day-6").check()
    tid(page, "risk-hours-timezone").fill("europe/london")  # the server's 422, in Thai
    tid(page, "risk-save").click()
    e(tid(page, "risk-hours-timezone-error")).to_contain_text("เซิร์ฟเวอร์ไม่รับค่านี้")
    e(tid(page, "risk-form-error")).to_have_text("กรุณาแก้ไขช่องที่ไฮไลต์ไว้")
    tid(page, "risk-hours-timezone").fill("Europe/London")
    tid(page, "risk-save").click()
    e(tid(page, "toast").first).to_contain_text("บันทึกแล้ว")
    page.reload()
    e(tid(page, "risk-daily_loss")).to_have_value("250.00")
    e(tid(page, "risk-max-open-copies")).to_have_value("2")
    e(tid(page, "risk-day-6")).to_be_checked()
    e(tid(page, "risk-day-0")).not_to_be_checked()
    saved = limits(user, fid)
    assert saved["trading_hours"] == {"days": [5, 6], "windows": [], "timezone": "Europe/London"}
    assert saved["equity_floor"] == lim("5000", "SKIP_NEW")
    no_sideways_scroll(page)


def test_a_trip_shows_live_on_the_dashboard_and_reset_clears_it(
        server: Server, new_context: Any, sims: SimThread) -> None:
    e = expect()
    user = new_user(server)
    master, _mkey = user.account("Risk Master", "master")
    follower, fkey = user.account("Risk Follower", "follower")
    fid = follower["id"]
    user.follow(fid, master["master_token"])
    user.call("PUT", f"/accounts/{fid}/risk/limits",
              {"equity_floor": {"value": "9000", "action": "CLOSE_ONLY"},
               "max_open_copies": 4})
    fsim = sims.start(FollowerSim("127.0.0.1", server.ea_port, fkey))

    page = new_context(DESKTOP).new_page()
    login(page, server.base_url, user, f"/dashboard/{fid}")
    panel = tid(page, "risk-panel")
    e(panel).to_be_visible()
    e(tid(page, "risk-guards")).to_contain_text("Equity floor 9,000.00 · Close-only until reset")
    e(tid(page, "risk-guards")).to_contain_text("Max 4 open copies")
    e(tid(page, "risk-trips-none")).to_be_visible()

    # The follower's equity drops through its floor: the trip arrives live with its figures.
    sims.run(fsim.report_account, D("8500.00"))
    trip = tid(page, "risk-trip")
    e(trip).to_have_count(1)
    e(trip.get_by_test_id("risk-trip-kind")).to_contain_text("Equity floor")
    e(trip.get_by_test_id("risk-trip-value")).to_have_text("8,500.00")
    e(trip.get_by_test_id("risk-trip-limit")).to_have_text("9,000.00")
    e(trip.get_by_test_id("risk-trip-at")).not_to_be_empty()
    e(tid(page, "toast").first).to_contain_text("Risk guard tripped: Equity floor")
    screenshot(page, "desktop-risk-trip")
    (stored,) = user.call("GET", f"/accounts/{fid}/risk/trips?status=active")["items"]
    assert (D(stored["value"]), D(stored["limit"])) == (D("8500.00"), D(9000))

    tid(page, "risk-trip-reset").click()
    e(tid(page, "risk-trips-none")).to_be_visible()
    ended = user.call("GET", f"/accounts/{fid}/risk/trips")["items"][0]
    assert ended["id"] == stored["id"] and not ended["active"] and ended["reset_by"] == "USER"
    tid(page, "risk-ended").locator("summary").click()
    e(tid(page, "risk-ended")).to_contain_text("Reset")

    # The trader's switch: close-only, then pause and resume.
    tid(page, "risk-close-only").check()
    e(tid(page, "risk-control")).to_have_attribute("data-control", "CLOSE_ONLY")
    tid(page, "risk-close-only").uncheck()
    e(tid(page, "risk-control")).to_have_attribute("data-control", "ACTIVE")
    logins = fsim.logins
    tid(page, "risk-pause").click()
    e(tid(page, "risk-control")).to_have_attribute("data-control", "PAUSED")
    assert user.call("GET", f"/accounts/{fid}/risk")["risk"]["paused"] is True
    tid(page, "risk-resume").click()
    e(tid(page, "risk-control")).to_have_attribute("data-control", "ACTIVE")
    assert user.call("GET", f"/accounts/{fid}/risk")["risk"]["paused"] is False
    # Resuming told the EA to resync: it logs in again before it reports.
    deadline = time.monotonic() + 15
    while not (fsim.logins > logins and fsim.link is not None):
        assert time.monotonic() < deadline, "the follower sim did not log in again"
        time.sleep(0.05)

    # On a phone, in Thai: a second drop trips again (a floor is absolute) and shows live.
    phone = new_context(PHONE, locale="th-TH").new_page()
    login(phone, server.base_url, user, f"/dashboard/{fid}")
    e(tid(phone, "risk-trips-none")).to_have_text("ยังไม่มีระบบป้องกันใดทำงาน")
    sims.run(fsim.report_account, D("8400.00"))
    ptrip = tid(phone, "risk-trip")
    e(ptrip).to_have_count(1)
    e(ptrip.get_by_test_id("risk-trip-kind")).to_contain_text("Equity ต่ำสุด")
    e(ptrip.get_by_test_id("risk-trip-value")).to_have_text("8,400.00")
    box = ptrip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    no_sideways_scroll(phone)
    screenshot(phone, "phone-risk-trip-th")
    tid(phone, "risk-trip-reset").click()
    e(tid(phone, "risk-trips-none")).to_be_visible()
    assert user.call("GET", f"/accounts/{fid}/risk/trips?status=active")["items"] == []
