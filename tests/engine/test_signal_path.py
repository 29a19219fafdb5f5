"""End to end over real TCP and PostgreSQL: masters and followers as simulated EAs."""

from decimal import Decimal

from helpers import World

from copytrade.domain.models import Side


async def test_pubsub_reaches_every_follower_and_acks_open_pairs(server, nursery):
    w = World(server, nursery)
    await w.setup_user()
    master, msim = await w.master()
    followers = [await w.follower(master) for _ in range(3)]
    ticket = await msim.open("EURUSD", Side.BUY, Decimal("0.10"), Decimal("1.08450"),
                             Decimal("1.08000"), Decimal("1.09000"))
    await msim.wait_stored()
    for _account, fsim in followers:
        await fsim.wait_for(lambda f=fsim: ticket in f.positions)
        pos = fsim.positions[ticket]
        assert (pos.symbol, pos.side, pos.volume) == ("EURUSD", Side.BUY, Decimal("0.10"))
    rows = await w.wait_pairs(lambda r: len(r) == 3 and all(p["status"] == "OPEN" for p in r))
    assert {r["account_id"] for r in rows} == {a.id for a, _ in followers}
    assert all(r["slave_ticket"] and r["sent_at"] and r["acked_at"] for r in rows)
