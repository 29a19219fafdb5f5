"""Scenario files for ``copytrade ea run``: a JSON script of terminal events with times.

The format is documented in mql5/README.md ("Try the real EA without MetaTrader"). Loading is
strict: an unknown key, an unknown event or a bad value is a :class:`ScenarioError` that names
the place (``events[3].volume: must be > 0``) and nothing runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

SIDES = ("BUY", "SELL")
MODES = ("hedging", "netting")
OPEN_REASONS = ("CLIENT", "EXPERT", "MOBILE", "WEB")
CLOSE_REASONS = ("CLIENT", "EXPERT", "MOBILE", "WEB", "SL", "TP", "SO")
FILLING_FLAGS = ("FOK", "IOC", "BOC")
ACCEPTED_FILLINGS = ("FOK", "IOC", "RETURN")
EXEMODES = ("market", "instant", "request", "exchange")
TRADE_MODES = ("full", "closeonly", "disabled")
# Trade-server answers a scenario may script for the next OrderSend calls (MQL5 retcodes).
RETCODES = {
    10004: "Requote", 10006: "Request rejected", 10007: "Request canceled by trader",
    10009: "Request executed", 10010: "Only part of the request was completed",
    10011: "Request processing error", 10012: "Request timed out (but executed)",
    10013: "Invalid request", 10014: "Invalid volume", 10015: "Invalid price",
    10016: "Invalid stops", 10017: "Trade disabled", 10018: "Market closed",
    10019: "Not enough money", 10020: "Prices changed", 10021: "No quotes",
    10024: "Too frequent requests", 10026: "Autotrading disabled by server",
    10027: "Autotrading disabled by client", 10030: "Unsupported filling mode",
    10031: "No connection with the trade server", 10036: "Position already closed",
    10038: "Close volume exceeds the position volume", 10044: "Only closing is allowed",
}

FX: dict[str, Any] = {"digits": 5, "vmin": 0.01, "vmax": 100.0, "vstep": 0.01,
                      "contract": 100000.0}
DEFAULT_SYMBOLS: dict[str, dict[str, Any]] = {
    "EURUSD": {**FX, "bid": 1.08450, "ask": 1.08460},
    "GBPUSD": {**FX, "bid": 1.26500, "ask": 1.26512},
    "USDJPY": {**FX, "digits": 3, "bid": 151.250, "ask": 151.262},
    "XAUUSD": {"digits": 2, "vmin": 0.01, "vmax": 50.0, "vstep": 0.01, "contract": 100.0,
               "bid": 2350.10, "ask": 2350.40},
}


class ScenarioError(Exception):
    """The scenario file is not valid; the message names the place."""


@attrs.frozen
class Step:
    """One event of the script: ``do`` with its fields, run ``at`` seconds after the login
    (None: right after the step before)."""

    index: int
    do: str
    at: float | None
    fields: dict[str, Any]
    note: str = ""


@attrs.frozen
class Scenario:
    description: str
    terminal: dict[str, Any]
    symbols: dict[str, dict[str, Any]]
    inputs: dict[str, str]
    steps: tuple[Step, ...]
    settle: float
    start: str = "login"


# --------------------------------------------------------------------------- value checks

Check = Callable[[str, Any], Any]


def _fail(where: str, text: str) -> ScenarioError:
    return ScenarioError(f"{where}: {text}")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def number(*, gt: float | None = None, ge: float | None = None, ne: float | None = None) -> Check:
    def check(where: str, v: Any) -> float:
        if not _is_number(v):
            raise _fail(where, f"must be a number, not {json.dumps(v)}")
        if gt is not None and not v > gt:
            raise _fail(where, f"must be > {gt:g}")
        if ge is not None and not v >= ge:
            raise _fail(where, f"must be >= {ge:g}")
        if ne is not None and v == ne:
            raise _fail(where, f"must not be {ne:g}")
        return float(v)
    return check


def integer(*, ge: int | None = None, le: int | None = None) -> Check:
    def check(where: str, v: Any) -> int:
        if not isinstance(v, int) or isinstance(v, bool):
            raise _fail(where, f"must be a whole number, not {json.dumps(v)}")
        if ge is not None and v < ge:
            raise _fail(where, f"must be >= {ge}")
        if le is not None and v > le:
            raise _fail(where, f"must be <= {le}")
        return v
    return check


def text(*, nonempty: bool = True, no: str = "") -> Check:
    def check(where: str, v: Any) -> str:
        if not isinstance(v, str):
            raise _fail(where, f"must be a string, not {json.dumps(v)}")
        if nonempty and not v.strip():
            raise _fail(where, "must not be empty")
        bad = [c for c in no if c in v]
        if bad or any(ord(c) < 0x20 for c in v):
            raise _fail(where, "must not contain control characters"
                        + (f" or {''.join(sorted(set(bad)))!r}" if bad else ""))
        return v
    return check


def one_of(choices: tuple[str, ...], *, upper: bool = False) -> Check:
    def check(where: str, v: Any) -> str:
        value = v.upper() if upper and isinstance(v, str) else v
        if value not in choices:
            raise _fail(where, f"must be one of {', '.join(choices)}, not {json.dumps(v)}")
        return str(value)
    return check


def boolean(where: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise _fail(where, f"must be true or false, not {json.dumps(v)}")
    return v


def flags(choices: tuple[str, ...]) -> Check:
    def check(where: str, v: Any) -> str:
        if not isinstance(v, list):
            raise _fail(where, f"must be a list of {', '.join(choices)}")
        out = []
        for i, item in enumerate(v):
            out.append(one_of(choices, upper=True)(f"{where}[{i}]", item))
        return ",".join(out)
    return check


def retcodes(where: str, v: Any) -> list[int]:
    if not isinstance(v, list) or not v:
        raise _fail(where, "must be a non-empty list of MQL5 trade retcodes, e.g. [10004, 10030]")
    for i, code in enumerate(v):
        integer()(f"{where}[{i}]", code)
        if code not in RETCODES:
            raise _fail(f"{where}[{i}]", f"unknown trade retcode {code} (known: "
                        f"{', '.join(str(c) for c in sorted(RETCODES))})")
    return list(v)


def _obj(where: str, v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _fail(where, f"must be an object, not {json.dumps(v)[:40]}")
    return v


def _fields(where: str, raw: Mapping[str, Any], spec: Mapping[str, Check],
            required: tuple[str, ...] = ()) -> dict[str, Any]:
    for key in raw:
        if key not in spec:
            raise _fail(f"{where}.{key}" if where else key,
                        f"unknown key (allowed: {', '.join(spec)})")
    for key in required:
        if key not in raw:
            raise _fail(f"{where}.{key}" if where else key, "is required")
    return {key: spec[key](f"{where}.{key}" if where else key, value)
            for key, value in raw.items()}


# --------------------------------------------------------------------------- the schema

SYMBOL_NAME = text(no="|")
SYMBOL_SPEC: dict[str, Check] = {
    "digits": integer(ge=0, le=8), "bid": number(gt=0), "ask": number(gt=0),
    "vmin": number(gt=0), "vmax": number(gt=0), "vstep": number(gt=0),
    "contract": number(gt=0), "tick_size": number(gt=0), "tick_value": number(ge=0),
    "filling": flags(FILLING_FLAGS),
    "accept": flags(ACCEPTED_FILLINGS), "exemode": one_of(EXEMODES),
    "stops_level": integer(ge=0), "trade_mode": one_of(TRADE_MODES), "selected": boolean,
    "select_tick_delay_ms": integer(ge=0),
}
QUIRKS: dict[str, Check] = {
    "connected": boolean, "logged_in": boolean, "algo": boolean, "shuffle_transactions": boolean, "position_lag_ms": integer(ge=0),
    "send_max": integer(ge=0), "phantom_readable": boolean,
}
TERMINAL: dict[str, Check] = {
    "login": integer(ge=1), "mode": one_of(MODES), "balance": number(gt=0),
    "currency": text(), "leverage": integer(ge=1), "name": text(),
    "chart": SYMBOL_NAME,
    "suffix": text(no="|"), "symbols": _obj, "inputs": _obj, **QUIRKS,
}
REF = text()
EVENTS: dict[str, tuple[dict[str, Check], tuple[str, ...]]] = {
    "open": ({"symbol": SYMBOL_NAME, "side": one_of(SIDES, upper=True),
              "volume": number(gt=0), "sl": number(ge=0), "tp": number(ge=0), "ref": REF,
              "comment": text(nonempty=False), "magic": integer(ge=0),
              "reason": one_of(OPEN_REASONS, upper=True)}, ("symbol", "side", "volume")),
    "close": ({"ref": REF, "symbol": SYMBOL_NAME, "volume": number(gt=0),
               "reason": one_of(CLOSE_REASONS, upper=True)}, ()),
    "partial_close": ({"ref": REF, "symbol": SYMBOL_NAME, "volume": number(gt=0),
                       "reason": one_of(CLOSE_REASONS, upper=True)}, ("volume",)),
    "close_by": ({"ref": REF, "by": REF}, ("ref", "by")),
    "modify": ({"ref": REF, "symbol": SYMBOL_NAME, "sl": number(ge=0), "tp": number(ge=0)},
               ()),
    "tick": ({"symbol": SYMBOL_NAME, "bid": number(gt=0), "ask": number(gt=0)},
             ("symbol", "bid")),
    "deposit": ({"amount": number(ne=0)}, ("amount",)),
    "stopout": ({}, ()),
    "disconnect": ({}, ()),
    "reconnect": ({}, ()),
    "restart": ({}, ()),
    "detach": ({}, ()),
    "attach": ({}, ()),
    "switch_account": ({"login": integer(ge=1), "mode": one_of(MODES),
                        "balance": number(gt=0)}, ("login",)),
    "trade_errors": ({"retcodes": retcodes, "delay_ms": integer(ge=0, le=60000)}, ()),
    "symbol": ({"name": SYMBOL_NAME, **SYMBOL_SPEC}, ("name",)),
    "terminal": (dict(QUIRKS), ()),
    "wait": ({"seconds": number(gt=0)}, ("seconds",)),
    "wait_for": ({"symbol": SYMBOL_NAME, "timeout": number(gt=0)}, ("symbol",)),
}
COMMON = ("do", "at", "note")
STARTS = ("login", "attach")
TOP: dict[str, Check] = {"description": text(nonempty=False), "terminal": _obj, "events": _obj,
                         "settle": number(ge=0), "start": one_of(STARTS)}


def _symbol(where: str, name: str, raw: Any, base: Mapping[str, Any]) -> dict[str, Any]:
    spec = {**base, **_fields(where, _obj(where, raw), SYMBOL_SPEC)}
    _check_symbol(where, spec)
    return spec


def _check_symbol(where: str, spec: Mapping[str, Any]) -> None:
    if "bid" in spec and "ask" in spec and spec["ask"] < spec["bid"]:
        raise _fail(f"{where}.ask", "must be >= bid")
    if "vmin" in spec and "vmax" in spec and spec["vmax"] < spec["vmin"]:
        raise _fail(f"{where}.vmax", "must be >= vmin")


def parse(data: Any, *, inputs: tuple[str, ...] = ()) -> Scenario:
    """Validate a decoded scenario. ``inputs`` are the EA's input names (checked if given)."""
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a JSON object with \"events\" (and optionally "
                            "\"terminal\", \"description\", \"settle\")")
    events_raw = data.get("events", [])
    top = _fields("", {k: v for k, v in data.items() if k != "events"}, TOP)
    if not isinstance(events_raw, list):
        raise _fail("events", "must be a list of event objects")
    terminal = _fields("terminal", _obj("terminal", top.get("terminal", {})), TERMINAL)
    suffix = terminal.pop("suffix", "")
    symbols_raw = terminal.pop("symbols", None)
    symbols: dict[str, dict[str, Any]] = {}
    if symbols_raw is None:
        symbols = {name + suffix: dict(spec) for name, spec in DEFAULT_SYMBOLS.items()}
    else:
        if not symbols_raw:
            raise _fail("terminal.symbols", "must name at least one symbol")
        for name, spec in symbols_raw.items():
            where = f"terminal.symbols.{name}"
            SYMBOL_NAME(where, name)
            base = DEFAULT_SYMBOLS.get(name.removesuffix(suffix) if suffix else name, FX)
            symbols[name] = _symbol(where, name, spec, {"bid": 1.0, "ask": 1.0001, **base})
    if "chart" in terminal and terminal["chart"] not in symbols:
        raise _fail("terminal.chart", f"unknown symbol {terminal['chart']!r} (the terminal has "
                    f"{', '.join(symbols)})")
    ea_inputs: dict[str, str] = {}
    for name, value in _obj("terminal.inputs", terminal.pop("inputs", {})).items():
        where = f"terminal.inputs.{name}"
        if inputs and name not in inputs:
            raise _fail(where, f"the EA has no such input (it has {', '.join(inputs)})")
        if name == "InpApiKey":
            raise _fail(where, "give the key with --api-key, not in the file")
        if isinstance(value, bool):
            ea_inputs[name] = "true" if value else "false"
        elif _is_number(value) or isinstance(value, str):
            ea_inputs[name] = str(value)
        else:
            raise _fail(where, "must be a string, number or true/false")
    known = {name: dict(spec) for name, spec in symbols.items()}
    book = _Book(netting=terminal.get("mode") == "netting")
    steps: list[Step] = []
    last_at = 0.0
    for i, raw in enumerate(events_raw):
        where = f"events[{i}]"
        event = _obj(where, raw)
        if "do" not in event:
            raise _fail(f"{where}.do", f"is required (one of: {', '.join(EVENTS)})")
        do = event["do"]
        if do not in EVENTS:
            raise _fail(f"{where}.do", f"unknown event {json.dumps(do)} (one of: "
                        f"{', '.join(EVENTS)})")
        spec, required = EVENTS[do]
        at = None
        if "at" in event:
            at = number(ge=0)(f"{where}.at", event["at"])
            if at < last_at:
                raise _fail(f"{where}.at", f"must not be earlier than a previous event's "
                            f"at ({last_at:g})")
            last_at = at
        note = text(nonempty=False)(f"{where}.note", event.get("note", ""))
        fields = _fields(where, {k: v for k, v in event.items() if k not in COMMON}, spec,
                         required)
        _check_event(where, do, fields, known, book)
        steps.append(Step(i, do, at, fields, note))
    return Scenario(description=top.get("description", ""), terminal=terminal, symbols=symbols,
                    inputs=ea_inputs, steps=tuple(steps), settle=top.get("settle", 1.0),
                    start=top.get("start", "login"))


