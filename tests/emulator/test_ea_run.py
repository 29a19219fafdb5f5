"""``copytrade ea run`` as a user runs it: a subprocess running the real, compiled EA against a
real server, driven by the example scenario files of mql5/scenarios/; malformed scenario files
and a missing g++ are refused with a clear message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from eaworld import HASH, EaWorld
from polling import NotYet, eventually

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "mql5" / "scenarios"
EXE = str(Path(sys.executable).with_name("copytrade"))


class Cli:
    """A running ``copytrade ea run ... --json``: its output lines, decoded as they arrive."""

    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self.events: list[dict[str, Any]] = []
        self.raw = b""
        self.done = trio.Event()

    async def read(self) -> None:
        assert self.process.stdout is not None
        buffer = b""
        async for data in self.process.stdout:
            self.raw += data
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            self.events += [json.loads(line) for line in lines if line.strip()]
        await self.process.wait()
        self.done.set()

    async def wait_for(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        def first() -> dict[str, Any] | None:
            found = next((e for e in self.events if predicate(e)), None)
            if found is None and self.done.is_set():
                raise AssertionError(f"ea run ended: {self.raw.decode()[-3000:]}")
            return found

        event: dict[str, Any] = await eventually(first, timeout=timeout, interval=0.05)
        return event

    def lines(self, kind: str, prefix: str = "") -> list[str]:
        return [e["line"] for e in self.events if e["ev"] == kind
                and e["line"].startswith(prefix)]

    def summary(self) -> dict[str, Any]:
        return next(e for e in self.events if e["ev"] == "summary")


async def start(nursery: trio.Nursery, *args: str) -> Cli:
    process = await trio.lowlevel.open_process([EXE, "ea", "run", *args, "--json"],
                                               stdout=subprocess.PIPE)
    cli = Cli(process)
    nursery.start_soon(cli.read)
    return cli


@pytest.mark.slow
async def test_master_scenario_is_copied_by_a_follower_run_from_the_command_line(
        world: EaWorld, nursery: trio.Nursery) -> None:
    master, mkey = await world.master_account()
    f, fkey = await world.follower_account(master)
    port = str(world.server.ea_port)
    follower = await start(nursery, "follower", "--api-key", fkey, "--master-token",
                           master.master_token, "--port", port, "--quiet")
    await follower.wait_for(lambda e: e["ev"] == "sent" and e["line"].startswith("SYNC|"))
    m = await start(nursery, "master", "--api-key", mkey, "--port", port, "--scenario",
                    str(SCENARIOS / "master-basic.json"))
    with trio.fail_after(60):
        await m.done.wait()
    assert m.process.returncode == 0, m.raw.decode()[-3000:]
    opened = [e["position"] for e in m.events if e["ev"] == "scenario" and e.get("do") == "open"]
    assert len(opened) == 2
    assert mkey not in m.raw.decode() and fkey not in follower.raw.decode()
    assert [line.split("|")[6] for line in m.lines("sent", f"CMD_CLOSE|{opened[0]}|")] == [
        "0.15", "0"]
    rows = await world.wait_pairs(f.id, lambda rs: len(rs) == 2 and all(
        r["status"] == "CLOSED" for r in rs))
    assert {int(r["master_ticket"]) for r in rows} == set(opened)
    assert m.summary()["positions"] == [] and m.summary()["logged_in"] is True

    follower.process.send_signal(signal.SIGINT)
    with trio.fail_after(20):
        await follower.done.wait()
    assert follower.process.returncode == 0
    sends = [e for e in follower.events if e["ev"] == "order_send"]
    assert [(e["symbol"], e["retcode"]) for e in sends if not e["position"]] == [
        ("EURUSD", 10009), ("XAUUSD", 10009)]
    assert len(follower.lines("sent", "ACK_CLOSE|")) == 3
    assert follower.summary()["positions"] == []
    assert not follower.lines("sent", "PING|")       # --quiet hides them


@pytest.mark.slow
async def test_netting_follower_with_suffix_and_trade_errors(
        world: EaWorld, nursery: trio.Nursery, tmp_path: Path) -> None:
    master, mkey = await world.master_account()
    f, fkey = await world.follower_account(master)
    port = str(world.server.ea_port)
    follower = await start(nursery, "follower", "--api-key", fkey, "--master-token",
                           master.master_token, "--port", port, "--scenario",
                           str(SCENARIOS / "follower-trade-errors.json"), "--duration", "30")
    await follower.wait_for(lambda e: e["ev"] == "sent" and e["line"].startswith("SYNC|"))
    script = {"terminal": {"login": 51009}, "events": [
        {"at": 0.5, "do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 0.3, "ref": "a"},
        {"do": "open", "symbol": "GBPUSD", "side": "SELL", "volume": 0.2, "ref": "b"},
        {"do": "wait", "seconds": 3}]}
    path = tmp_path / "open-two.json"
    path.write_text(json.dumps(script))
    m = await start(nursery, "master", "--api-key", mkey, "--port", port, "--scenario",
                    str(path))
    with trio.fail_after(60):
        await m.done.wait()
    assert m.process.returncode == 0, m.raw.decode()[-3000:]
    eur, gbp = [e["position"] for e in m.events if e["ev"] == "scenario"
                and e.get("do") == "open"]
    try:
        rows = await world.wait_pairs(f.id, lambda rs: len(rs) == 2 and rs[1]["status"] == "OPEN")
    except NotYet:
        raise AssertionError(follower.raw.decode()[-4000:]) from None
    assert [(int(r["master_ticket"]), r["status"]) for r in rows] == [(eur, "FAILED"),
                                                                       (gbp, "OPEN")]
    follower.process.send_signal(signal.SIGINT)
    with trio.fail_after(20):
        await follower.done.wait()
    sends = [(e["symbol"], e["filling"], e["retcode"]) for e in follower.events
             if e["ev"] == "order_send"]
    # EURUSD.m: FOK refused (10030) -> IOC requoted (10004) -> retried -> IOC rejected (10006);
    # GBPUSD.m: filled at once
    eur_sends = [(f, c) for sym, f, c in sends if sym == "EURUSD.m"]
    assert eur_sends[:2] == [(0, 10030), (1, 10004)] and eur_sends[-1] == (1, 10006), sends
    assert [(sym, c) for sym, _f, c in sends if sym != "EURUSD.m"] == [("GBPUSD.m", 10009)]
    assert follower.lines("sent", f"NACK_OPEN|{eur}|10006|")
    final = follower.summary()["positions"]
    assert [(p["symbol"], p["side"], p["volume"]) for p in final] == [("GBPUSD.m", "SELL", 0.2)]
    assert int(rows[1]["slave_ticket"]) == final[0]["ticket"]


# --------------------------------------------------------------------------- refusals

def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, "ea", "run", *args], capture_output=True, text=True,
                          timeout=60, env=env)


OPEN_A = ('{"events": [{"do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 0.2, '
          '"ref": "a"}, ')
BAD = [
    ("{", "not valid JSON: line 1 column 2"),
    ('{"events": [{"do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 0}]}',
     "events[0].volume: must be > 0"),
    ('{"events": [{"do": "wait", "seconds": 1}, {"do": "opne"}]}',
     'events[1].do: unknown event "opne"'),
    ('{"events": [{"do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 1, "lots": 1}]}',
     "events[0].lots: unknown key"),
    ('{"events": [{"do": "open", "symbol": "EURUSD", "side": "LONG", "volume": 1}]}',
     "events[0].side: must be one of BUY, SELL"),
    ('{"events": [{"do": "close", "ref": "x"}]}', "events[0].ref: no earlier open has ref 'x'"),
    ('{"events": [{"do": "open", "symbol": "EURUSD.m", "side": "BUY", "volume": 1}]}',
     "events[0].symbol: unknown symbol 'EURUSD.m'"),
    ('{"events": [{"do": "trade_errors", "retcodes": [10004, 99]}]}',
     "events[0].retcodes[1]: unknown trade retcode 99"),
    ('{"events": [{"do": "wait", "seconds": 2, "at": 5}, {"do": "stopout", "at": 1}]}',
     "events[1].at: must not be earlier"),
    ('{"terminal": {"mode": "cfd"}, "events": []}', "terminal.mode: must be one of hedging"),
    ('{"terminal": {"symbols": {"EURUSD": {"bid": 1.1, "ask": 1.0}}}, "events": []}',
     "terminal.symbols.EURUSD.ask: must be >= bid"),
    ('{"terminal": {"inputs": {"InpNoSuch": 1}}, "events": []}',
     "terminal.inputs.InpNoSuch: the EA has no such input"),
    ('{"events": [{"do": "deposit", "amount": true}]}',
     "events[0].amount: must be a number, not true"),
    ('{"events": {"do": "wait"}}', "events: must be a list"),
    ('{"event": []}', "event: unknown key"),
    ('[]', "must be a JSON object"),
    (OPEN_A + '{"do": "partial_close", "ref": "a", "volume": 0.3}]}',
     "events[1].volume: more than the 0.2 lots left of position 'a'"),
    (OPEN_A + '{"do": "close", "ref": "a"}, {"do": "modify", "ref": "a", "sl": 1.07}]}',
     "events[2].ref: position 'a' is already closed by then"),
    (OPEN_A + '{"do": "stopout"}, {"do": "close", "ref": "a"}]}',
     "events[2].ref: position 'a' is already closed by then"),
    ('{"events": [{"do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 0.015}]}',
     "events[0].volume: must be a multiple of EURUSD's volume step 0.01"),
    ('{"events": [{"do": "wait"}]}', "events[0].seconds: is required"),
    ('{"events": [{"do": "wait", "seconds": NaN}]}', "NaN is not a number"),
]


@pytest.mark.parametrize(("content", "message"), BAD)
def test_malformed_scenarios_are_refused_with_the_place_named(
        tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from copytrade.cli import main

    path = tmp_path / "bad.json"
    path.write_text(content)
    code = main(["ea", "run", "master", "--api-key", "k", "--port", "9", "--scenario",
                 str(path)])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert message in err, err
    assert err.startswith(f"copytrade: scenario {path}: ")
    assert out == ""                                 # nothing ran


def test_a_malformed_scenario_exits_2_from_the_shell(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(BAD[1][0])
    result = run_cli("master", "--api-key", "k", "--port", "9", "--scenario", str(path))
    assert result.returncode == 2
    assert result.stderr == f"copytrade: scenario {path}: {BAD[1][1]}\n"
    assert result.stdout == ""


def test_every_example_scenario_is_valid() -> None:
    from copytrade.ea.run import ea_inputs
    from copytrade.ea.scenario import load

    files = sorted(SCENARIOS.glob("*.json"))
    assert len(files) >= 4
    for path in files:
        role = "follower" if path.name.startswith("follower") else "master"
        assert load(path, inputs=ea_inputs(role)).steps, path


def test_a_missing_scenario_file_and_bad_arguments_are_refused(tmp_path: Path) -> None:
    result = run_cli("master", "--api-key", "k", "--scenario", str(tmp_path / "none.json"))
    assert result.returncode == 2 and "cannot read it" in result.stderr
    result = run_cli("master", "--api-key", "k", "--input", "InpScanMs")
    assert result.returncode == 2 and "use NAME=VALUE" in result.stderr
    result = run_cli("follower", "--api-key", "k", "--master-token", "nope")
    assert result.returncode == 2 and "MST-" in result.stderr


def test_without_gxx_the_command_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CXX"}
    env["PATH"] = str(empty)
    env["COPYTRADE_EA_CACHE"] = str(tmp_path / "cache")
    result = run_cli("master", "--api-key", "k", "--port", "9", "--scenario",
                     str(SCENARIOS / "master-basic.json"), env=env)
    assert result.returncode == 1, result.stderr
    assert "g++ is not installed" in result.stderr and "apt-get install g++" in result.stderr


@pytest.mark.slow
async def test_master_scenarios_with_broker_trouble_and_an_account_switch(
        world: EaWorld, nursery: trio.Nursery) -> None:
    master, mkey = await world.master_account()
    port = str(world.server.ea_port)
    result = await trio.run_process(
        [EXE, "ea", "run", "master", "--api-key", mkey, "--port", port, "--scenario",
         str(SCENARIOS / "master-broker-trouble.json")], capture_stdout=True, check=False)
    out = result.stdout.decode()
    assert result.returncode == 0, out
    # human-readable output: the AUTH answer, the restart, the stop-out closes, the end state
    assert "srv->EA   OK|master|" in out and "<api-key>" in out and mkey not in out
    assert "state loaded: 1 positions reported" in out
    assert len([line for line in out.splitlines() if "EA->srv   CMD_CLOSE|" in line
                and line.endswith("|0|SO")]) == 2
    assert "0 open at the end" in out and "2 connect(s)" in out
    rows = await world.server.db.fetch(
        "SELECT status FROM master_trades WHERE account_id = $1", master.id)
    assert [r["status"] for r in rows] == ["CLOSED", "CLOSED"]

    result = await trio.run_process(
        [EXE, "ea", "run", "master", "--api-key", mkey, "--port", port, "--scenario",
         str(SCENARIOS / "master-account-switch.json")], capture_stdout=True, check=False)
    out = result.stdout.decode()
    assert result.returncode == 0, out
    assert any(line.split()[1] == "ALERT" and "77001" in line for line in out.splitlines()), out
    assert len([line for line in out.splitlines() if "EA->srv   CMD_OPEN|" in line]) == 1, out

    result = await trio.run_process(
        [EXE, "ea", "run", "master", "--api-key", mkey, "--port", port, "--scenario",
         str(SCENARIOS / "master-late-login.json"), "--json"], capture_stdout=True, check=False)
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 0, events
    steps = [i for i, e in enumerate(events) if e["ev"] == "scenario" and "do" in e]
    connect = next(i for i, e in enumerate(events) if e["ev"] == "net")
    # no connection before the terminal has logged in (1 s after the open)
    assert steps[0] < connect and events[connect]["t"] > events[steps[0]]["t"] + 0.5
    opened = events[steps[0]]["position"]
    assert any(e["ev"] == "sent" and e["line"].startswith("CMD_OPEN|BUY|USDJPY|")
               and f"|{opened}|" in e["line"] for e in events[connect:])


async def test_a_refused_login_and_a_netting_master_end_with_exit_code_1(
        world: EaWorld, tmp_path: Path) -> None:
    port = str(world.server.ea_port)
    result = await trio.run_process(
        [EXE, "ea", "run", "master", "--api-key", "no-such-key", "--port", port,
         "--duration", "20"], capture_stdout=True, check=False)
    out = result.stdout.decode()
    assert result.returncode == 1, out
    assert "the server refused the EA: ERR|AUTH_FAILED" in out

    master, mkey = await world.master_account()
    path = tmp_path / "netting.json"
    path.write_text(json.dumps({"terminal": {"mode": "netting"}, "events": [
        {"do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 0.1}]}))
    result = await trio.run_process(
        [EXE, "ea", "run", "master", "--api-key", mkey, "--port", port, "--scenario",
         str(path), "--json"], capture_stdout=True, check=False)
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1
    assert any(e["ev"] == "alert" and "netting" in e["text"] for e in events)
    assert next(e for e in events if e["ev"] == "summary")["logged_in"] is False
    assert not [e for e in events if e["ev"] == "scenario"]       # nothing ran


def test_demo_with_real_eas_without_gxx_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CXX", "DATABASE_URL")}
    env.update(PATH=str(empty), COPYTRADE_EA_CACHE=str(tmp_path / "cache"),
               COPYTRADE_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([EXE, "demo", "--real-eas", "--http-port", "0", "--ea-port", "0"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1, result.stderr
    assert "cannot run the real EAs: g++ is not installed" in result.stderr
    assert not (tmp_path / "data" / "pg").exists()      # nothing was started


async def test_tls_with_the_servers_ca_and_without_it(
        aio_loop: None, server_settings: Any, nursery: trio.Nursery, tmp_path: Path) -> None:
    """--tls --tls-ca: the handshake checks the certificate and the name (InpHost)."""
    import attrs

    from copytrade.app import run_server
    from copytrade.db.accounts import AccountRepository
    from copytrade.db.users import UserRepository
    from copytrade.domain.models import Role

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    await trio.run_process(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj",
                            "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                           capture_stdout=True, capture_stderr=True)
    settings = attrs.evolve(server_settings, tls_cert=cert, tls_key=key)
    running = await nursery.start(lambda task_status: run_server(settings,
                                                                 task_status=task_status))
    user = await UserRepository(running.db).create(email="tls@example.com", name="T",
                                                   hashed_password=HASH)
    created = await AccountRepository(running.db).create(user.id, name="M", role=Role.MASTER)
    base = [EXE, "ea", "run", "master", "--api-key", created.api_key, "--host", "localhost",
            "--port", str(running.ea_port), "--tls"]
    result = await trio.run_process([*base, "--tls-ca", str(cert), "--duration", "3"],
                                    capture_stdout=True, check=False)
    out = result.stdout.decode()
    assert result.returncode == 0, out
    assert "net       tls" in out and "srv->EA   OK|master|" in out
    result = await trio.run_process([*base, "--duration", "3"], capture_stdout=True,
                                    check=False)
    out = result.stdout.decode()
    assert result.returncode == 1, out
    assert "TLS handshake with localhost failed" in out and "OK|" not in out
    running.shutdown.set()


@pytest.mark.slow
async def test_follower_scenario_closes_its_copy_by_hand(
        world: EaWorld, nursery: trio.Nursery, tmp_path: Path) -> None:
    master, mkey = await world.master_account()
    f, fkey = await world.follower_account(master)
    port = str(world.server.ea_port)
    follower = await start(nursery, "follower", "--api-key", fkey, "--master-token",
                           master.master_token, "--port", port, "--scenario",
                           str(SCENARIOS / "follower-manual-close.json"))
    await follower.wait_for(lambda e: e["ev"] == "sent" and e["line"].startswith("SYNC|"))
    path = tmp_path / "open.json"
    path.write_text(json.dumps({"events": [
        {"do": "open", "symbol": "EURUSD", "side": "BUY", "volume": 0.2, "ref": "a"},
        {"do": "wait", "seconds": 6}]}))
    m = await start(nursery, "master", "--api-key", mkey, "--port", port, "--scenario",
                    str(path))
    with trio.fail_after(60):
        await follower.done.wait()
        await m.done.wait()
    out = follower.raw.decode()
    assert follower.process.returncode == 0, out[-4000:]
    ticket = next(e["position"] for e in m.events if e.get("do") == "open")
    closed = follower.lines("sent", f"CLOSED|{ticket}|")
    assert len(closed) == 1 and closed[0].endswith("|SL"), closed
    manual = [e for e in follower.events if e["ev"] == "deal" and e["entry"] == "OUT"]
    assert [(d["volume"], d["reason"]) for d in manual] == [(0.05, 0), (0.15, 4)]
    rows = await world.wait_pairs(f.id, lambda rs: rs and rs[0]["status"] == "CLOSED")
    assert int(rows[0]["master_ticket"]) == ticket
    assert follower.summary()["positions"] == []


def test_readable_lines_for_order_sends_deals_and_positions(
        capsys: pytest.CaptureFixture[str]) -> None:
    from copytrade.ea.run import Printer, describe_deal, describe_order_send, describe_position

    send = {"ev": "order_send", "action": 1, "symbol": "EURUSD.m", "type": 0, "volume": 0.3,
            "position": 0, "filling": 1, "sl": 1.08, "tp": 0, "comment": "CT#42",
            "retcode": 10004, "deal": 0}
    assert describe_order_send(send) == (
        "BUY 0.3 EURUSD.m sl 1.08 tp 0 filling IOC 'CT#42' -> 10004 Requote")
    close = {**send, "type": 1, "position": 7, "sl": 0, "retcode": 10009, "deal": 99,
             "comment": ""}
    assert describe_order_send(close) == (
        "SELL 0.3 EURUSD.m closing position 7 filling IOC -> 10009 Request executed deal 99")
    sltp = {**send, "action": 6, "position": 7, "tp": 1.09, "retcode": 10016}
    assert describe_order_send(sltp).startswith("SLTP position 7 sl 1.08 tp 1.09")
    assert describe_deal({"deal": 5, "type": "SELL", "volume": 0.1, "symbol": "XAUUSD",
                          "price": 2350.1, "entry": "OUT", "position": 3, "reason": 6,
                          "profit": -12.5}) == (
        "#5 SELL 0.1 XAUUSD @ 2350.1 OUT position 3 (SO) profit -12.5")
    assert describe_deal({"deal": 6, "type": "BALANCE", "profit": 250}) == "#6 balance +250"
    assert describe_position({"ticket": 1, "side": "BUY", "volume": 0.2, "symbol": "EURUSD",
                              "price": 1.0846, "sl": 0, "tp": 0, "magic": 0,
                              "comment": ""}) == "#1 BUY 0.2 EURUSD @ 1.0846 magic 0"
    printer = Printer(False, "SECRET-KEY", quiet=True)
    printer.event({"ev": "sent", "line": "AUTH|SECRET-KEY|1||CopyTradeMaster/1.0"})
    printer.event({"ev": "sent", "line": "PING|1"})
    printer.event({"ev": "net", "what": "close", "socket": 3})    # a failed connect: silent
    out = capsys.readouterr().out
    assert "AUTH|<api-key>|1||" in out and "SECRET" not in out
    assert "PING" not in out and "closed" not in out
