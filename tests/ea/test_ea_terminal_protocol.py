"""How ``copytrade ea run`` reads the server's replies, without g++ or a server: the terminal
driver (ea/terminal.py) turns the emulator's socket events into ``received`` events carrying
what :class:`copytrade.protocol.Connection` made of each line, and the run (ea/run.py) decides
from that message, not from the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio

from copytrade.ea.run import Printer, _logged_in
from copytrade.ea.terminal import Terminal
from copytrade.protocol import AuthOk, CopyOpen, Error, ErrorCode, Ping


def terminal(tmp_path: Path) -> Terminal:
    return Terminal(None, tmp_path, "t")  # type: ignore[arg-type]  # never started


def recv(t: Terminal, data: str, socket: int = 3) -> None:
    t._add({"t": 1, "ev": "recv", "socket": socket, "data": data})


def received(t: Terminal) -> list[dict[str, Any]]:
    return [e for e in t.events if e["ev"] == "received"]


def test_lines_split_across_reads_become_one_message_each(tmp_path: Path) -> None:
    t = terminal(tmp_path)
    recv(t, "OK|follower|1|42|")
    assert received(t) == []
    recv(t, "10\r\nPING|7\n\nOPEN|5|EURUSD|BUY|0.1|1.0845|0|0|30\x00")
    recv(t, "\n")
    got = received(t)
    assert [e["line"] for e in got] == ["OK|follower|1|42|10", "PING|7",
                                        "OPEN|5|EURUSD|BUY|0.1|1.0845|0|0|30"]
    ok, ping, copy = (e["message"] for e in got)
    assert isinstance(ok, AuthOk) and (ok.role, ok.account_id, ok.heartbeat_s) == (
        "follower", 42, 10)
    assert ping == Ping(7)
    assert isinstance(copy, CopyOpen) and copy.master_ticket == 5
    assert all(e["refused"] is None for e in got)


def test_a_line_the_protocol_refuses_is_kept_with_the_error(tmp_path: Path) -> None:
    t = terminal(tmp_path)
    recv(t, "OK|master|one|17|10\nNONSENSE|1\nOK|master|1|17|10\n")
    bad_ok, unknown, ok = received(t)
    assert bad_ok["message"] is None and bad_ok["refused"].code is ErrorCode.MALFORMED
    assert bad_ok["line"] == "OK|master|one|17|10"
    assert unknown["message"] is None and unknown["refused"] is not None
    assert isinstance(ok["message"], AuthOk)


def test_each_socket_has_its_own_link_and_a_closing_err_ends_it(tmp_path: Path) -> None:
    t = terminal(tmp_path)
    recv(t, "ERR|AUTH_FAILED|auth failed\nPING|1\n")
    err, after = received(t)
    assert isinstance(err["message"], Error) and err["message"].code is ErrorCode.AUTH_FAILED
    assert after["message"] is None and "closed the connection" in str(after["refused"])
    recv(t, "PING|2\n", socket=4)  # the EA's next connection starts afresh
    assert received(t)[-1]["message"] == Ping(2)
    t._add({"t": 2, "ev": "net", "what": "close", "socket": 3})
    recv(t, "PING|3\n", socket=3)  # a handle reused after its close: a new link
    assert received(t)[-1]["message"] == Ping(3)


def test_bytes_arrive_as_the_emulator_writes_them(tmp_path: Path) -> None:
    """The emulator writes each byte as one code point (\\u00XX): the protocol sees the
    bytes the EA got (printable ASCII only, so UTF-8 is refused) and the text is unchanged."""
    t = terminal(tmp_path)
    name = "ทดสอบ".encode().decode("latin-1")
    recv(t, f"ERR|AUTH_FAILED|{name}\nERR|AUTH_FAILED|caf\u00e9\n")
    utf8, latin = received(t)
    assert utf8["message"] is None and "byte 0xe0 at offset 16" in str(utf8["refused"])
    assert latin["message"] is None and "byte 0xe9 at offset 19" in str(latin["refused"])
    assert utf8["line"] == f"ERR|AUTH_FAILED|{name}"  # the text as before: byte for byte


async def test_login_is_decided_by_the_message_not_the_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = terminal(tmp_path)
    printer = Printer(False, "KEY", quiet=False)
    recv(t, "OK|nonsense\n")          # starts with OK| but is no OK: not a login
    with trio.move_on_after(0.2):
        await _logged_in(t, printer)
        pytest.fail("a malformed OK counted as an answer")
    recv(t, "ERR|AUTH_FAILED|auth failed\n")
    assert await _logged_in(t, printer) is False
    assert "the server refused the EA: ERR|AUTH_FAILED|auth failed" in capsys.readouterr().out
    t2 = terminal(tmp_path)
    recv(t2, "PING|1\nOK|master|1|17|10\n")
    assert await _logged_in(t2, printer) is True


def test_the_printer_hides_link_messages_when_quiet_and_names_refused_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = terminal(tmp_path)
    t.on_event = Printer(False, "KEY", quiet=True).event
    recv(t, "PONG|1\nPING|2\nOK|master|1|17|10\nOPEN|5|EURUSD|SIDEWAYS|0.1|1.0845|0|0|30\n")
    out = capsys.readouterr().out
    assert "PONG" not in out and "PING" not in out and "srv->EA   OK|master|1|17|10" in out
    assert "srv->EA   OPEN|5|EURUSD|SIDEWAYS" in out
    assert "protocol  the server's line is not valid protocol: MALFORMED" in out


def test_json_output_keeps_its_shape(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    t = terminal(tmp_path)
    t.on_event = Printer(True, "KEY", quiet=False).event
    recv(t, "OK|master|1|17|10\nOK|bad\n")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["ev"], set(e) - {"t"}) for e in lines] == [
        ("received", {"ev", "line"}), ("received", {"ev", "line"}),
        ("protocol", {"ev", "line", "code", "field", "detail"})]
    assert lines[2]["line"] == "OK|bad" and lines[2]["code"] == "MALFORMED"
