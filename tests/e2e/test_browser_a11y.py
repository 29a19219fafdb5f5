"""Accessibility in real Chromium: axe-core (from npm, injected into the page) on every page at
desktop and phone sizes, in English and Thai, with zero serious or critical violations; on the
phone every visible control is a tap target of at least 44 by 44 px (a checkbox: its
label), and keyboard focus shows a visible ring."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e_api import ApiUser, login
from e2e_support import DESKTOP, PHONE, Server, SimThread

from copytrade.domain.models import Side
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

pytestmark = pytest.mark.slow

D = Decimal
AXE = Path(__file__).resolve().parents[2] / "frontend/node_modules/axe-core/axe.min.js"
_world: dict[str, Any] = {}


def expect() -> Any:
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=15_000)
    return pw_expect


def world(server: Server, sims: SimThread) -> dict[str, Any]:
    """One admin user with a master, a follower and a few trades (made once per module)."""
    if _world.get("base") == server.base_url:
        return _world
    user = ApiUser(server.base_url, "a11y@example.com", "a long passphrase 1", name="Admin")
    master, mkey = user.account("A11y Master", "master")
    follower, fkey = user.account("A11y Follower", "follower")
    user.follow(follower["id"], master["master_token"])
    msim = sims.start(MasterSim("127.0.0.1", server.ea_port, mkey))
    sims.start(FollowerSim("127.0.0.1", server.ea_port, fkey))
    t1 = sims.run(msim.open, "EURUSD", Side.BUY, D("0.10"), D("1.08450"))
    sims.run(msim.open, "EURUSD", Side.SELL, D("0.10"), D("1.08450"))
    sims.run(msim.close, t1)
    _world.update(base=server.base_url, user=user, master=master, follower=follower)
    return _world


def pages(w: dict[str, Any]) -> list[tuple[str, str]]:
    m, f = w["master"]["id"], w["follower"]["id"]
    return [("dashboard-master", f"/dashboard/{m}"), ("dashboard-follower", f"/dashboard/{f}"),
            ("accounts", "/accounts"), ("account-new", "/accounts/new"),
            ("account-master", f"/accounts/{m}"), ("account-follower", f"/accounts/{f}"),
            ("history", f"/history?account={f}"), ("settings", "/settings"),
            ("admin", "/admin"), ("not-found", "/no-such-page")]


def axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe violations of the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),"
        " summary: n.failureSummary}))}))")
    return result  # type: ignore[no-any-return]


SMALL_TARGETS = """() => {
  const out = [];
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.sr-only') || el.classList.contains('sr-only')) continue;
    // A checkbox or radio inside its label: the label is the target.
    const label = el.closest('label');
    const box = (el.type === 'checkbox' || el.type === 'radio') && label
      ? label.getBoundingClientRect() : r;
    // Inline links inside running text are exempt (WCAG 2.5.8 "inline").
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline'
        && el.parentElement && el.parentElement.textContent.trim().length
           > el.textContent.trim().length + 20) continue;
    if (box.height < 43.5 || box.width < 43.5) {
      const name = el.getAttribute('data-testid') || el.textContent.trim().slice(0, 30);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      out.push(`${el.tagName.toLowerCase()}[${name}] ${size}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize(("size", "lang"), [(DESKTOP, "en-US"), (PHONE, "th-TH")],
                         ids=["desktop-en", "phone-th"])
def test_every_page_passes_axe(server: Server, new_context: Any, sims: SimThread,
                               size: dict[str, Any], lang: str) -> None:
    e = expect()
    w = world(server, sims)
    found: dict[str, Any] = {}
    small: dict[str, list[str]] = {}

    # Logged out first: the login and registration pages.
    # axe is injected as a script: the app's CSP (script-src 'self') is bypassed for it only.
    page = new_context({**size, "bypass_csp": True}, locale=lang).new_page()
    for name, path in (("login", "/login"), ("register", "/register")):
        page.goto(server.base_url + path)
        e(page.locator("form")).to_be_visible()
        if v := axe(page):
            found[name] = v
        if size["viewport"] == PHONE["viewport"] and (s := page.evaluate(SMALL_TARGETS)):
            small[name] = s

    login(page, server.base_url, w["user"], "/settings")
    page.wait_for_url("**/settings")
    e(page.get_by_test_id("login-submit")).to_have_count(0)
    for name, path in pages(w):
        page.goto(server.base_url + path)
        e(page.locator("main")).to_be_visible()
        e(page.get_by_test_id("login-submit")).to_have_count(0)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        if v := axe(page):
            found[name] = v
        if size["viewport"] == PHONE["viewport"] and (s := page.evaluate(SMALL_TARGETS)):
            small[name] = s
    lines = sorted({f"{v['id']}: {n['target']} — {n['summary'].splitlines()[-1].strip()}"
                    f" [{page_name}]" for page_name, vs in found.items() for v in vs
                    for n in v["nodes"]})
    assert not found, "\n".join(lines)[:12000]
    assert not small, json.dumps(small, indent=1, ensure_ascii=False)[:12000]


def test_focus_is_visible(server: Server, new_context: Any, sims: SimThread) -> None:
    """Tabbing through the dashboard: every focused control draws an outline or a ring."""
    w = world(server, sims)
    page = new_context(DESKTOP).new_page()
    login(page, server.base_url, w["user"], f"/dashboard/{w['master']['id']}")
    expect()(page.get_by_test_id("master-view")).to_be_visible()
    bare = []
    for _ in range(25):
        page.keyboard.press("Tab")
        shown = page.evaluate("""() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const s = getComputedStyle(el);
          const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
          const ring = s.boxShadow && s.boxShadow !== 'none';
          const name = el.getAttribute('data-testid') || el.textContent.trim().slice(0, 20);
          return [el.tagName + ':' + name, outline || ring];
        }""")
        if shown and not shown[1]:
            bare.append(shown[0])
    assert not bare, bare
