"""Settings → Password in real Chromium: before the change is confirmed the page says that it
ends every other session and revokes every personal access token (English and Thai), and
after it the confirmation says so again."""

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


def test_the_password_form_warns_about_sessions_and_tokens(server: Server,
                                                           new_context: Any) -> None:
    e = expect()
    page = new_context(DESKTOP).new_page()
    tid = page.get_by_test_id
    page.goto(f"{server.base_url}/login")
    tid("to-register").click()
    tid("register-name").fill("Password Note")
    tid("register-email").fill("pwnote@example.com")
    tid("register-password").fill(PASSWORD)
    tid("register-submit").click()
    e(tid("dashboard-empty")).to_be_visible()
    page.goto(f"{server.base_url}/settings")
    form = tid("password-form")
    e(form).to_be_visible()
    note = tid("password-note")
    # Shown before anything is typed or submitted, inside the form, above its button.
    e(note).to_be_visible()
    e(note).to_contain_text("logs out every other session")
    e(note).to_contain_text("revokes every personal access token")
    assert form.locator('[data-testid="password-note"]').count() == 1
    note_box, button_box = note.bounding_box(), tid("password-save").bounding_box()
    assert note_box is not None and button_box is not None
    assert note_box["y"] < button_box["y"]

    tid("side-lang-th").click()
    e(page.locator("html")).to_have_attribute("lang", "th")
    e(note).to_contain_text("ออกจากระบบทุกเซสชันอื่น")
    e(note).to_contain_text("ยกเลิก Personal access token ทุกอัน")
    # A wrong current password: the API's field code (wrong_password) read in Thai
    tid("password-current").fill("not-the-password-at-all")
    tid("password-new").fill("another-long-password")
    tid("password-save").click()
    e(tid("password-current-error")).to_have_text("รหัสผ่านปัจจุบันไม่ถูกต้อง")
    tid("side-lang-en").click()
    e(page.locator("html")).to_have_attribute("lang", "en")

    # The change itself: the confirmation repeats what happened.
    tid("password-current").fill(PASSWORD)
    tid("password-new").fill("another-long-password")
    tid("password-save").click()
    e(page.get_by_text("personal access tokens revoked")).to_be_visible()
