"""GET /api/v1/accounts/{id}/orders: a master's pending orders, a follower's copies of them."""

from __future__ import annotations

from apitools import Api, error_of


async def test_orders_for_master_and_follower(api: Api, alice, bob) -> None:
    m = (await alice.post("/api/v1/accounts", json={"name": "M", "role": "master"})).json()
    f = (await alice.post("/api/v1/accounts", json={"name": "F", "role": "follower"})).json()
    mid, fid = m["account"]["id"], f["account"]["id"]
    oids = []
    for ticket, order_type in ((11, "BUY_LIMIT"), (12, "SELL_STOP")):
        oids.append(await api.db.fetchval(
            "INSERT INTO master_orders (account_id, ticket, symbol, order_type, price, volume, "
            "sl, tp) VALUES ($1, $2, 'EURUSD', $3, 1.08, 0.1, 1.07, 1.09) RETURNING id",
            mid, ticket, order_type))
    await api.db.execute(
        "INSERT INTO order_pairs (order_id, account_id, status, symbol, order_type, volume, "
        "price, sl, tp, slave_ticket) VALUES ($1, $2, 'PLACED', 'EURUSD.m', 'SELL_STOP', 0.2, "
        "1.08, 1.09, 1.07, 990)", oids[0], fid)

    page = (await alice.get(f"/api/v1/accounts/{mid}/orders")).json()
    assert [o["ticket"] for o in page["items"]] == [12, 11]
    first = page["items"][1]
    assert (first["order_type"], first["price"], first["status"], first["copy_status"]) == (
        "BUY_LIMIT", "1.08", "PLACED", None)

    page = (await alice.get(f"/api/v1/accounts/{fid}/orders")).json()
    assert len(page["items"]) == 1
    copy = page["items"][0]
    assert (copy["ticket"], copy["copy_status"], copy["copy_order_type"], copy["copy_volume"],
            copy["copy_sl"], copy["slave_ticket"]) == (11, "PLACED", "SELL_STOP", "0.20",
                                                        "1.09", 990)
    assert copy["master_account_id"] == mid

    assert (await alice.get(f"/api/v1/accounts/{mid}/orders",
                            params={"limit": 1})).json()["items"][0]["ticket"] == 12
    r = await alice.get(f"/api/v1/accounts/{mid}/orders", params={"limit": 0})
    assert r.status_code == 422 and error_of(r)["fields"]
    r = await alice.get(f"/api/v1/accounts/{mid}/orders", params={"limit": "x"})
    assert r.status_code == 422
    r = await bob.get(f"/api/v1/accounts/{mid}/orders")  # not Bob's account
    assert r.status_code == 404
