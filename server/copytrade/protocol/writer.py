"""Encoding: message -> one ``\\n``-terminated line, or LocalProtocolError.

This is on the fan-out hot path: each message class gets one precomputed writer (an
attrgetter plus a tuple of field formatters), so encoding is a handful of C calls per field.
Free text is sanitised; every structural field is checked and refused if invalid.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from copytrade.domain.models import LotMode, Side
from copytrade.domain.pending import OrderType

from . import vocab
from .errors import ErrorCode, LocalProtocolError
from .messages import FROM_EA, FROM_SERVER, Message, Nack, wire_fields
from .vocab import CloseReason, CommandKind, Kind, OrderEnd


class _FieldError(Exception):
    """Raised by a field formatter; the caller adds the field name."""


def _decimal(kind: Kind) -> Callable[[object], str]:
    """A formatter for ``kind``: in range, exact, written in its shortest form without an
    exponent (``0.10`` as ``0.1``, ``1E+1`` as ``10``, ``-0`` as ``0``). A ``QUOTE`` keeps
    its trailing zeros: they carry the symbol's digits (docs/protocol.md, PNL)."""
    low, low_included, high, places = vocab.DECIMAL_RANGES[kind]
    as_given = kind is Kind.QUOTE

    def write(value: object) -> str:
        # On the fan-out hot path: str() and string trimming, no Decimal arithmetic.
        if type(value) is Decimal:
            if not value.is_finite():
                raise _FieldError(f"{value} is not a finite number")
            text = str(value)
            if "E" in text:  # str() uses exponents for some values; the wire never does
                text = format(value.normalize(), "f")
            elif not as_given and "." in text:
                text = text.rstrip("0").rstrip(".")
        elif type(value) is int:
            text = str(value)
        else:
            raise _FieldError(f"expected a Decimal, got {type(value).__name__}")
        if not (low <= value <= high) or (not low_included and value == low):
            if value > high:
                raise _FieldError(f"out of range: must be at most {high}, got {value}")
            raise _FieldError(f"must be {'>=' if low_included else '>'} {low}, got {value}")
        dot = text.find(".")
        if dot >= 0 and len(text) - dot - 1 > places and (
            not as_given or len(text[dot + 1 :].rstrip("0")) > places
        ):
            raise _FieldError(f"too many decimals: at most {places}, got {value}")
        if text[0] == "-" and not value:
            text = text[1:]
        return text

    return write


def _int(low: int, high: int = vocab.MAX_INT) -> Callable[[object], str]:
    def write(value: object) -> str:
        if type(value) is not int:
            raise _FieldError(f"expected an int, got {type(value).__name__}")
        if value < low or value > high:
            raise _FieldError(f"{value} is outside {low}..{high}")
        return str(value)

    return write


def _enum(enum_cls: Any) -> Callable[[object], str]:
    def write(value: object) -> str:
        if type(value) is not enum_cls:
            raise _FieldError(f"expected {enum_cls.__name__}, got {value!r}")
        return value.value  # type: ignore[attr-defined, no-any-return]

    return write


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[object], str]:
    def write(value: object) -> str:
        if type(value) is not str or pattern.fullmatch(value) is None:
            raise _FieldError(f"not a valid {what}: {value!r}")
        return value

    return write


def _one_of(choices: frozenset[str]) -> Callable[[object], str]:
    def write(value: object) -> str:
        if value not in choices:
            raise _FieldError(f"expected one of {'|'.join(sorted(choices))}, got {value!r}")
        return value

    return write


def _opt_token(value: object) -> str:
    if value is None:
        return ""
    if type(value) is not str or vocab.TOKEN_RE.fullmatch(value) is None:
        raise _FieldError(f"not a valid master token: {value!r}")
    return value


_UNSAFE_TEXT = re.compile(r"[^\x20-\x7b\x7d\x7e]")


def _replace_unsafe(match: re.Match[str]) -> str:
    return "?" if ord(match.group()) > 0x7E else " "


def sanitize_text(text: str) -> str:
    """Make free text safe for one field: ``|`` and control characters become spaces,
    non-ASCII characters ``?``, and the result is cut to MAX_TEXT characters."""
    text = text[: vocab.MAX_TEXT]
    if _UNSAFE_TEXT.search(text) is not None:
        text = _UNSAFE_TEXT.sub(_replace_unsafe, text)
    return text


def _text(value: object) -> str:
    if type(value) is not str:
        raise _FieldError(f"expected str, got {type(value).__name__}")
    return sanitize_text(value)


