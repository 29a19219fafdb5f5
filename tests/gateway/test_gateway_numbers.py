"""Numbers on the wire (issue 11, findings 5-7), over real TCP against a real PostgreSQL:
a number that does not fit its column is MALFORMED naming the field and changes nothing
(never INTERNAL, never rounded), and the server writes numbers in their shortest exact form."""

from __future__ import annotations

import time
from decimal import Decimal

from test_gateway import Raw, auth_line, make_account

from copytrade.domain.models import Role

from polling import eventually


async def test_numbers_that_do_not_fit_their_column_are_malformed_and_change_nothing(server):
    created = await make_account(server)
    raw = await Raw.connect(server.ea_port)
    bad = [  # (line, field the error names)
        (b"CMD_OPEN|BUY|EURUSD|1.1|99999999999999999999.5|0|0|101", "volume"),  # finding 5
        (b"CMD_OPEN|BUY|EURUSD|99999999999999999999|0.1|0|0|102", "price"),
        (b"CMD_OPEN|BUY|EURUSD|1.1|0.1|1000000000000|0|103", "sl"),
        (b"CMD_OPEN|BUY|EURUSD|1.123456789|0.1|0|0|104", "price"),  # finding 6
        (b"CMD_OPEN|BUY|EURUSD|1.1|0.123456|0|0|105", "volume"),  # finding 6
        (b"CMD_OPEN|BUY|EURUSD|1.1|0.1|0|0|106|99999999999999999", "open_time_ms"),
        (b"ACCOUNT|100000000000000000|100|0|USD|100", "balance"),
        (b"ACCOUNT|100|100.001|0|USD|100", "equity"),
        (b"ACCOUNT|100|100|99999999999|USD|100", "margin_level"),
        (b"ACCOUNT|100|100|0|USD|9999999999", "leverage"),
        (b"STOPOUT|50|-99999999999999999", "equity"),
    ]
    # A PING after each bad line: the server still answers (and the errors are not "in a row").
    await raw.send(await auth_line(created.api_key)
                   + b"".join(line + b"\nPING|%d\n" % i for i, (line, _) in enumerate(bad)))
    lines = await raw.read_lines(1 + 2 * len(bad))
    for i, (line, field) in enumerate(bad):
        answer, pong = lines[1 + 2 * i], lines[2 + 2 * i]
        assert answer.startswith(f"ERR|MALFORMED|{field}: "), (line, answer)
        assert pong == f"PONG|{i}"
    assert "out of range" in lines[1] and "too many decimals" in lines[7]
    assert await server.db.fetchval("SELECT count(*) FROM master_trades") == 0
    assert await server.db.fetchval("SELECT count(*) FROM account_states") == 0
    assert server.engine.metrics().get("stopouts_total", 0) == 0

    # The largest values that fit are stored exactly, and the account report too.
    await raw.send(b"CMD_OPEN|BUY|EURUSD|999999999999.99999999|99999999.9999|1.12345678|0|107\n"
                   b"ACCOUNT|9999999999999999.99|-12.5|9999999999.99|USD|2147483647\n"
                   b"PING|2\n")
    assert await raw.read_lines(2) == ["STORED|OPEN|107|0", "PONG|2"]
    row = await server.db.fetchrow("SELECT price, volume, sl FROM master_trades WHERE ticket = 107")
    assert row["price"] == Decimal("999999999999.99999999")
    assert row["volume"] == Decimal("99999999.9999") and row["sl"] == Decimal("1.12345678")
    await server.engine.ledger.flush()
    state = await eventually(lambda: server.db.fetchrow("SELECT * FROM account_states"),
                             lambda row: row is not None, timeout=5, interval=0.05)
    assert state["balance"] == Decimal("9999999999999999.99") and state["leverage"] == 2**31 - 1


async def test_a_follower_receives_numbers_in_their_shortest_exact_form(server):
    master = await make_account(server)
    control = server.engine.control
    follower = await control.create_account(master.account.user_id, name="F", role=Role.FOLLOWER)
    await control.follow(follower.account.id, master.account.user_id, master.account.master_token)

    f = await Raw.connect(server.ea_port)
    await f.send(await auth_line(follower.api_key) + b"SYM|EURUSD|0.01|100.00|0.01|5\n"
                 b"SYNC|1|0\nPING|1\n")
    assert (await f.read_lines(2))[1] == "PONG|1"
    m = await Raw.connect(server.ea_port)
    now_ms = int(time.time() * 1000)
    # The master writes trailing zeros; the database holds numeric(20,8) / numeric(14,4).
    await m.send(await auth_line(master.api_key)
                 + f"CMD_OPEN|BUY|EURUSD|1.08450|0.10|1.08000|1.09000|555|{now_ms}\n".encode()
                 + b"CMD_MODIFY|555|0.00000|1.09500\n")
    assert (await m.read_lines(3))[1:] == ["STORED|OPEN|555|0", "STORED|MODIFY|555|0"]
    got = await f.read_lines(2)
    assert got == ["OPEN|555|EURUSD|BUY|0.1|1.0845|1.08|1.09|0", "MODIFY|555|0|1.095"]