@attrs.define
class _Book:
    """What the script has opened so far, to refuse impossible steps before anything runs.
    Volumes are followed on a hedging account only (netting merges positions)."""

    netting: bool
    volumes: dict[str, float | None] = attrs.field(factory=dict)   # open ref -> volume left
    closed: set[str] = attrs.field(factory=set)

    def use(self, where: str, ref: str) -> None:
        if ref in self.closed:
            raise _fail(where, f"position {ref!r} is already closed by then")
        if ref not in self.volumes:
            raise _fail(where, f"no earlier open has ref {ref!r}")

    def reduce(self, ref: str, volume: float | None) -> None:
        left = self.volumes[ref]
        if volume is None or (left is not None and left - volume < 1e-9):
            del self.volumes[ref]
            self.closed.add(ref)
        elif left is not None:
            self.volumes[ref] = round(left - volume, 8)


def _check_volume(where: str, symbol: str, spec: Mapping[str, Any], volume: float) -> None:
    vmin, vmax, vstep = spec.get("vmin", 0.01), spec.get("vmax", 100.0), spec.get("vstep", 0.01)
    if volume < vmin - 1e-9 or volume > vmax + 1e-9:
        raise _fail(where, f"must be within {symbol}'s volume limits {vmin:g} .. {vmax:g}")
    steps = volume / vstep
    if abs(steps - round(steps)) > 1e-7:
        raise _fail(where, f"must be a multiple of {symbol}'s volume step {vstep:g}")


