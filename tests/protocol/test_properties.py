"""Property tests: every message round-trips; no input crashes the parser."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from copytrade.domain.models import LotMode, Side
from copytrade.domain.pending import OrderType
from copytrade.protocol import (
    CloseReason,
    CommandKind,
    Direction,
    ErrorCode,
    LineBuffer,
    Nack,
    ProtocolError,
    encode,
    parse,
    parse_from_ea,
    parse_from_server,
)
from copytrade.protocol.messages import FROM_EA, FROM_SERVER, wire_fields
from copytrade.protocol.vocab import (
    DECIMAL_RANGES,
    MAX_EPOCH_MS,
    MAX_INT,
    MAX_INT32,
    Kind,
    OrderEnd,
)

_SYMBOL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._#+-"
_TOKEN_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "|")
_TEXT_CHARS = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "|")

symbols = st.text(_SYMBOL_CHARS, min_size=1, max_size=32)


def decimals(kind: Kind) -> st.SearchStrategy[Decimal]:
    """Any value of a decimal kind: within its column's range, with 0 up to its decimals."""
    low, low_included, high, places = DECIMAL_RANGES[kind]
    strategy = st.integers(0, places).flatmap(
        lambda p: st.decimals(min_value=low, max_value=high, places=p,
                              allow_nan=False, allow_infinity=False)
    )
    if not low_included:
        strategy = strategy.filter(lambda d: d > low)
    return strategy


KIND_STRATEGIES: dict[Kind, st.SearchStrategy[Any]] = {
    Kind.TICKET: st.integers(1, MAX_INT),
    Kind.UINT: st.integers(0, MAX_INT),
    Kind.POS_INT: st.integers(1, MAX_INT),
    Kind.DIGITS: st.integers(0, 10),
    Kind.OPT_UINT: st.none() | st.integers(0, MAX_EPOCH_MS),
    Kind.OPT_COUNT: st.none() | st.integers(0, MAX_INT),
    Kind.EPOCH_MS: st.integers(0, MAX_EPOCH_MS),
    Kind.ORDER_TYPE: st.sampled_from(OrderType),
    Kind.ORDER_END: st.sampled_from(OrderEnd),
    Kind.INT32: st.integers(0, MAX_INT32),
    Kind.POS_INT32: st.integers(1, MAX_INT32),
    **{kind: decimals(kind) for kind in DECIMAL_RANGES},
    Kind.SIDE: st.sampled_from(Side),
    Kind.REASON: st.sampled_from(CloseReason),
    Kind.COMMAND: st.sampled_from(CommandKind),
    Kind.ERROR_CODE: st.sampled_from(ErrorCode),
    Kind.SYMBOL: symbols,
    Kind.CURRENCY: st.text(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8
    ),
    Kind.API_KEY: st.text(_TOKEN_CHARS, min_size=1, max_size=128),
    Kind.OPT_TOKEN: st.none() | st.text(_TOKEN_CHARS, min_size=1, max_size=64),
    Kind.TEXT: st.text(_TEXT_CHARS, max_size=200),
    Kind.ROLE: st.sampled_from(["master", "follower"]),
    Kind.LOT_MODE: st.sampled_from(LotMode),
    Kind.BOOL: st.booleans(),
    Kind.SYMBOL_MAP: st.lists(st.tuples(symbols, symbols), max_size=5).map(
        lambda pairs: ",".join(f"{a}={b}" for a, b in pairs)
    ),
}


def message_strategy(cls: type[Any]) -> st.SearchStrategy[Any]:
    kwargs = {name: KIND_STRATEGIES[kind] for name, kind in wire_fields(cls)}
    if cls is Nack:
        kwargs["command"] = st.sampled_from(CommandKind)
    return st.builds(cls, **kwargs)


ea_messages = st.one_of([message_strategy(cls) for cls in FROM_EA])
server_messages = st.one_of([message_strategy(cls) for cls in FROM_SERVER])


@settings(max_examples=1000)
@given(ea_messages)
def test_round_trip_from_ea(msg: Any) -> None:
    line = encode(msg)
    assert line.endswith(b"\n")
    assert parse_from_ea(line[:-1]) == msg
    assert encode(parse_from_ea(line[:-1])) == line  # encoding is canonical


@settings(max_examples=1000)
@given(server_messages)
def test_round_trip_from_server(msg: Any) -> None:
    line = encode(msg)
    assert parse_from_server(line[:-1]) == msg
    assert encode(parse_from_server(line[:-1])) == line


@given(st.text(max_size=300))
def test_any_text_survives_sanitising(text: str) -> None:
    msg = Nack(CommandKind.OPEN, 1, 10019, text)
    parsed = parse_from_ea(encode(msg))
    assert isinstance(parsed, Nack)
    assert len(parsed.text) == min(len(text), 200)


def _parse_both(line: bytes) -> None:
    for direction in Direction:
        with contextlib.suppress(ProtocolError):
            parse(line, direction)


@settings(max_examples=500)
@given(st.lists(st.binary(max_size=300), max_size=20), st.integers(2, 300))
def test_random_bytes_through_buffer_and_parser(chunks: list[bytes], max_line: int) -> None:
    buf = LineBuffer(max_line=max_line)
    for chunk in chunks:
        buf.feed(chunk)
        assert len(buf) < max_line + len(chunk)
        while True:
            try:
                line = buf.next_line()
            except ProtocolError:
                continue
            if line is None:
                break
            assert b"\n" not in line
            assert len(line) < max_line
            _parse_both(line)


_VERBS = sorted(
    {"NACK_OPEN", "NACK_CLOSE", "NACK_MODIFY"}
    | {
        cls.VERB
        for cls in (*FROM_EA, *FROM_SERVER)
        if cls is not Nack  # type: ignore[union-attr]
    }
)
_field_text = st.one_of(
    st.text("0123456789.-+eE", max_size=25),
    st.sampled_from(["NaN", "inf", "-0", "0", "BUY", "SELL", "CLIENT", "OPEN", "master", ""]),
    st.text(max_size=20),
)


@settings(max_examples=1000)
@given(st.sampled_from(_VERBS), st.lists(_field_text, max_size=10))
def test_near_miss_lines_never_crash(verb: str, fields: list[str]) -> None:
    line = "|".join([verb, *fields]).encode("utf-8", "surrogatepass")
    _parse_both(line)
