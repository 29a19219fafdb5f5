"""The sans-IO Connection: handshake state on top of framing and the codec."""

from __future__ import annotations

import pytest

from copytrade.protocol import (
    FOLLOWER_ONLY,
    LINK_MESSAGES,
    MASTER_ONLY,
    PROTOCOL_VERSION,
    ROLE_ONLY,
    Auth,
    AuthOk,
    Connection,
    ConnectionState,
    Direction,
    Error,
    ErrorCode,
    LocalProtocolError,
    Ping,
    Pong,
    RemoteProtocolError,
    refused_for_role,
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


def _logged_in(role: str) -> Connection:
    conn = Connection(Direction.SERVER_TO_EA)
    conn.receive_data(b"AUTH|key|1||sim\n")
    conn.next_message()
    conn.send(AuthOk(role, PROTOCOL_VERSION, 1, 10))
    return conn


@pytest.mark.parametrize(("role", "line", "text"), [
    ("follower", b"CMD_OPEN|BUY|EURUSD|1.1|0.1|0|0|77\n", "only a master account sends signals"),
    ("master", b"ACK_OPEN|77|5001|0.1|BUY\n", "AckOpen is for follower EAs"),
])
def test_role_rule_refuses_the_other_roles_commands(role: str, line: bytes, text: str) -> None:
    conn = _logged_in(role)
    assert conn.role == role
    conn.receive_data(line + b"PING|3\n")
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_message()
    assert info.value.code is ErrorCode.WRONG_ROLE
    assert conn.error_for(info.value) == Error(ErrorCode.WRONG_ROLE, text)
    assert conn.next_message() == Ping(3)  # WRONG_ROLE keeps the connection
    assert conn.state is ConnectionState.AUTHENTICATED


@pytest.mark.parametrize("role", ["master", "follower"])
def test_messages_for_both_roles_pass(role: str) -> None:
    conn = _logged_in(role)
    conn.receive_data(b"ACCOUNT|1000|1000|0|USD|100\nSTOPOUT|50|500\n")
    assert conn.next_message() is not None
    assert conn.next_message() is not None


def test_role_table_is_one_set_per_role() -> None:
    assert set(ROLE_ONLY) == {"master", "follower"}
    assert ROLE_ONLY["master"] == MASTER_ONLY and ROLE_ONLY["follower"] == FOLLOWER_ONLY
    assert not MASTER_ONLY & FOLLOWER_ONLY
    assert set(refused_for_role("master")) == set(FOLLOWER_ONLY)
    assert set(refused_for_role("follower")) == set(MASTER_ONLY)


def test_ea_side_does_not_police_its_own_role() -> None:
    conn = Connection(Direction.EA_TO_SERVER)
    conn.receive_data(b"OK|follower|1|9|10\n")
    conn.next_message()
    assert conn.role == "follower"
    assert conn.send(Ping(1)) == b"PING|1\n"


def test_before_ok_every_refusal_is_not_authenticated() -> None:
    conn = Connection(Direction.SERVER_TO_EA, max_line=64)
    conn.receive_data(b"PONG|1\nHELLO\nCMD_MODIFY|1|0|0\n" + b"y" * 100 + b"\n")
    assert conn.next_message() == Pong(1)  # §5: PONG is allowed before OK
    for _ in range(3):
        with pytest.raises(RemoteProtocolError) as info:
            conn.next_message()
        refusal = conn.error_for(info.value)
        assert refusal.code is ErrorCode.NOT_AUTHENTICATED
        assert refusal.code.closes_connection
        assert refusal.text.startswith("AUTH expected first")


def test_answer_is_pong_for_ping_only() -> None:
    conn = Connection(Direction.SERVER_TO_EA)
    assert conn.answer(Ping(7)) == Pong(7)
    assert conn.answer(Pong(7)) is None
    assert (Ping, Pong) == LINK_MESSAGES


def test_error_after_ok_names_the_field() -> None:
    conn = _logged_in("master")
    conn.receive_data(b"AUTH|key|1||again\nCMD_OPEN|BUY|EURUSD|1.1|0.123456|0|0|1\n")
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_message()
    assert conn.error_for(info.value) == Error(ErrorCode.MALFORMED, "already authenticated")
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_message()
    refusal = conn.error_for(info.value)
    assert refusal.code is ErrorCode.MALFORMED and refusal.text.startswith("volume: ")


def test_version_refusal() -> None:
    conn = Connection(Direction.SERVER_TO_EA)
    assert conn.version_refusal(Auth("key", PROTOCOL_VERSION, None, "sim")) is None
    refusal = conn.version_refusal(Auth("key", PROTOCOL_VERSION + 1, None, "sim"))
    assert refusal == Error(ErrorCode.VERSION_UNSUPPORTED,
                            f"server speaks protocol version {PROTOCOL_VERSION}")
    assert refusal.code.closes_connection
