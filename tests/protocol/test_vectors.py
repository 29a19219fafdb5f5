"""Every line of the shared vector file (also read by the MQL5 tests) means what it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from copytrade.protocol import Direction, Nack, ProtocolError, RemoteProtocolError, encode, parse
from copytrade.protocol.messages import FROM_EA, FROM_SERVER, wire_fields
from copytrade.protocol.writer import encode_fields

VECTORS_PATH = Path(__file__).parent.parent / "fixtures" / "protocol_vectors.json"
ORDER_VECTORS_PATH = VECTORS_PATH.with_name("protocol_vectors_orders.json")
"""The pending-order verbs (docs/protocol.md §7a, §9a): same format, in a file of their own;
tests/mql5 reads both files too."""
VECTORS: list[dict[str, Any]] = [
    *json.loads(VECTORS_PATH.read_text(encoding="utf-8")),
    *json.loads(ORDER_VECTORS_PATH.read_text(encoding="utf-8")),
]


def _id(v: dict[str, Any]) -> str:
    return f"{v['direction']}:{v['name']}"


VALID = [v for v in VECTORS if v["valid"]]
INVALID = [v for v in VECTORS if not v["valid"]]


def _wire_view(msg: Any) -> dict[str, str]:
    """The message as the vector file writes it: type plus each field's wire text."""
    view = {"type": type(msg).__name__}
    if isinstance(msg, Nack):
        view["command"] = msg.command.value
    names = [name for name, _ in wire_fields(type(msg))]
    view.update(zip(names, encode_fields(msg), strict=False))
    return view


@pytest.mark.parametrize("vector", VALID, ids=_id)
def test_valid_vector(vector: dict[str, Any]) -> None:
    msg = parse(vector["line"].encode("utf-8"), Direction(vector["direction"]))
    assert _wire_view(msg) == vector["message"]
    canonical = vector.get("encoded", vector["line"])
    assert encode(msg) == canonical.encode("ascii") + b"\n"
    # The canonical form parses back to the same message.
    assert parse(encode(msg), Direction(vector["direction"])) == msg


@pytest.mark.parametrize("vector", INVALID, ids=_id)
def test_invalid_vector(vector: dict[str, Any]) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        parse(vector["line"].encode("utf-8"), Direction(vector["direction"]))
    assert info.value.code.value == vector["error"]["code"]
    assert (info.value.field or "") == vector["error"]["field"]
    assert isinstance(info.value, ProtocolError)


def test_vectors_cover_every_message_type_in_both_directions() -> None:
    seen = {(v["direction"], v["message"]["type"]) for v in VALID}
    for cls in FROM_EA:
        assert (Direction.EA_TO_SERVER.value, cls.__name__) in seen
    for cls in FROM_SERVER:
        assert (Direction.SERVER_TO_EA.value, cls.__name__) in seen


def test_vectors_name_every_field_of_every_message() -> None:
    for v in VALID:
        msg = parse(v["line"].encode("utf-8"), Direction(v["direction"]))
        fields = {f.name for f in attrs.fields(type(msg))}
        for name in ("open_time_ms", "tick_size", "tick_value", "orders",  # optional, left out
                     "max_spread_points", "volume"):
            if getattr(msg, name, 0) is None:
                fields.discard(name)
        assert set(v["message"]) - {"type"} == fields, v["name"]


def test_vector_file_is_flat() -> None:
    """A tiny C++ JSON reader must cope: message/error values are all strings."""
    for v in VECTORS:
        assert set(v) <= {"name", "direction", "line", "valid", "message", "error", "encoded"}
        body = v["message"] if v["valid"] else v["error"]
        assert all(isinstance(x, str) for x in body.values())


def test_every_numeric_kind_has_out_of_range_and_too_precise_vectors() -> None:
    """§3: for each decimal kind, a malformed vector above its column's range and one with
    more decimals than its column, refused naming the field (the MQL5 codec reads them too)."""
    from decimal import Decimal

    from copytrade.protocol.reader import _TABLES
    from copytrade.protocol.vocab import DECIMAL_RANGES, DECIMAL_RE, Kind

    seen: set[tuple[Kind, str]] = set()
    for v in INVALID:
        if v["error"]["code"] != "MALFORMED" or not v["error"]["field"]:
            continue
        parts = v["line"].split("|")
        shape = _TABLES[Direction(v["direction"])][parts[0]]
        kinds = dict(wire_fields(shape.cls))
        names = [name for name, _ in wire_fields(shape.cls)]
        field = v["error"]["field"]
        kind, text = kinds[field], parts[1 + names.index(field)]
        if kind not in DECIMAL_RANGES or DECIMAL_RE.fullmatch(text) is None:
            continue
        _low, _incl, high, places = DECIMAL_RANGES[kind]
        if Decimal(text) > high:
            seen.add((kind, "range"))
        elif "." in text and len(text.split(".")[1].rstrip("0")) > places:
            seen.add((kind, "decimals"))
    assert seen == {(k, what) for k in DECIMAL_RANGES for what in ("range", "decimals")}
