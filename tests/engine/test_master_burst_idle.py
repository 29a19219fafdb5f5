"""A master's burst the server is still working through is not idleness.

The idle watchdog used to look only at when bytes last arrived; a burst of signals that sits
in the server's read buffer while each is stored (a database round trip apiece) made a busy
master look silent, and it was dropped with IDLE_TIMEOUT in the middle of its own burst.
"""

from decimal import Decimal

import attrs
import pytest
import trio

from copytrade.protocol import Error

OPENS = 2000


@pytest.fixture
def server_settings(server_settings):
    return attrs.evolve(server_settings, ea_idle_timeout=2.0)


async def test_a_long_burst_keeps_the_master_session(server, world):
    w = world
    _master, msim = await w.master()
    for i in range(OPENS):
        await msim.open(volume=Decimal("0.10"), tp=Decimal(2 + i))
    with trio.fail_after(120):
        await msim.wait_stored(120)
    idle = [m for m in msim.received if isinstance(m, Error) and m.code.value == "IDLE_TIMEOUT"]
    assert idle == []
    assert msim.logins == 1
