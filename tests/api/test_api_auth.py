"""Register, login, logout, me, password, cookies, CSRF and throttling over a real server."""

from __future__ import annotations

from apitools import PASSWORD, Api, error_of


async def test_register_login_me_logout(api: Api) -> None:
    async with api.client(headers={"X-CSRF": "1"}) as c:
        r = await c.post("/api/v1/auth/register", json={
            "email": "  Alice@Example.COM ", "name": " Alice ", "password": PASSWORD})
        assert r.status_code == 201 and r.json()["status"] == "registered"
        assert (await c.get("/api/v1/me")).status_code == 401  # registering does not log in

        r = await c.post("/api/v1/auth/login",
                         json={"email": "ALICE@example.com", "password": PASSWORD})
        assert r.status_code == 200
        user = r.json()["user"]
        assert user["email"] == "alice@example.com" and user["name"] == "Alice"
        assert set(user) == {"id", "email", "name", "created_at", "is_admin"}
        assert user["is_admin"] is True  # the first user is the administrator
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("ct_session=") and "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie and "Secure" not in cookie and "Path=/" in cookie
        token = c.cookies["ct_session"]
        stored = await api.db.fetchval("SELECT token_hash FROM user_sessions")
        assert token.encode() not in bytes(stored) and len(bytes(stored)) == 32

        me = await c.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["user"]["id"] == user["id"]

        r = await c.post("/api/v1/auth/logout")
        assert r.status_code == 204
        assert await api.db.fetchval("SELECT count(*) FROM user_sessions") == 0
    # the old cookie value is dead even if a client kept it
    async with api.client(cookies={"ct_session": token}) as stale:
        assert (await stale.get("/api/v1/me")).status_code == 401


async def test_login_failures_do_not_reveal_emails(api: Api, alice) -> None:
    async with api.client(headers={"X-CSRF": "1"}) as c:
        wrong = await c.post("/api/v1/auth/login",
                             json={"email": "alice@example.com", "password": "x" * 12})
        unknown = await c.post("/api/v1/auth/login",
                               json={"email": "nobody@example.com", "password": "x" * 12})
        assert wrong.status_code == unknown.status_code == 401
        assert error_of(wrong) == error_of(unknown)
        assert error_of(wrong)["code"] == "unauthorized"


async def test_register_validation(api: Api) -> None:
    async with api.client(headers={"X-CSRF": "1"}) as c:
        r = await c.post("/api/v1/auth/register",
                         json={"email": "a@b.c", "name": 5, "password": "short", "admin": True})
        assert r.status_code == 422
        err = error_of(r)
        assert err["code"] == "validation_failed"
        assert set(err["fields"]) == {"name", "password", "admin"}
        assert err["fields"]["admin"] == "unknown field"
        r = await c.post("/api/v1/auth/register", json={"email": "no-at-sign", "name": "A",
                                                         "password": PASSWORD})
        assert error_of(r)["fields"] == {"email": "has an invalid format"}
        r = await c.post("/api/v1/auth/register", json={"email": "a@b.c"})
        assert r.status_code == 422
        assert error_of(r)["fields"] == {"name": "required field missing",
                                         "password": "required field missing"}
        r = await c.post("/api/v1/auth/register", json={"email": "a@b.c", "name": "A",
                                                         "password": "p" * 257})
        assert "password" in error_of(r)["fields"]
        r = await c.post("/api/v1/auth/register", content=b"{not json")
        assert r.status_code == 400 and error_of(r)["code"] == "bad_request"
        r = await c.post("/api/v1/auth/register", json=["a"])
        assert r.status_code == 422
        r = await c.post("/api/v1/auth/register", json={"email": "a@b.c", "name": "A\x00",
                                                         "password": PASSWORD})
        assert r.status_code == 422
        assert await api.db.fetchval("SELECT count(*) FROM users") == 0
        ok = {"email": "dup@example.com", "name": "D", "password": PASSWORD}
        assert (await c.post("/api/v1/auth/register", json=ok)).status_code == 201
        first = await c.post("/api/v1/auth/register", json={**ok, "email": "new@example.com"})
        dup = await c.post("/api/v1/auth/register", json={**ok, "email": "DUP@example.com"})
        # a taken email gets the very same answer as a new one, and changes nothing
        assert dup.status_code == first.status_code == 201
        assert dup.content == first.content
        assert await api.db.fetchval("SELECT count(*) FROM users") == 2


