"""Who may register (open / invite / closed), invite codes, and the admin's user controls,
over a real server and database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from copytrade.db.database import Database
from copytrade.domain import keys
from copytrade.sim.link import LinkError

from apitools import PASSWORD, Api, dropped, error_codes, error_of, start_api


@pytest.fixture
async def invite_api(db: Database, nursery: trio.Nursery) -> AsyncIterator[Api]:
    """A server with the default registration mode (invite)."""
    server = await start_api(nursery, db, registration="invite")
    yield server
    await server.stop()


async def register(c: httpx.AsyncClient, email: str, **extra: str) -> httpx.Response:
    return await c.post("/api/v1/auth/register",
                        json={"email": email, "name": "N", "password": PASSWORD, **extra})


async def login(api: Api, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
    c = api.client(headers={"X-CSRF": "1"})
    r = await c.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return c


async def test_invite_mode_first_user_is_admin_then_invites(invite_api: Api) -> None:
    api = invite_api
    async with api.client(headers={"X-CSRF": "1"}) as anon:
        info = (await anon.get("/api/v1/auth/registration")).json()
        assert info == {"mode": "invite", "invite_required": False}
        assert (await register(anon, "admin@example.com")).status_code == 201
        assert (await anon.get("/api/v1/auth/registration")).json()["invite_required"] is True

        # without, or with a bad invite: a clear 422 on invite_code, nobody created
        for extra in ({}, {"invite_code": "INV-nope"}, {"invite_code": ""}):
            r = await register(anon, "bob@example.com", **extra)
            assert r.status_code == 422, r.text
            assert set(error_of(r)["fields"]) == {"invite_code"}
        r = await register(anon, "bob@example.com", invite_code="x" * 101)
        assert r.status_code == 422
        assert await api.db.fetchval("SELECT count(*) FROM users") == 1

    admin = await login(api, "admin@example.com")
    assert (await admin.get("/api/v1/me")).json()["user"]["is_admin"] is True
    r = await admin.post("/api/v1/admin/invites", json={"note": "for Bob"})
    assert r.status_code == 201, r.text
    code, invite = r.json()["code"], r.json()["invite"]
    assert code.startswith("INV-") and invite["status"] == "active"
    assert invite["note"] == "for Bob" and code.startswith(invite["prefix"])
    stored = bytes(await api.db.fetchval("SELECT code_hash FROM invites"))
    assert stored == keys.hash_secret(code) and code.encode() not in stored  # hashed

    async with api.client(headers={"X-CSRF": "1"}) as anon:
        assert (await register(anon, "bob@example.com", invite_code=code)).status_code == 201
        r = await register(anon, "carol@example.com", invite_code=code)  # single use
        assert r.status_code == 422 and "invite_code" in error_of(r)["fields"]
    bob = await login(api, "bob@example.com")
    assert (await bob.get("/api/v1/me")).json()["user"]["is_admin"] is False
    listed = (await admin.get("/api/v1/admin/invites")).json()["items"]
    assert [(i["status"], i["used_by_email"]) for i in listed] == [("used", "bob@example.com")]

    # an expired invite and a revoked one are refused
    expired = (await admin.post("/api/v1/admin/invites", json={})).json()
    await api.db.execute("UPDATE invites SET created_at = now() - interval '2 days', "
                         "expires_at = now() - interval '1 second' WHERE id = $1",
                         expired["invite"]["id"])
    revoked = (await admin.post("/api/v1/admin/invites", json={})).json()
    assert (await admin.delete(f"/api/v1/admin/invites/{revoked['invite']['id']}")
            ).status_code == 204
    assert (await admin.delete(f"/api/v1/admin/invites/{revoked['invite']['id']}")
            ).status_code == 409
    assert (await admin.delete("/api/v1/admin/invites/999999")).status_code == 404
    async with api.client(headers={"X-CSRF": "1"}) as anon:
        for c in (expired["code"], revoked["code"]):
            r = await register(anon, "carol@example.com", invite_code=c)
            assert r.status_code == 422, r.text
    statuses = {i["id"]: i["status"] for i in
                (await admin.get("/api/v1/admin/invites")).json()["items"]}
    assert statuses[expired["invite"]["id"]] == "expired"
    assert statuses[revoked["invite"]["id"]] == "revoked"

    # bad invite bodies change nothing
    before = await api.db.fetchval("SELECT count(*) FROM invites")
    for body in ({"expires_in_hours": 0}, {"expires_in_hours": 10**6}, {"note": "n" * 201},
                 {"expires_in_hours": "24"}, {"code": "mine"}):
        r = await admin.post("/api/v1/admin/invites", json=body)
        assert r.status_code == 422, (body, r.text)
    assert await api.db.fetchval("SELECT count(*) FROM invites") == before

    # a non-admin may not touch the admin API
    for method, path in (("GET", "/api/v1/admin/users"), ("GET", "/api/v1/admin/invites"),
                         ("POST", "/api/v1/admin/invites"),
                         ("POST", "/api/v1/admin/users/1/disable"),
                         ("DELETE", "/api/v1/admin/users/1/sessions")):
        r = await bob.request(method, path, json={} if method == "POST" else None)
        assert r.status_code == 403, (path, r.text)
    async with api.client() as anon:
        assert (await anon.get("/api/v1/admin/users")).status_code == 401
    for c in (admin, bob):
        await c.aclose()


async def test_taken_email_answers_like_a_new_one_and_spends_the_invite(invite_api: Api) -> None:
    api = invite_api
    async with api.client(headers={"X-CSRF": "1"}) as anon:
        await register(anon, "admin@example.com")
    admin = await login(api, "admin@example.com")
    one = (await admin.post("/api/v1/admin/invites", json={})).json()["code"]
    two = (await admin.post("/api/v1/admin/invites", json={})).json()["code"]
    async with api.client(headers={"X-CSRF": "1"}) as anon:
        new = await register(anon, "new@example.com", invite_code=one)
        taken = await register(anon, "ADMIN@example.com", invite_code=two)
        assert new.status_code == taken.status_code == 201
        assert new.content == taken.content
        assert dict(new.headers).keys() == dict(taken.headers).keys()
        # the invite is spent either way (whether it was would tell the email exists)
        r = await register(anon, "other@example.com", invite_code=two)
        assert r.status_code == 422
    # the taken email's password did not change
    assert (await login(api, "admin@example.com")).cookies
    await admin.aclose()


async def test_closed_and_open_modes(db: Database, nursery: trio.Nursery) -> None:
    closed = await start_api(nursery, db, registration="closed")
    async with closed.client(headers={"X-CSRF": "1"}) as anon:
        assert (await anon.get("/api/v1/auth/registration")).json() == {
            "mode": "closed", "invite_required": False}
        r = await register(anon, "first@example.com")
        assert r.status_code == 403 and "closed" in error_of(r)["message"]
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    await closed.stop()

    opened = await start_api(nursery, db, registration="open")
    async with opened.client(headers={"X-CSRF": "1"}) as anon:
        for email in ("a@example.com", "b@example.com"):
            assert (await register(anon, email)).status_code == 201
    admins = await db.fetch("SELECT email FROM users WHERE is_admin ORDER BY id")
    assert [r["email"] for r in admins] == ["a@example.com"]
    await opened.stop()


async def test_first_registrations_racing_make_one_admin(invite_api: Api) -> None:
    async with invite_api.client(headers={"X-CSRF": "1"}) as anon, trio.open_nursery() as n:
        for i in range(4):
            n.start_soon(register, anon, f"u{i}@example.com")
    assert await invite_api.db.fetchval("SELECT count(*) FROM users") == 1
    assert await invite_api.db.fetchval("SELECT bool_and(is_admin) FROM users")


async def test_admin_disables_enables_and_ends_sessions(api: Api) -> None:
    admin = await api.user("alice@example.com")  # the first user: the admin
    victim = await api.user("bob@example.com")
    bob_id = (await victim.get("/api/v1/me")).json()["user"]["id"]
    token = (await victim.post("/api/v1/tokens", json={"name": "script"})).json()["secret"]
    r = await victim.post("/api/v1/accounts", json={"name": "B", "role": "master"})
    key = r.json()["api_key"]
    link = await api.ea(key)

    r = await admin.get("/api/v1/admin/users")
    assert r.status_code == 200, r.text
    users = r.json()["items"]
    row = next(u for u in users if u["id"] == bob_id)
    assert row["accounts"] == 1 and row["sessions"] == 1 and row["disabled_at"] is None
    assert [u["is_admin"] for u in users] == [True, False]

    r = await admin.post(f"/api/v1/admin/users/{bob_id}/disable")
    assert r.status_code == 200 and r.json()["user"]["disabled_at"] is not None
    assert r.json()["user"]["sessions"] == 0
    assert "ACCOUNT_INACTIVE" in error_codes(await dropped(link))
    assert (await victim.get("/api/v1/me")).status_code == 401  # session ended
    async with api.client(headers={"Authorization": f"Bearer {token}"}) as script:
        assert (await script.get("/api/v1/me")).status_code == 401  # token refused
    async with api.client(headers={"X-CSRF": "1"}) as c:
        r = await c.post("/api/v1/auth/login",
                         json={"email": "bob@example.com", "password": PASSWORD})
        assert r.status_code == 403 and "disabled" in error_of(r)["message"]
        r = await c.post("/api/v1/auth/login",  # a wrong password still says only 401
                         json={"email": "bob@example.com", "password": "wrong-password"})
        assert r.status_code == 401
    with pytest.raises(LinkError):
        await api.ea(key)  # the EA key is refused too

    admin_id = (await admin.get("/api/v1/me")).json()["user"]["id"]
    r = await admin.post(f"/api/v1/admin/users/{admin_id}/disable")
    assert r.status_code == 409  # an admin cannot lock themselves (or another admin) out
    for path in ("/api/v1/admin/users/999999/disable", "/api/v1/admin/users/999999/enable"):
        assert (await admin.post(path)).status_code == 404
    assert (await admin.delete("/api/v1/admin/users/999999/sessions")).status_code == 404
    assert (await admin.post("/api/v1/admin/users/abc/disable")).status_code == 404

    r = await admin.post(f"/api/v1/admin/users/{bob_id}/enable")
    assert r.status_code == 200 and r.json()["user"]["disabled_at"] is None
    again = await login(api, "bob@example.com")
    other = await login(api, "bob@example.com")
    link = await api.ea(key)  # the key works again
    await link.aclose()

    r = await admin.delete(f"/api/v1/admin/users/{bob_id}/sessions")
    assert r.status_code == 200 and r.json() == {"ended": 2}
    assert (await again.get("/api/v1/me")).status_code == 401
    assert (await other.get("/api/v1/me")).status_code == 401
    assert (await admin.get("/api/v1/me")).status_code == 200  # the admin's own is untouched
    for c in (again, other, admin, victim):
        await c.aclose()
