"""Personal access tokens: shown once, stored hashed, Bearer auth, revoke, throttling."""

from __future__ import annotations

from apitools import Api, error_of


async def test_token_lifecycle(api: Api, alice) -> None:
    r = await alice.post("/api/v1/tokens", json={"name": "script"})
    assert r.status_code == 201
    body = r.json()
    secret, token = body["secret"], body["token"]
    assert secret.startswith("ctp_") and token["prefix"] == secret[:12]
    assert set(token) == {"id", "name", "prefix", "created_at", "last_used_at"}
    assert token["last_used_at"] is None
    stored = await api.db.fetchval("SELECT token_hash FROM api_tokens")
    assert secret.encode() not in bytes(stored)

    listed = (await alice.get("/api/v1/tokens")).json()["items"]
    assert [t["id"] for t in listed] == [token["id"]] and "secret" not in listed[0]

    async with api.client(headers={"Authorization": f"Bearer {secret}"}) as script:
        me = await script.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["user"]["email"] == "alice@example.com"
        # Bearer requests need no CSRF header, even for unsafe methods
        r = await script.post("/api/v1/accounts", json={"name": "M", "role": "master"})
        assert r.status_code == 201
        assert (await alice.get("/api/v1/tokens")).json()["items"][0]["last_used_at"]

        assert (await alice.delete(f"/api/v1/tokens/{token['id']}")).status_code == 204
        r = await script.get("/api/v1/me")
        assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    assert (await alice.get("/api/v1/tokens")).json()["items"] == []
    assert (await alice.delete(f"/api/v1/tokens/{token['id']}")).status_code == 404


async def test_token_isolation(api: Api, alice, bob) -> None:
    tid = (await alice.post("/api/v1/tokens", json={"name": "a"})).json()["token"]["id"]
    r = await bob.delete(f"/api/v1/tokens/{tid}")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert (await bob.get("/api/v1/tokens")).json()["items"] == []
    assert len((await alice.get("/api/v1/tokens")).json()["items"]) == 1


async def test_token_validation(api: Api, alice) -> None:
    for body, field in [({}, "name"), ({"name": ""}, "name"), ({"name": 5}, "name"),
                        ({"name": "x" * 101}, "name"), ({"name": "a", "x": 1}, "x")]:
        r = await alice.post("/api/v1/tokens", json=body)
        assert r.status_code == 422, body
        assert field in error_of(r)["fields"]
    assert (await alice.get("/api/v1/tokens")).json()["items"] == []


async def test_bad_tokens_are_401_then_throttled(api: Api, alice) -> None:
    for header in ["Bearer ctp_not-a-real-token", "Bearer", "Basic abc", "Bearer sk_live_x",
                   "bearer ctp_also-wrong",
                   "Bearer " + "ctp_" + "a" * 500]:
        async with api.client(headers={"Authorization": header}) as c:
            r = await c.get("/api/v1/me")
            assert r.status_code == 401, header
    async with api.client(headers={"Authorization": "Bearer ctp_wrong"}) as c:
        r = await c.get("/api/v1/me")
        assert r.status_code == 429 and "Retry-After" in r.headers
    # even a good token from the throttled address waits
    secret = (await alice.post("/api/v1/tokens", json={"name": "t"})).json()["secret"]
    async with api.client(headers={"Authorization": f"Bearer {secret}"}) as c:
        assert (await c.get("/api/v1/me")).status_code == 429