def _bool(value: object) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    raise _FieldError(f"expected a bool, got {value!r}")


FORMATTERS: dict[Kind, Callable[[object], str]] = {
    Kind.TICKET: _int(1),
    Kind.UINT: _int(0),
    Kind.POS_INT: _int(1),
    Kind.INT32: _int(0, vocab.MAX_INT32),
    Kind.POS_INT32: _int(1, vocab.MAX_INT32),
    Kind.DIGITS: _int(0, 10),
    # None is handled by the writer: the field is left out
    Kind.OPT_UINT: _int(0, vocab.MAX_EPOCH_MS),
    Kind.OPT_COUNT: _int(0),
    Kind.EPOCH_MS: _int(0, vocab.MAX_EPOCH_MS),
    **{kind: _decimal(kind) for kind in vocab.DECIMAL_RANGES},
    Kind.SIDE: _enum(Side),
    Kind.ORDER_TYPE: _enum(OrderType),
    Kind.ORDER_END: _enum(OrderEnd),
    Kind.REASON: _enum(CloseReason),
    Kind.COMMAND: _enum(CommandKind),
    Kind.ERROR_CODE: _enum(ErrorCode),
    Kind.SYMBOL: _matching(vocab.SYMBOL_RE, "symbol"),
    Kind.CURRENCY: _matching(vocab.CURRENCY_RE, "currency"),
    Kind.API_KEY: _matching(vocab.API_KEY_RE, "API key"),
    Kind.OPT_TOKEN: _opt_token,
    Kind.TEXT: _text,
    Kind.ROLE: _one_of(vocab.ROLES),
    Kind.LOT_MODE: _enum(LotMode),
    Kind.BOOL: _bool,
    Kind.SYMBOL_MAP: _matching(vocab.SYMBOL_MAP_RE, "symbol map"),
}
"""How each kind of field is written."""


def _make_field_writer(cls: type[Message]) -> Callable[[Message], list[str]]:
    specs = wire_fields(cls)
    names = tuple(name for name, _ in specs)
    formatters = tuple(FORMATTERS[kind] for _, kind in specs)
    optional = sum(1 for _, kind in specs if kind in vocab.OPTIONAL_KINDS)
    getter = operator.attrgetter(*names) if len(names) > 1 else None

    def write_fields(msg: Message) -> list[str]:
        values = getter(msg) if getter is not None else (getattr(msg, names[0]),)
        if optional:
            tail = values[len(values) - optional :]
            if all(value is None for value in tail):
                values = values[: len(values) - optional]
            elif any(value is None for value in tail):
                name = names[len(values) - optional + tail.index(None)]
                raise LocalProtocolError(
                    ErrorCode.INTERNAL, "the optional fields go all together or not at all",
                    field=name)
        try:
            return [fmt(value) for fmt, value in zip(formatters, values, strict=False)]
        except _FieldError:
            pass
        for name, fmt, value in zip(names, formatters, values, strict=False):
            try:
                fmt(value)
            except _FieldError as exc:
                raise LocalProtocolError(ErrorCode.INTERNAL, str(exc), field=name) from None
        raise AssertionError("unreachable")  # pragma: no cover

    return write_fields


_FIELD_WRITERS: dict[type[Message], Callable[[Message], list[str]]] = {
    cls: _make_field_writer(cls) for cls in {*FROM_EA, *FROM_SERVER}
}


def _verb(msg: Message) -> str:
    if type(msg) is Nack:
        return f"NACK_{msg.command.value}"
    return msg.VERB  # type: ignore[union-attr]


def encode_fields(msg: Message) -> list[str]:
    """The wire text of each field of ``msg`` after the verb, as ``encode`` writes them."""
    writer = _FIELD_WRITERS.get(type(msg))
    if writer is None:
        raise LocalProtocolError(ErrorCode.INTERNAL, f"not a protocol message: {msg!r}")
    return writer(msg)


def encode(msg: Message) -> bytes:
    """One ``\\n``-terminated line for ``msg``; LocalProtocolError if a field is invalid."""
    fields = encode_fields(msg)
    if type(msg) is Nack and type(msg.command) is not CommandKind:
        raise LocalProtocolError(ErrorCode.INTERNAL, "expected CommandKind", field="command")
    line = "|".join([_verb(msg), *fields]) + "\n"
    if len(line) > vocab.MAX_LINE:
        raise LocalProtocolError(
            ErrorCode.LINE_TOO_LONG, f"encoded line is {len(line)} bytes, over {vocab.MAX_LINE}"
        )
    return line.encode("ascii")