async def test_oversized_body_is_413(api: Api) -> None:
    async with api.client(headers={"X-CSRF": "1"}) as c:
        r = await c.post("/api/v1/auth/register", json={"email": "a@b.c", "name": "x" * 70_000,
                                                         "password": PASSWORD})
        assert r.status_code == 413
        assert error_of(r)["code"] == "payload_too_large"


async def test_profile_and_password(api: Api, alice, bob) -> None:
    r = await alice.patch("/api/v1/me", json={"name": "Alice B"})
    assert r.status_code == 200 and r.json()["user"]["name"] == "Alice B"
    r = await alice.patch("/api/v1/me", json={"email": "BOB@example.com"})
    assert r.status_code == 422  # not 409 "taken": see test_email_change_does_not_reveal_users
    r = await alice.patch("/api/v1/me", json={"name": None})
    assert r.status_code == 422 and error_of(r)["fields"] == {"name": "must not be null"}
    r = await alice.patch("/api/v1/me", json={"email": "Alice2@Example.com"})
    assert r.json()["user"]["email"] == "alice2@example.com"

    # a second session of alice's, which the password change ends
    async with api.client(headers={"X-CSRF": "1"}) as other:
        await other.post("/api/v1/auth/login",
                         json={"email": "alice2@example.com", "password": PASSWORD})
        assert (await other.get("/api/v1/me")).status_code == 200
        r = await alice.post("/api/v1/me/password",
                             json={"current_password": "wrong-password", "new_password": "n" * 12})
        assert r.status_code == 422 and "current_password" in error_of(r)["fields"]
        assert error_of(r)["field_codes"] == {"current_password": "wrong_password"}
        r = await alice.post("/api/v1/me/password",
                             json={"current_password": PASSWORD, "new_password": "short"})
        assert r.status_code == 422 and "new_password" in error_of(r)["fields"]
        r = await alice.post("/api/v1/me/password",
                             json={"current_password": PASSWORD, "new_password": "n" * 12})
        assert r.status_code == 204
        assert (await alice.get("/api/v1/me")).status_code == 200  # this session lives on
        assert (await other.get("/api/v1/me")).status_code == 401
    async with api.client(headers={"X-CSRF": "1"}) as c:
        old = await c.post("/api/v1/auth/login",
                           json={"email": "alice2@example.com", "password": PASSWORD})
        assert old.status_code == 401
        new = await c.post("/api/v1/auth/login",
                           json={"email": "alice2@example.com", "password": "n" * 12})
        assert new.status_code == 200
    stored = await api.db.fetchval("SELECT hashed_password FROM users WHERE name = 'Alice B'")
    assert stored.startswith("$argon2id$")


