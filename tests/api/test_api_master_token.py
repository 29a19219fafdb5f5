"""Rotating a master token on its own: the API key and current followers stay; the old token
no longer lets anyone follow, and a follower EA still configured with it is told why."""

from __future__ import annotations

import pytest

from copytrade.db.master_tokens import ROTATED_TEXT
from copytrade.sim.link import LinkError

from apitools import Api, error_of


async def test_rotate_master_token(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    mid, old_token, key = m["account"]["id"], m["account"]["master_token"], m["api_key"]
    f = (await bob.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    fid = f["account"]["id"]
    late = (await bob.post("/api/v1/accounts", json={"name": "G", "role": "follower"})).json()
    r = await bob.put(f"/api/v1/accounts/{fid}/following", json={"master_token": old_token})
    assert r.status_code == 200

    r = await alice.post(f"/api/v1/accounts/{mid}/rotate-master-token")
    assert r.status_code == 200, r.text
    account = r.json()["account"]
    new_token = account["master_token"]
    assert new_token.startswith("MST-") and new_token != old_token
    assert account["api_key_prefix"] == m["account"]["api_key_prefix"]  # the key is unchanged
    link = await api.ea(key)  # ... and still logs in
    await link.aclose()

    # the current follower still follows; following with the old token is refused, clearly
    assert (await bob.get(f"/api/v1/accounts/{fid}")).json()["account"]["following_id"] == mid
    lid = late["account"]["id"]
    r = await bob.put(f"/api/v1/accounts/{lid}/following", json={"master_token": old_token})
    assert r.status_code == 422 and error_of(r)["fields"] == {"master_token": ROTATED_TEXT}
    assert error_of(r)["field_codes"] == {"master_token": "master_token_rotated"}
    r = await bob.put(f"/api/v1/accounts/{lid}/following",
                      json={"master_token": "MST-never-existed-0000"})
    assert error_of(r)["fields"] == {"master_token": "no master account has this token"}
    assert error_of(r)["field_codes"] == {"master_token": "unknown_master_token"}
    r = await bob.put(f"/api/v1/accounts/{lid}/following", json={"master_token": new_token})
    assert r.status_code == 200

    # a follower EA whose input still holds the old token: refused at login, told why
    with pytest.raises(LinkError) as refused:
        await api.ea(f["api_key"], master_token=old_token)
    assert refused.value.code == "UNKNOWN_MASTER_TOKEN"
    assert "rotated" in str(refused.value)
    link = await api.ea(f["api_key"])  # with the token left empty it follows as before
    await link.aclose()
    link = await api.ea(f["api_key"], master_token=new_token)
    await link.aclose()

    # not a master, not yours, unknown: refused, nothing changes
    r = await bob.post(f"/api/v1/accounts/{fid}/rotate-master-token")
    assert r.status_code == 409
    assert (await bob.post(f"/api/v1/accounts/{mid}/rotate-master-token")).status_code == 404
    assert (await alice.post("/api/v1/accounts/999999/rotate-master-token")).status_code == 404
    after = (await alice.get(f"/api/v1/accounts/{mid}")).json()["account"]["master_token"]
    assert after == new_token
    # twice in a row: both old tokens are retired
    r = await alice.post(f"/api/v1/accounts/{mid}/rotate-master-token")
    assert r.status_code == 200
    assert await api.db.fetchval("SELECT count(*) FROM retired_master_tokens") == 2
