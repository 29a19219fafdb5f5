"""A follower that stops reading is dropped; the master and the other followers go on."""

import socket
from decimal import Decimal

import attrs
import pytest
import trio

from copytrade.protocol import Auth, encode

from polling import eventually


@pytest.fixture
def server_settings(server_settings):
    return attrs.evolve(server_settings, ea_backlog_bytes=8192)


async def test_a_follower_that_stops_reading_does_not_delay_the_others(server, world):
    w = world
    master, msim = await w.master()
    healthy = [await w.follower(master) for _ in range(2)]
    stuck_account, stuck = await w.follower(master, connect=False)
    # A follower EA that logs in and then never reads again (small receive window).
    sock = trio.socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    await sock.connect(("127.0.0.1", server.ea_port))
    raw = trio.SocketStream(sock)
    await raw.send_all(encode(Auth(api_key=stuck.api_key, version=1, master_token=None,
                                   client="stuck")) + b"SYNC|0|0\n")
    await eventually(lambda: server.engine.live.get(stuck_account.id),
                     lambda live: live is not None and live.ready, timeout=5, interval=0.01)
    tickets = []
    with trio.fail_after(60):
        # Enough bytes to pass the kernel's socket buffers as well as the backlog (the wire
        # writes numbers in their shortest form, so each TP carries 8 decimals).
        for i in range(2500):
            tickets.append(await msim.open(volume=Decimal("0.10"),
                                           tp=Decimal(2 + i) + Decimal("0.12345678")))
        for _a, fsim in healthy:
            await fsim.wait_for(lambda f=fsim: len(f.positions) == len(tickets), 60)
        await msim.wait_stored(60)
        await eventually(lambda: stuck_account.id not in server.engine.sessions,
                         timeout=60, interval=0.01)
    assert server.engine.metrics()["slow_consumers_total"] == 1
    for _a, fsim in healthy:
        assert fsim.opens_executed == len(tickets)
    await raw.aclose()
