"""End to end over real TCP and PostgreSQL: masters and followers as simulated EAs."""

from decimal import Decimal

from copytrade.domain.models import CopyMode, Side


async def test_pubsub_reaches_every_follower_and_acks_open_pairs(server, world):
    w = world
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


async def test_one_to_one_reaches_only_the_partner(server, world):
    w = world
    master, msim = await w.master()
    partner, psim = await w.follower(master)  # a 1TO1 partner is one of the master's followers
    _bystander, bsim = await w.follower(master)
    await w.control.set_partner(master.id, w.user_id, partner.id)
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.ONE_TO_ONE)
    ticket = await msim.open()
    await psim.wait_for(lambda: ticket in psim.positions)
    rows = await w.wait_pairs(lambda r: len(r) == 1 and r[0]["status"] == "OPEN")
    assert rows[0]["account_id"] == partner.id
    assert ticket not in bsim.positions


async def test_a_1to1_partner_that_does_not_follow_the_master_gets_nothing(server, world):
    """A partner row from before the rule (set in the database, the API refuses it now):
    the fan-out and the login resync send 1TO1 copies only to one of the master's
    followers."""
    w = world
    master, msim = await w.master()
    stranger, ssim = await w.follower()  # follows no master
    await server.db.execute("UPDATE trading_accounts SET partner_id = $2 WHERE id = $1",
                            master.id, stranger.id)
    await server.engine.account_changed(master.id)
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.ONE_TO_ONE)
    ticket = await msim.open()
    await msim.wait_stored()
    await ssim.drop_connection()  # its login resync does not catch the open up either
    await w.synced(ssim)
    await server.engine.ledger.flush()
    assert ticket not in ssim.positions and ssim.opens_executed == 0
    assert await w.pairs(stranger.id) == []


async def test_record_mode_stores_and_sends_nothing(server, world):
    w = world
    master, msim = await w.master(CopyMode.RECORD)
    _f, fsim = await w.follower(master)
    ticket = await msim.open()
    await msim.wait_stored()
    await server.engine.ledger.flush()
    trade = await server.db.fetchrow("SELECT * FROM master_trades WHERE ticket = $1", ticket)
    assert trade is not None and trade["status"] == "OPEN"
    assert await w.pairs() == []
    assert fsim.positions == {}


async def test_live_mode_switch_applies_to_the_next_signal(server, world):
    w = world
    master, msim = await w.master(CopyMode.RECORD)
    _f, fsim = await w.follower(master)
    first = await msim.open()
    await msim.wait_stored()
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.PUBSUB)
    second = await msim.open()
    await fsim.wait_for(lambda: second in fsim.positions)
    assert first not in fsim.positions
    await w.control.set_copy_mode(master.id, w.user_id, CopyMode.RECORD)
    third = await msim.open()
    await msim.wait_stored()
    await server.engine.ledger.flush()
    assert third not in fsim.positions
    rows = await w.pairs()
    assert [r["master_ticket"] for r in rows] == [second]


async def test_repeated_open_and_resend_copy_nothing_twice(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    line = b"CMD_OPEN|BUY|EURUSD|1.08450|0.10|1.08000|1.09000|123456\n"
    await msim.send_raw(line)
    await fsim.wait_for(lambda: 123456 in fsim.positions)
    await msim.send_raw(line)  # the same line again (e.g. the EA did not see STORED)
    await msim.send_raw(line.replace(b"\n", b"\r\n"))
    await msim.wait_for(lambda: sum(
        1 for m in msim.received if getattr(m, "ticket", None) == 123456) >= 3)
    # Drop and reconnect the master: it resends its outbox; still one trade, one copy.
    await msim.link.aclose()
    await msim.wait_for(lambda: msim.logins >= 2)
    await server.engine.ledger.flush()
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 1
    rows = await w.wait_pairs(lambda r: len(r) == 1 and r[0]["status"] == "OPEN")
    assert fsim.opens_executed == 1
    opens = [m for m in fsim.received if type(m).__name__ == "CopyOpen"]
    assert len(opens) == 1
    assert rows[0]["slave_ticket"] == fsim.positions[123456].ticket


async def test_repeated_and_late_acks_change_nothing(server, world):
    w = world
    master, msim = await w.master()
    _follower, fsim = await w.follower(master)
    ticket = await msim.open()
    await fsim.wait_for(lambda: ticket in fsim.positions)
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "OPEN")
    before = dict(rows[0])
    # The same ACK again, an ACK with another slave ticket, and a NACK after the ACK.
    await fsim.link.stream.send_all(
        f"ACK_OPEN|{ticket}|{before['slave_ticket']}|0.10|BUY\n".encode()
        + f"ACK_OPEN|{ticket}|999|0.50|SELL\n".encode()
        + f"NACK_OPEN|{ticket}|10019|No money\n".encode() + b"PING|99\n")
    await fsim.wait_for(lambda: any(getattr(m, "seq", 0) == 99 for m in fsim.received))
    after = dict((await w.pairs())[0])
    assert after == before


async def test_nack_ends_failed_with_the_retcode(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master, reject_rate=1.0)
    ticket = await msim.open()
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "FAILED")
    assert rows[0]["retcode"] == 10019 and "No money" in rows[0]["reason"]
    assert rows[0]["master_ticket"] == ticket and ticket not in fsim.positions


async def test_close_and_modify_reach_the_copy(server, world):
    w = world
    master, msim = await w.master()
    _f, fsim = await w.follower(master)
    ticket = await msim.open(volume=Decimal("0.20"))
    await fsim.wait_for(lambda: ticket in fsim.positions)
    await msim.modify(ticket, Decimal("1.07000"), Decimal("1.10000"))
    await fsim.wait_for(lambda: fsim.positions[ticket].sl == Decimal("1.07000"))
    await msim.close(ticket, Decimal("0.10"))
    await fsim.wait_for(lambda: fsim.positions[ticket].volume == Decimal("0.10"))
    await msim.close(ticket)
    await fsim.wait_for(lambda: ticket not in fsim.positions)
    rows = await w.wait_pairs(lambda r: r and r[0]["status"] == "CLOSED")
    assert rows[0]["profit"] == Decimal("30.00") and rows[0]["closed_at"] is not None
    trade = await server.db.fetchrow("SELECT * FROM master_trades WHERE ticket = $1", ticket)
    assert trade["status"] == "CLOSED" and trade["open_volume"] == 0


async def test_unknown_ticket_is_an_error_and_changes_nothing(server, world):
    w = world
    _master, msim = await w.master()
    await msim.send_raw(b"CMD_CLOSE|4242|1|0.10|1.1|5|0|CLIENT\nCMD_MODIFY|4242|1.0|1.2\n")
    await msim.wait_for(lambda: sum(1 for m in msim.received
                                    if getattr(m, "code", None) is not None) >= 2)
    codes = [m.code.value for m in msim.received if hasattr(m, "code")]
    assert codes == ["UNKNOWN_TICKET", "UNKNOWN_TICKET"]
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 0


async def test_follower_cannot_send_master_signals(server, world):
    w = world
    _f, fsim = await w.follower()
    await fsim.link.stream.send_all(b"CMD_OPEN|BUY|EURUSD|1.1|0.1|0|0|77\n")
    await fsim.wait_for(lambda: fsim.errors != [])
    assert fsim.errors[0].code.value == "WRONG_ROLE"
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 0
