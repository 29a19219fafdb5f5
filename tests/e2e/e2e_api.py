"""Set-up through the web API for browser tests: a user, accounts, follows (no clicking)."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.request
from typing import Any

_admins: dict[str, ApiUser] = {}
"""The first user registered on each server: its admin, who invites the others."""


class ApiUser:
    """One registered, logged-in user speaking JSON to the server (session cookie).

    The default registration mode is ``invite``: the first user of a server becomes its admin,
    later users register with an invite code that admin creates.
    """

    def __init__(self, base_url: str, email: str, password: str, name: str = "Trader") -> None:
        self.base = base_url + "/api/v1"
        self.email, self.password = email, password
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        body = {"email": email, "name": name, "password": password}
        admin = _admins.get(base_url)
        if admin is not None:
            body["invite_code"] = admin.call("POST", "/admin/invites",
                                             {"expires_in_hours": 1})["code"]
        self.call("POST", "/auth/register", body)
        self.call("POST", "/auth/login", {"email": email, "password": password})
        _admins.setdefault(base_url, self)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-CSRF": "1"})
        with self.opener.open(req, timeout=10) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def raw(self, path: str) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.base + path, headers={"X-CSRF": "1"})
        with self.opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()

    def account(self, name: str, role: str) -> tuple[dict[str, Any], str]:
        created = self.call("POST", "/accounts", {"name": name, "role": role})
        return created["account"], created["api_key"]

    def follow(self, follower_id: int, master_token: str, **rules: Any) -> None:
        self.call("PUT", f"/accounts/{follower_id}/following", {"master_token": master_token})
        if rules:
            self.call("PUT", f"/accounts/{follower_id}/rules", rules)


def login(page: Any, base_url: str, user: ApiUser, path: str) -> None:
    """Log the browser in through the login form, landing on ``path``."""
    page.goto(f"{base_url}/login?next={path.replace('/', '%2F')}")
    page.get_by_test_id("login-email").fill(user.email)
    page.get_by_test_id("login-password").fill(user.password)
    page.get_by_test_id("login-submit").click()