async def test_csrf_cross_site_form_post_fails(api: Api, alice) -> None:
    cookie = alice.cookies["ct_session"]
    async with api.client(cookies={"ct_session": cookie}) as browser:
        # what a cross-site <form method=post> would send: cookie, form encoding, no header
        r = await browser.post("/api/v1/tokens", content=b"name=evil", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://evil.example"})
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
        r = await browser.post("/api/v1/accounts", json={"name": "X", "role": "master"})
        assert r.status_code == 403
        r = await browser.post("/api/v1/auth/logout")
        assert r.status_code == 403
        assert (await browser.get("/api/v1/me")).status_code == 200  # GET needs no header
        r = await browser.post("/api/v1/tokens", json={"name": "ok"},
                               headers={"X-CSRF": "1"})
        assert r.status_code == 201
    assert await api.db.fetchval("SELECT count(*) FROM trading_accounts") == 0
    assert await api.db.fetchval("SELECT count(*) FROM api_tokens") == 1
    # a cross-site login form cannot log the victim in as the attacker either
    async with api.client() as c:
        r = await c.post("/api/v1/auth/login", json={"email": "alice@example.com",
                                                      "password": PASSWORD})
        assert r.status_code == 403


async def test_login_throttled_per_account_and_address(api: Api, alice) -> None:
    async with api.client(headers={"X-CSRF": "1"}) as c:
        bad = {"email": "alice@example.com", "password": "wrong password!"}
        for _ in range(5):
            assert (await c.post("/api/v1/auth/login", json=bad)).status_code == 401
        r = await c.post("/api/v1/auth/login", json={**bad, "password": PASSWORD})
        assert r.status_code == 429 and error_of(r)["code"] == "rate_limited"
        assert int(r.headers["Retry-After"]) >= 1
        # per address: unknown emails count against the address too (8 in the test config)
        for i in range(3):
            r = await c.post("/api/v1/auth/login",
                             json={"email": f"x{i}@example.com", "password": "whatever1234"})
            assert r.status_code == 401
        r = await c.post("/api/v1/auth/login",
                         json={"email": "fresh@example.com", "password": "whatever1234"})
        assert r.status_code == 429


async def test_unknown_route_and_method(api: Api, alice) -> None:
    r = await alice.get("/api/v1/nope")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = await alice.put("/api/v1/me", json={})
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"


async def test_password_change_revokes_every_personal_access_token(api: Api, alice, bob) -> None:
    secrets = []
    for name in ("script", "ci"):
        r = await alice.post("/api/v1/tokens", json={"name": name})
        assert r.status_code == 201
        secrets.append(r.json()["secret"])
    bobs = (await bob.post("/api/v1/tokens", json={"name": "bob's"})).json()["secret"]
    async with api.client(headers={"Authorization": f"Bearer {secrets[0]}"}) as script:
        assert (await script.get("/api/v1/me")).status_code == 200
        # Changed through a token: that token ends too (every token does), no session is kept.
        r = await script.post("/api/v1/me/password",
                              json={"current_password": PASSWORD, "new_password": "n" * 12})
        assert r.status_code == 204
        assert (await script.get("/api/v1/me")).status_code == 401
    for secret in secrets[1:]:
        async with api.client(headers={"Authorization": f"Bearer {secret}"}) as c:
            assert (await c.get("/api/v1/me")).status_code == 401
    assert (await alice.get("/api/v1/me")).status_code == 401  # the cookie session too
    assert (await alice.get("/api/v1/tokens")).status_code == 401
    async with api.client(headers={"Authorization": f"Bearer {bobs}"}) as c:
        assert (await c.get("/api/v1/me")).status_code == 200  # other users are untouched
    async with api.client(headers={"X-CSRF": "1"}) as c:
        r = await c.post("/api/v1/auth/login",
                         json={"email": "alice@example.com", "password": "n" * 12})
        assert r.status_code == 200
        assert (await c.get("/api/v1/tokens")).json()["items"] == []


async def test_email_change_does_not_reveal_users(api: Api, alice, bob) -> None:
    """An address another user has is refused with a generic 422 that says nothing of an
    account; refusals are limited per user (TEST_SECURITY: 5 an hour), then 429."""
    r = await alice.patch("/api/v1/me", json={"email": "bob@example.com", "name": "X"})
    assert r.status_code == 422, r.text
    error = error_of(r)
    assert error == {"code": "validation_failed", "message": "This email cannot be used.",
                     "fields": {"email": "cannot be used; choose another address"},
                     "message_code": "email_cannot_be_used", "params": {},
                     "field_codes": {"email": "email_unusable"},
                     "field_params": {"email": {}}}
    assert "exist" not in r.text and "taken" not in r.text and "bob" not in r.text
    me = (await alice.get("/api/v1/me")).json()["user"]
    assert me["email"] == "alice@example.com" and me["name"] == "Alice"  # nothing changed
    for _ in range(4):
        r = await alice.patch("/api/v1/me", json={"email": "BOB@example.com"})
        assert r.status_code == 422
    r = await alice.patch("/api/v1/me", json={"email": "bob@example.com"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert error_of(r)["code"] == "rate_limited"
    # the limit is alice's only: bob changes his address, and alice's name still changes
    r = await bob.patch("/api/v1/me", json={"email": "bob2@example.com"})
    assert r.status_code == 200 and r.json()["user"]["email"] == "bob2@example.com"
    r = await alice.patch("/api/v1/me", json={"name": "Alice C"})
    assert r.status_code == 200 and r.json()["user"]["name"] == "Alice C"
    # malformed input is still a field error of its own
    r = await alice.patch("/api/v1/me", json={"email": "not-an-address"})
    assert r.status_code == 422 and "email" in error_of(r)["fields"]
