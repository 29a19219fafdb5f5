"""The sans-IO Connection: handshake state on top of framing and the codec."""

from __future__ import annotations

import pytest

from copytrade.protocol import (
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Connection,
    ConnectionState,
    Direction,
    Error,
    ErrorCode,
    LocalProtocolError,
    Ping,
    RemoteProtocolError,
)


def test_server_side_handshake() -> None:
    conn = Connection(Direction.SERVER_TO_EA)
    conn.receive_data(b"PING|1\nAUTH|key|1||sim\nPING|2\n")
    assert conn.next_message() == Ping(1)
    assert conn.next_message() == Auth("key", 1, None, "sim")
    assert conn.state is ConnectionState.AWAITING_AUTH
    assert conn.send(AuthOk("master", PROTOCOL_VERSION, 7, 10)) == b"OK|master|1|7|10\n"
    assert conn.state is ConnectionState.AUTHENTICATED
    assert conn.next_message() == Ping(2)
    assert conn.next_message() is None


def test_server_refuses_commands_before_auth() -> None:
    conn = Connection(Direction.SERVER_TO_EA)
    conn.receive_data(b"CMD_MODIFY|1|0|0\n")
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_message()
    assert info.value.code is ErrorCode.NOT_AUTHENTICATED


def test_closing_error_closes() -> None:
    conn = Connection(Direction.SERVER_TO_EA)
    assert conn.send(Error(ErrorCode.MALFORMED, "x")) == b"ERR|MALFORMED|x\n"
    assert conn.state is ConnectionState.AWAITING_AUTH
    conn.send(Error(ErrorCode.AUTH_FAILED, "bad key"))
    assert conn.state is ConnectionState.CLOSED
    with pytest.raises(LocalProtocolError):
        conn.send(Ping(1))


def test_ea_side_sees_ok_and_err() -> None:
    conn = Connection(Direction.EA_TO_SERVER)
    assert conn.send(Auth("key", 1, "MST-1", "sim")) == b"AUTH|key|1|MST-1|sim\n"
    conn.receive_data(b"OK|follower|1|9|10\r\nERR|REPLACED|another login\n")
    assert isinstance(conn.next_message(), AuthOk)
    assert conn.state is ConnectionState.AUTHENTICATED
    assert conn.next_message() == Error(ErrorCode.REPLACED, "another login")
    assert conn.state is ConnectionState.CLOSED
    assert conn.next_message() is None


def test_second_auth_is_refused() -> None:
    conn = Connection(Direction.SERVER_TO_EA)
    conn.receive_data(b"AUTH|key|1||a\nAUTH|key|1||b\n")
    conn.next_message()
    conn.send(AuthOk("master", 1, 1, 10))
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_message()
    assert info.value.code is ErrorCode.MALFORMED


def test_bad_line_leaves_connection_usable() -> None:
    conn = Connection(Direction.SERVER_TO_EA, max_line=64)
    conn.receive_data(b"PING|x\n" + b"y" * 100 + b"\nPING|1\n")
    with pytest.raises(RemoteProtocolError):
        conn.next_message()
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_message()
    assert info.value.code is ErrorCode.LINE_TOO_LONG
    assert conn.next_message() == Ping(1)
