"""A master whose session is cut while the server works through its signals loses none.

The gateway handles one line at a time; when the session is closed (a newer login of the same
account, an idle timeout) the line being handled is cancelled. Before the fix, a cancellation
that landed after the signal was committed but before it reached the master's fan-out lost
it: the EA resends what got no STORED, the resend is not new, so nothing fanned it out and the
online followers never got it (tests/engine/test_slow_consumer.py stalled at 1498/1500 under
load this way, through the idle watchdog).
"""

from decimal import Decimal

import trio

from copytrade.protocol import Auth, encode

OPENS = 400
CUTS = 6


async def _replace_master_session(port: int, api_key: str) -> None:
    """Log in as the master from another connection (the sim's session is REPLACED)."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    try:
        await stream.send_all(encode(Auth(api_key=api_key, version=1, master_token=None,
                                          client="cutter")))
        with trio.move_on_after(5):
            data = b""
            while b"\n" not in data:
                chunk = await stream.receive_some(4096)
                if not chunk:
                    break
                data += chunk
    finally:
        await stream.aclose()


async def test_signals_stored_while_the_master_session_is_cut_all_reach_the_followers(
    server, world
):
    w = world
    master, msim = await w.master()
    followers = [await w.follower(master) for _ in range(2)]
    key = msim.api_key
    tickets = [await msim.open(volume=Decimal("0.10"), tp=Decimal(2 + i)) for i in range(OPENS)]
    # Cut the session repeatedly while the server is still storing the burst.
    for _ in range(CUTS):
        await trio.sleep(0.05)
        await _replace_master_session(server.ea_port, key)
    with trio.fail_after(60):
        await msim.wait_stored(60)
        for _a, fsim in followers:
            await fsim.wait_for(lambda f=fsim: len(f.positions) == len(tickets), 60)
    assert msim.logins > 1  # the cuts did land
    for account, fsim in followers:
        assert set(fsim.positions) == set(tickets)
        assert len(fsim.open_log) == len(tickets)  # none opened twice
        assert len(await w.pairs(account.id)) == len(tickets)
