"""Table tests: bytes in, messages out; errors name the field and the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copytrade.domain.models import LotMode, Side
from copytrade.protocol import (
    MAX_LINE,
    AccountState,
    AckOpen,
    Auth,
    CloseReason,
    CommandKind,
    CopyClose,
    CopyModify,
    CopyOpen,
    Error,
    ErrorCode,
    FloatingPnl,
    LocalProtocolError,
    MasterClose,
    MasterOpen,
    Nack,
    Ping,
    RemoteProtocolError,
    Rules,
    Stored,
    encode,
    parse_from_ea,
    parse_from_server,
)

D = Decimal

EA_LINES = [
    (
        b"CMD_OPEN|BUY|EURUSD|1.08450|0.10|1.08000|1.09000|123456",
        MasterOpen(Side.BUY, "EURUSD", D("1.08450"), D("0.10"), D("1.08000"), D("1.09000"), 123456),
    ),
    (
        b"CMD_OPEN|SELL|XAUUSD|2350|1|0|0|7|1717000000000",
        MasterOpen(Side.SELL, "XAUUSD", D(2350), D(1), D(0), D(0), 7, 1717000000000),
    ),
    (
        b"ACK_OPEN|123456|8800001|0.20|BUY",
        AckOpen(123456, 8800001, D("0.20"), Side.BUY),
    ),
    (
        b"CMD_CLOSE|5|6|0.05|1.1|-2.5|0.05|SO",
        MasterClose(5, 6, D("0.05"), D("1.1"), D("-2.5"), D("0.05"), CloseReason.SO),
    ),
    (b"NACK_CLOSE|5|10016|Invalid stops", Nack(CommandKind.CLOSE, 5, 10016, "Invalid stops")),
    (b"AUTH|key|1||EA", Auth("key", 1, None, "EA")),
    (b"AUTH|key|1|MST-1|EA", Auth("key", 1, "MST-1", "EA")),
    (b"RULES|FIXED|0.1|1|0|", Rules(LotMode.FIXED, D("0.1"), True, D(0), "")),
    (b"PING|3\r", Ping(3)),
    (b"PING|3\x00", Ping(3)),
]


@pytest.mark.parametrize(("line", "expected"), EA_LINES)
def test_parse_from_ea(line: bytes, expected: object) -> None:
    assert parse_from_ea(line) == expected


SERVER_LINES = [
    (b"STORED|CLOSE|5|77", Stored(CommandKind.CLOSE, 5, 77)),
    (b"CLOSE|5|0|CLIENT", CopyClose(5, D(0), CloseReason.CLIENT)),
    (
        b"OPEN|5|GOLD|SELL|0.2|2350.1|0|0|30",
        CopyOpen(5, "GOLD", Side.SELL, D("0.2"), D("2350.1"), D(0), D(0), 30),
    ),
    (b"ERR|UNKNOWN_TICKET|no trade 5", Error(ErrorCode.UNKNOWN_TICKET, "no trade 5")),
]


@pytest.mark.parametrize(("line", "expected"), SERVER_LINES)
def test_parse_from_server(line: bytes, expected: object) -> None:
    assert parse_from_server(line) == expected


def test_error_names_field_and_reason() -> None:
    with pytest.raises(RemoteProtocolError) as info:
        parse_from_ea(b"CMD_OPEN|BUY|EURUSD|1.08450|-0.10|1.08000|1.09000|123456")
    err = info.value
    assert err.code is ErrorCode.MALFORMED
    assert err.field == "volume"
    assert "> 0" in err.detail


def test_field_count_error_names_expected_count() -> None:
    with pytest.raises(RemoteProtocolError) as info:
        parse_from_ea(b"CMD_OPEN|BUY|EURUSD|1.08450|0.10")
    assert info.value.field is None
    assert "8 or 9" in info.value.detail
    with pytest.raises(RemoteProtocolError) as info:
        parse_from_ea(b"ACK_OPEN|1|2|0.1")
    assert "expects 5 fields, got 4" in info.value.detail


def test_longest_line_accepted_and_one_more_refused() -> None:
    # MAX_LINE counts the terminator, so MAX_LINE - 1 bytes of content are fine.
    text = "x" * 200
    line = f"NACK_OPEN|1|1|{text}".encode()
    assert parse_from_ea(line).text == text  # type: ignore[union-attr]
    with pytest.raises(RemoteProtocolError) as info:
        parse_from_ea(b"PING|" + b"1" * (MAX_LINE - 5))
    assert info.value.code is ErrorCode.LINE_TOO_LONG
    with pytest.raises(RemoteProtocolError) as info:
        parse_from_ea(b"PING|" + b"1" * (MAX_LINE - 6))
    assert info.value.code is ErrorCode.MALFORMED  # within the limit, but not a valid seq


# --- encoding ---------------------------------------------------------------------


def test_encode_writes_the_shortest_exact_form_without_exponents() -> None:
    """§3 (issue 11 finding 7): 0.10 → 0.1, 1E+1 → 10, 1.08450000 → 1.0845, 0.00000000 → 0."""
    assert encode(CopyClose(1, D("1E+1"), CloseReason.TP)) == b"CLOSE|1|10|TP\n"
    assert encode(CopyClose(1, D("1.0E-4"), CloseReason.TP)) == b"CLOSE|1|0.0001|TP\n"
    assert encode(CopyClose(1, D("0.10"), CloseReason.TP)) == b"CLOSE|1|0.1|TP\n"
    msg = CopyOpen(7, "EURUSD", Side.BUY, D("0.1000"), D("1.08450000"), D("1.08000000"),
                   D("1.09000000"), 0)
    assert encode(msg) == b"OPEN|7|EURUSD|BUY|0.1|1.0845|1.08|1.09|0\n"
    assert encode(CopyModify(7, D("0.00000000"), D("-0"))) == b"MODIFY|7|0|0\n"
    assert encode(Rules(LotMode.FIXED, D("2.0"), False, D("0.0000"), "")) == b"RULES|FIXED|2|0|0|\n"


def test_encode_keeps_the_digits_of_a_pnl_open_price() -> None:
    """PNL's OPEN_PRICE carries the symbol's digits (trailing zeros included)."""
    msg = FloatingPnl(7, D("1.08460"), D("1.08610"), D("15.00"), D("-0.00"))
    assert encode(msg) == b"PNL|7|1.08460|1.0861|15|0\n"


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        (CopyOpen(1, "EURUSD", Side.BUY, D("0.12345"), D(1), D(0), D(0), 0), "volume"),
        (CopyOpen(1, "EURUSD", Side.BUY, D("100000000"), D(1), D(0), D(0), 0), "volume"),
        (CopyOpen(1, "EURUSD", Side.BUY, D(1), D("1.123456789"), D(0), D(0), 0), "price"),
        (CopyOpen(1, "EURUSD", Side.BUY, D(1), D(1), D("1E+12"), D(0), 0), "sl"),
        (CopyClose(1, D("0.00001"), CloseReason.TP), "target_volume"),
        (Rules(LotMode.FIXED, D(1), False, D("1E+8"), ""), "min_lot"),
        (AccountState(D("1.001"), D(1), D(0), "USD", 100), "balance"),
        (AccountState(D(1), D(1), D("1E+10"), "USD", 100), "margin_level"),
        (AccountState(D(1), D(1), D(0), "USD", 2**31), "leverage"),
        (Nack(CommandKind.OPEN, 1, 2**31, "x"), "retcode"),
        (FloatingPnl(1, D("1.084600001"), D(1), D(0), D(0)), "open_price"),
        (MasterOpen(Side.BUY, "X", D(1), D(1), D(0), D(0), 1, 253402300800000), "open_time_ms"),
    ],
)
def test_encode_refuses_numbers_outside_their_column(msg: object, field: str) -> None:
    """Never rounded, never clipped: an out-of-range or too precise number is refused."""
    with pytest.raises(LocalProtocolError) as info:
        encode(msg)  # type: ignore[arg-type]
    assert info.value.field == field


def test_encode_sanitises_free_text() -> None:
    msg = Error(ErrorCode.INTERNAL, "a|b\nc\td\u00e9" + "z" * 300)
    line = encode(msg)
    assert line.startswith(b"ERR|INTERNAL|a b c d?zz")
    assert line.count(b"|") == 2
    assert len(line) == len("ERR|INTERNAL|") + 200 + 1
    parsed = parse_from_server(line)
    assert isinstance(parsed, Error)
    assert len(parsed.text) == 200


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        (CopyOpen(1, "EUR|USD", Side.BUY, D(1), D(1), D(0), D(0), 0), "symbol"),
        (CopyOpen(1, "", Side.BUY, D(1), D(1), D(0), D(0), 0), "symbol"),
        (CopyOpen(0, "EURUSD", Side.BUY, D(1), D(1), D(0), D(0), 0), "master_ticket"),
        (CopyOpen(1, "EURUSD", Side.BUY, D(0), D(1), D(0), D(0), 0), "volume"),
        (CopyOpen(1, "EURUSD", Side.BUY, D("NaN"), D(1), D(0), D(0), 0), "volume"),
        (CopyOpen(1, "EURUSD", Side.BUY, D("Infinity"), D(1), D(0), D(0), 0), "volume"),
        (CopyOpen(1, "EURUSD", Side.BUY, 0.1, D(1), D(0), D(0), 0), "volume"),  # type: ignore[arg-type]
        (CopyOpen(1, "EURUSD", Side.BUY, D(1), D(-1), D(0), D(0), 0), "price"),
        (CopyOpen(1, "EURUSD", "BUY", D(1), D(1), D(0), D(0), 0), "side"),  # type: ignore[arg-type]
        (CopyOpen(1, "EURUSD", Side.BUY, D(1), D(1), D(0), D(0), True), "max_deviation_points"),
        (CopyOpen(2**63, "EURUSD", Side.BUY, D(1), D(1), D(0), D(0), 0), "master_ticket"),
        (Auth("bad key", 1, None, "x"), "api_key"),
        (Auth("key", 1, "", "x"), "master_token"),
        (Rules("PERCENT", D(1), False, D(0), ""), "lot_mode"),  # type: ignore[arg-type]
        (Rules("FIXED", D(1), False, D(0), ""), "lot_mode"),  # type: ignore[arg-type]
        (Rules(LotMode.FIXED, D(1), 1, D(0), ""), "reverse"),  # type: ignore[arg-type]
        (Rules(LotMode.FIXED, D(1), False, D(0), "A=B,"), "symbol_map"),
        (Stored("OPEN", 1, 0), "kind"),  # type: ignore[arg-type]
    ],
)
def test_encode_refuses_invalid_structural_fields(msg: object, field: str) -> None:
    with pytest.raises(LocalProtocolError) as info:
        encode(msg)  # type: ignore[arg-type]
    assert info.value.field == field


def test_encode_refuses_non_messages() -> None:
    with pytest.raises(LocalProtocolError):
        encode("PING|1")  # type: ignore[arg-type]


def test_error_codes_say_whether_the_connection_closes() -> None:
    stays = {c for c in ErrorCode if not c.closes_connection}
    assert stays == {
        ErrorCode.MALFORMED,
        ErrorCode.LINE_TOO_LONG,
        ErrorCode.UNKNOWN_COMMAND,
        ErrorCode.WRONG_ROLE,
        ErrorCode.UNKNOWN_TICKET,
        ErrorCode.INTERNAL,
        ErrorCode.UNAVAILABLE,
    }
    assert ErrorCode.SLOW_CONSUMER.closes_connection


def test_copies_are_never_sized_beyond_the_wire() -> None:
    """A huge multiplier cannot make an OPEN the encoder refuses (or a pair row that overflows)."""
    from copytrade.domain.lots import MAX_VOLUME, SymbolSpec, fit_volume
    from copytrade.protocol import vocab

    assert MAX_VOLUME == vocab.MAX_VOLUME
    assert fit_volume(D("5000000") * D("9999"), None) == D("99999999.99")
    spec = SymbolSpec("X", D("0.01"), D("1E+12"), D("0.01"))
    assert fit_volume(D("1E+11"), spec) == D("99999999.99")
    assert fit_volume(D("0.5"), spec) == D("0.50")
