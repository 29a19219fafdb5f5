"""One user's trading accounts have distinct names (issue 17, finding 9); others may reuse them."""

from apitools import error_of


async def test_duplicate_names_are_refused_per_user(api, alice, bob) -> None:
    first = (await alice.post("/api/v1/accounts", json={"name": "Gold", "role": "master"})).json()
    r = await alice.post("/api/v1/accounts", json={"name": "  gold ", "role": "follower"})
    assert r.status_code == 409 and "name" in error_of(r)["fields"], r.text
    assert error_of(r)["field_codes"] == {"name": "name_taken"}
    assert len((await alice.get("/api/v1/accounts")).json()["items"]) == 1  # nothing created
    other = (await alice.post("/api/v1/accounts", json={"name": "Silver", "role": "follower"})
             ).json()["account"]
    r = await alice.patch(f"/api/v1/accounts/{other['id']}", json={"name": "GOLD"})
    assert r.status_code == 409 and "name" in error_of(r)["fields"]
    assert (await alice.get(f"/api/v1/accounts/{other['id']}")).json()["account"]["name"] == (
        "Silver")
    # Renaming to its own name (another case) is fine; so is another user's "Gold".
    r = await alice.patch(f"/api/v1/accounts/{first['account']['id']}", json={"name": "GOLD"})
    assert r.status_code == 200 and r.json()["account"]["name"] == "GOLD"
    assert (await bob.post("/api/v1/accounts", json={"name": "Gold", "role": "master"})
            ).status_code == 201
    assert (await bob.patch(f"/api/v1/accounts/{other['id']}", json={"name": "Gold"})
            ).status_code == 404
