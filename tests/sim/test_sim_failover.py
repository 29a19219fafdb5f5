"""The simulators fail over like the EAs (docs/protocol.md §5): the first address refuses,
the sim logs in at the next one and resyncs; a logged-in link that drops retries its own
address first. ``copytrade sim --servers`` refuses malformed lists before connecting."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import pytest
import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role
from copytrade.protocol.servers import ServerAddress
from copytrade.sim.cli import add_arguments
from copytrade.sim.follower import FollowerSim
from copytrade.sim.master import MasterSim

COPYTRADE = str(Path(sys.executable).parent / "copytrade")
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_sims_skip_a_refusing_address_and_resync_at_the_next(server, nursery) -> None:
    user = await UserRepository(server.db).create(email="fo@example.com", name="F",
                                                  hashed_password=HASH)
    repo = AccountRepository(server.db)
    master = await repo.create(user.id, name="M", role=Role.MASTER)
    follower = await repo.create(user.id, name="F", role=Role.FOLLOWER)
    dead = ServerAddress("127.0.0.1", refused_port())
    live = ServerAddress("127.0.0.1", server.ea_port)
    with trio.fail_after(20):
        m = MasterSim("unused.invalid", 1, master.api_key, servers=(dead, live))
        await nursery.start(m.run)
        assert m.failover.attempts == [dead, live] and m.logins == 1
        ticket = await m.open()
        await m.wait_stored()
        # The follower logs in after the trade: its login resync brings the copy.
        f = FollowerSim("unused.invalid", 1, follower.api_key, servers=(dead, live),
                        master_token=master.account.master_token)
        await nursery.start(f.run)
        assert f.failover.attempts == [dead, live]
        await f.wait_for(lambda: ticket in f.positions)
        # A drop after login: the same address first (it still answers).
        await f.drop_connection()
        await f.wait_for(lambda: f.logins == 2)
        assert f.failover.attempts == [dead, live, live]
        assert list(f.positions) == [ticket] and f.open_log == [ticket]
        f.stop()
        m.stop()


async def test_without_servers_the_sim_uses_host_and_port() -> None:
    sim = FollowerSim("127.0.0.1", 5555, "unused")
    assert sim.failover.addresses == (ServerAddress("127.0.0.1", 5555),)


@pytest.mark.parametrize(("args", "words"), [
    (["--servers", "127.0.0.1:0"], "out of range"),
    (["--servers", "a:5555,,b:5555"], "entry 2 is empty"),
    (["--servers", "a:5555,A:5555"], "listed twice"),
    (["--servers", "a:99999"], "out of range"),
    (["--servers", "[::1]:5555"], "IPv6"),
    (["--port", "70000"], "out of range"),
    (["--port", "x"], "not a port number"),
])
def test_malformed_addresses_are_refused_by_the_parser(
        args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["master", "--api-key", "k", *args])
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err


@pytest.mark.parametrize(("args", "words"), [
    (["--servers", "a:5555,,b:5555"], "entry 2 is empty"),
    (["--host", "a b"], "--host/--port: the host: the host 'a b' contains"),
])
async def test_the_command_refuses_them_before_connecting(args: list[str], words: str) -> None:
    with trio.fail_after(60):
        done = await trio.run_process([COPYTRADE, "sim", "master", "--api-key", "k", *args],
                                      capture_stdout=True, capture_stderr=True, check=False)
    assert done.returncode == 2, done
    assert words in done.stderr.decode(), done.stderr


async def test_a_server_that_accepts_but_never_answers_is_failed_over(server, nursery) -> None:
    """A stopped (SIGSTOP) node still completes TCP connects (the kernel accepts): no OK within
    the connect timeout counts as a failed attempt, and the next address is tried."""
    user = await UserRepository(server.db).create(email="so@example.com", name="S",
                                                  hashed_password=HASH)
    master = await AccountRepository(server.db).create(user.id, name="M", role=Role.MASTER)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)                       # never accepts, never answers
        mute = ServerAddress("127.0.0.1", silent.getsockname()[1])
        live = ServerAddress("127.0.0.1", server.ea_port)
        with trio.fail_after(20):
            m = MasterSim("unused.invalid", 1, master.api_key, servers=(mute, live),
                          connect_timeout=0.5)
            await nursery.start(m.run)
            assert m.failover.attempts == [mute, live] and m.logins == 1
            m.stop()
