"""Framing: LineBuffer splits a byte stream into lines and enforces the length limit."""

from __future__ import annotations

import pytest

from copytrade.protocol import ErrorCode, LineBuffer, RemoteProtocolError


def drain(buf: LineBuffer) -> list[bytes | str]:
    """All lines available now; LINE_TOO_LONG errors appear as the string "TOO_LONG"."""
    out: list[bytes | str] = []
    while True:
        try:
            line = buf.next_line()
        except RemoteProtocolError as exc:
            assert exc.code is ErrorCode.LINE_TOO_LONG
            out.append("TOO_LONG")
            continue
        if line is None:
            return out
        out.append(line)


def test_many_lines_in_one_chunk() -> None:
    buf = LineBuffer()
    buf.feed(b"PING|1\nPONG|2\r\nPING|3\n")
    assert drain(buf) == [b"PING|1", b"PONG|2", b"PING|3"]
    assert len(buf) == 0


def test_partial_lines_across_chunks() -> None:
    buf = LineBuffer()
    for chunk in [b"PI", b"NG|", b"1", b"\r", b"\nPO", b"NG|2\n"]:
        buf.feed(chunk)
    assert drain(buf) == [b"PING|1", b"PONG|2"]


def test_byte_by_byte() -> None:
    buf = LineBuffer()
    out: list[bytes | str] = []
    for byte in b"PING|1\r\nPING|2\n":
        buf.feed(bytes([byte]))
        out += drain(buf)
    assert out == [b"PING|1", b"PING|2"]


def test_nul_and_empty_lines_are_dropped() -> None:
    buf = LineBuffer()
    # MQL5 may send the string's NUL before or after the newline.
    buf.feed(b"PING|1\x00\nPING|2\n\x00PING|3\r\n\x00\n\n\r\n")
    assert drain(buf) == [b"PING|1", b"PING|2", b"PING|3"]


def test_line_at_the_limit_is_accepted() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"123456789\n")  # 10 bytes with the terminator
    assert drain(buf) == [b"123456789"]


def test_complete_overlong_line_is_dropped_and_stream_continues() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"A\n1234567890\nB\n")
    assert drain(buf) == [b"A", "TOO_LONG", b"B"]


def test_unterminated_overlong_tail_is_cut_at_feed_time() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"A\n" + b"x" * 50)
    assert len(buf) == 2  # memory stays bounded
    buf.feed(b"y" * 10_000)
    assert len(buf) == 2
    buf.feed(b"zz\nB\n")
    assert drain(buf) == [b"A", "TOO_LONG", b"B"]


def test_overlong_error_keeps_stream_order() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"A\n" + b"x" * 20)
    buf.feed(b"x\nB\n")
    assert drain(buf) == [b"A", "TOO_LONG", b"B"]


def test_two_overlong_lines_before_reading() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"A\n" + b"x" * 20)
    buf.feed(b"\n" + b"y" * 20)
    buf.feed(b"\nB\n")
    assert drain(buf) == [b"A", "TOO_LONG", "TOO_LONG", b"B"]


def test_overlong_reported_once_even_when_polled_early() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"x" * 20)
    with pytest.raises(RemoteProtocolError):
        buf.next_line()
    assert buf.next_line() is None
    buf.feed(b"still the same line")
    assert buf.next_line() is None
    buf.feed(b"\nPING|1\n")
    assert drain(buf) == [b"PING|1"]


def test_tail_just_under_limit_waits_for_more() -> None:
    buf = LineBuffer(max_line=10)
    buf.feed(b"123456789")  # could still become a valid line
    assert buf.next_line() is None
    buf.feed(b"\n")
    assert drain(buf) == [b"123456789"]
    buf.feed(b"1234567890")  # can no longer fit with its terminator
    assert drain(buf) == ["TOO_LONG"]


def test_max_line_must_be_sane() -> None:
    with pytest.raises(ValueError, match="max_line"):
        LineBuffer(max_line=1)