def _check_event(where: str, do: str, fields: dict[str, Any], known: dict[str, dict[str, Any]],
                 book: _Book) -> None:
    if do in ("open", "tick", "wait_for") and fields["symbol"] not in known:
        raise _fail(f"{where}.symbol", f"unknown symbol {fields['symbol']!r} (the terminal has "
                    f"{', '.join(sorted(known))}; add one with a \"symbol\" event)")
    if do == "symbol":
        spec = {**known.get(fields["name"], FX), **fields}
        _check_symbol(where, spec)
        known[fields["name"]] = spec
    if do == "tick" and "ask" in fields and fields["ask"] < fields["bid"]:
        raise _fail(f"{where}.ask", "must be >= bid")
    if do == "open":
        _check_volume(f"{where}.volume", fields["symbol"], known[fields["symbol"]],
                      fields["volume"])
        ref = fields.get("ref")
        if ref is not None:
            if ref in book.volumes or ref in book.closed:
                raise _fail(f"{where}.ref", f"{ref!r} is already used by an earlier open")
            book.volumes[ref] = None if book.netting else fields["volume"]
        return
    if do in ("close", "partial_close", "modify"):
        if ("ref" in fields) == ("symbol" in fields):
            raise _fail(where, f"{do} needs either ref (a position the script opened) or "
                        "symbol (the terminal's oldest position on it, e.g. a copy)")
        if "symbol" in fields and fields["symbol"] not in known:
            raise _fail(f"{where}.symbol", f"unknown symbol {fields['symbol']!r}")
    for key in ("ref", "by"):
        if key in fields:
            book.use(f"{where}.{key}", fields[key])
    if do == "modify" and "sl" not in fields and "tp" not in fields:
        raise _fail(where, "modify needs sl or tp (0 removes it)")
    if do == "trade_errors" and not fields:
        raise _fail(where, "trade_errors needs retcodes or delay_ms")
    if do in ("close", "partial_close") and "ref" in fields:
        left = book.volumes[fields["ref"]]
        if "volume" in fields and left is not None and fields["volume"] > left + 1e-9:
            raise _fail(f"{where}.volume", f"more than the {left:g} lots left of position "
                        f"{fields['ref']!r}")
        book.reduce(fields["ref"], fields.get("volume"))
    if do == "close_by":
        if fields["ref"] == fields["by"]:
            raise _fail(f"{where}.by", "must be another position than ref")
        if book.netting:
            raise _fail(where, "close_by needs a hedging account")
        a, b = book.volumes[fields["ref"]], book.volumes[fields["by"]]
        both = None if a is None or b is None else min(a, b)
        book.reduce(fields["ref"], both)
        book.reduce(fields["by"], both)
    if do == "stopout":
        for ref in list(book.volumes):
            book.reduce(ref, None)
    if do == "switch_account":
        book.netting = fields.get("mode") == "netting"
        for ref in book.volumes:   # another account's positions: no longer followed
            book.volumes[ref] = None


def load(path: Path, *, inputs: tuple[str, ...] = ()) -> Scenario:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text") from None
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"not valid JSON: line {exc.lineno} column {exc.colno}: "
                            f"{exc.msg}") from None
    return parse(data, inputs=inputs)


def _no_constant(name: str) -> Any:
    raise ScenarioError(f"not valid JSON: {name} is not a number")
