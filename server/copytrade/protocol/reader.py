"""Parsing: one line of bytes -> one message, or RemoteProtocolError saying why not."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from copytrade.domain.models import LotMode, Side
from copytrade.domain.pending import OrderType

from . import vocab
from .errors import ErrorCode, RemoteProtocolError
from .messages import FROM_EA, FROM_SERVER, Message, Nack, wire_fields
from .vocab import CloseReason, CommandKind, Direction, Kind, OrderEnd


class _FieldError(Exception):
    """Raised by a field parser; the caller adds the field name."""


# Anything but printable ASCII (0x20-0x7E) makes a line malformed.
_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e]")


def _int(text: str, low: int, high: int = vocab.MAX_INT) -> int:
    if not text.isdigit() or len(text) > 19:
        if text.isdigit() and text.lstrip("0") and len(text.lstrip("0")) > 19:
            raise _FieldError(f"out of range: must be at most {high}, got {_short(text)}")
        raise _FieldError(f"expected an integer, got {_short(text)!r}")
    value = int(text)
    if value < low or value > high:
        raise _FieldError(f"{value} is outside {low}..{high}")
    return value


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _decimal(kind: Kind) -> Callable[[str], Decimal]:
    """A parser for ``kind``: exact, within the range of its column, never rounded."""
    low, low_included, high, places = vocab.DECIMAL_RANGES[kind]

    def parse(text: str) -> Decimal:
        if vocab.DECIMAL_RE.fullmatch(text) is None:
            raise _FieldError(f"expected a decimal number like 1.25, got {_short(text)!r}")
        value = Decimal(text)
        if value < low or (value == low and not low_included):
            raise _FieldError(f"must be {'>=' if low_included else '>'} {low}, got {_short(text)}")
        if value > high:
            raise _FieldError(f"out of range: must be at most {high}, got {_short(text)}")
        dot = text.find(".")
        if dot >= 0 and len(text) - dot - 1 > places and len(text[dot + 1 :].rstrip("0")) > places:
            raise _FieldError(f"too many decimals: at most {places}, got {_short(text)}")
        return value

    return parse


def _opt_uint(text: str) -> int | None:
    return _int(text, 0, vocab.MAX_EPOCH_MS)


def _enum_parser(enum_cls: Any) -> Callable[[str], Any]:
    members = {m.value: m for m in enum_cls}
    choices = "|".join(members)

    def parse(text: str) -> Any:
        try:
            return members[text]
        except KeyError:
            raise _FieldError(f"expected one of {choices}, got {text!r}") from None

    return parse


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if pattern.fullmatch(text) is None:
            raise _FieldError(f"not a valid {what}: {text!r}")
        return text

    return parse


def _one_of(choices: frozenset[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise _FieldError(f"expected one of {'|'.join(sorted(choices))}, got {text!r}")
        return text

    return parse


def _opt_token(text: str) -> str | None:
    if not text:
        return None
    if vocab.TOKEN_RE.fullmatch(text) is None:
        raise _FieldError(f"not a valid master token: {text!r}")
    return text


def _text(text: str) -> str:
    # "|" and control characters cannot reach here: the line was split and checked.
    if len(text) > vocab.MAX_TEXT:
        raise _FieldError(f"longer than {vocab.MAX_TEXT} characters")
    return text


def _bool(text: str) -> bool:
    if text == "1":
        return True
    if text == "0":
        return False
    raise _FieldError(f"expected 0 or 1, got {text!r}")


PARSERS: dict[Kind, Callable[[str], Any]] = {
    Kind.TICKET: lambda t: _int(t, 1),
    Kind.UINT: lambda t: _int(t, 0),
    Kind.POS_INT: lambda t: _int(t, 1),
    Kind.INT32: lambda t: _int(t, 0, vocab.MAX_INT32),
    Kind.POS_INT32: lambda t: _int(t, 1, vocab.MAX_INT32),
    Kind.DIGITS: lambda t: _int(t, 0, 10),
    Kind.OPT_UINT: _opt_uint,
    Kind.OPT_COUNT: lambda t: _int(t, 0),
    Kind.EPOCH_MS: _opt_uint,
    **{kind: _decimal(kind) for kind in vocab.DECIMAL_RANGES},
    Kind.SIDE: _enum_parser(Side),
    Kind.ORDER_TYPE: _enum_parser(OrderType),
    Kind.ORDER_END: _enum_parser(OrderEnd),
    Kind.REASON: _enum_parser(CloseReason),
    Kind.COMMAND: _enum_parser(CommandKind),
    Kind.ERROR_CODE: _enum_parser(ErrorCode),
    Kind.SYMBOL: _matching(vocab.SYMBOL_RE, "symbol (1-32 of A-Z a-z 0-9 . _ # + -)"),
    Kind.CURRENCY: _matching(vocab.CURRENCY_RE, "currency (3-8 letters)"),
    Kind.API_KEY: _matching(vocab.API_KEY_RE, "API key"),
    Kind.OPT_TOKEN: _opt_token,
    Kind.TEXT: _text,
    Kind.ROLE: _one_of(vocab.ROLES),
    Kind.LOT_MODE: _enum_parser(LotMode),
    Kind.BOOL: _bool,
    Kind.SYMBOL_MAP: _matching(vocab.SYMBOL_MAP_RE, "symbol map (A=B,C=D)"),
}
"""How each kind of field is read."""


class _Shape:
    """How to read one verb: the class, its fields' parsers and the allowed field counts."""

    __slots__ = ("cls", "fields", "fixed", "max_count", "min_count", "verb")

    def __init__(self, verb: str, cls: type[Message], fixed: dict[str, Any]) -> None:
        self.verb = verb
        self.cls = cls
        self.fixed = fixed
        specs = wire_fields(cls)
        self.fields = tuple((name, PARSERS[kind]) for name, kind in specs)
        optional = sum(1 for _, kind in specs if kind in vocab.OPTIONAL_KINDS)
        self.max_count = len(specs) + 1  # counting the verb
        self.min_count = self.max_count - optional

    def accepts(self, count: int) -> bool:
        """Every optional field present, or none of them."""
        return count in (self.min_count, self.max_count)

    def expected(self) -> str:
        if self.min_count == self.max_count:
            return str(self.max_count)
        return f"{self.min_count} or {self.max_count}"


def _shapes(types: tuple[type[Message], ...]) -> dict[str, _Shape]:
    table: dict[str, _Shape] = {}
    for cls in types:
        if cls is Nack:
            for kind in CommandKind:
                verb = f"NACK_{kind.value}"
                table[verb] = _Shape(verb, cls, {"command": kind})
        else:
            verb = cls.VERB  # type: ignore[union-attr]
            table[verb] = _Shape(verb, cls, {})
    return table


_TABLES: dict[Direction, dict[str, _Shape]] = {
    Direction.EA_TO_SERVER: _shapes(FROM_EA),
    Direction.SERVER_TO_EA: _shapes(FROM_SERVER),
}


def parse(line: bytes, direction: Direction) -> Message:
    """Parse one line (terminator optional) travelling in ``direction``."""
    line = line.rstrip(b"\r\n\x00")
    if len(line) >= vocab.MAX_LINE:
        raise RemoteProtocolError(
            ErrorCode.LINE_TOO_LONG, f"line longer than {vocab.MAX_LINE - 1} bytes"
        )
    if not line:
        raise RemoteProtocolError(ErrorCode.MALFORMED, "empty line")
    bad = _NOT_PRINTABLE.search(line)
    if bad is not None:
        raise RemoteProtocolError(
            ErrorCode.MALFORMED,
            f"byte 0x{line[bad.start()]:02x} at offset {bad.start()} is not printable ASCII",
        )
    parts = line.decode("ascii").split("|")
    verb = parts[0]
    shape = _TABLES[direction].get(verb)
    if shape is None:
        raise RemoteProtocolError(ErrorCode.UNKNOWN_COMMAND, f"unknown command {verb[:40]!r}")
    count = len(parts)
    if not shape.accepts(count):
        raise RemoteProtocolError(
            ErrorCode.MALFORMED, f"{verb} expects {shape.expected()} fields, got {count}"
        )
    kwargs = dict(shape.fixed)
    for (name, read), text in zip(shape.fields, parts[1:], strict=False):
        try:
            kwargs[name] = read(text)
        except _FieldError as exc:
            raise RemoteProtocolError(ErrorCode.MALFORMED, str(exc), field=name) from None
    return shape.cls(**kwargs)


def parse_from_ea(line: bytes) -> Message:
    """Parse a line an EA sent to the server."""
    return parse(line, Direction.EA_TO_SERVER)


def parse_from_server(line: bytes) -> Message:
    """Parse a line the server sent to an EA (used by the simulators)."""
    return parse(line, Direction.SERVER_TO_EA)
