"""A follower's copy rules, validated, and the follower state the rules are applied to.

Every invalid setting raises :class:`~copytrade.domain.errors.RuleError` naming the field, so
the API can show it next to the input. Text forms are accepted where a form would send text:
``symbol_map="XAUUSD=GOLD, US30=DJ30"``, ``allowed_symbols="EURUSD, XAUUSD"``,
``lot_mode="FIXED"``, decimals as strings.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from copytrade.domain.errors import RuleError
from copytrade.domain.lots import SymbolSpec
from copytrade.domain.models import LotMode, StaleOpenPolicy
from copytrade.domain.symbols import (
    SymbolIndex,
    SymbolMap,
    check_symbol,
    parse_symbol_list,
    parse_symbol_map,
)

MAX_EXPIRY_SECONDS = 86_400
"""Longest a signal may wait for a follower: one day."""

MAX_RISK_PERCENT = Decimal(100)
"""Largest ``lot_value`` in RISK_PERCENT mode: risking more than the whole equity is a typo."""

MAX_COPY_EXISTING_MINUTES = 10_080
"""Oldest master trade "copy existing positions" may copy: one week."""

MAX_DEVIATION_POINTS = 100_000
"""Largest price deviation a follower may allow, in points."""

_E = TypeVar("_E", bound=enum.Enum)


def _to_decimal(field: str, value: object) -> Decimal:
    if isinstance(value, bool):
        raise RuleError(field, "must be a number")
    try:
        number = Decimal(str(value)) if isinstance(value, int | float | str) else value
    except InvalidOperation:
        raise RuleError(field, f"{value!r} is not a number") from None
    if not isinstance(number, Decimal) or not number.is_finite():
        raise RuleError(field, f"{value!r} is not a number")
    return number


def _to_enum(kind: type[_E], field: str, value: object) -> _E:
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise RuleError(field, f"{value!r} is not one of {choices}") from None


def _to_int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError(field, "must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise RuleError(field, f"{value!r} is not a whole number") from None


def _in_range(low: Decimal | int, high: Decimal | int | None, *, above: bool = False) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if above and value <= low:
            raise RuleError(attribute.name, f"must be above {low}")
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise RuleError(attribute.name, f"must be {span}")

    return check


def _symbol_set(field: str, value: Iterable[str] | str) -> frozenset[str]:
    if isinstance(value, str):
        try:
            return parse_symbol_list(value)
        except RuleError as error:
            raise RuleError(field, error.message) from None
    if not isinstance(value, Iterable):
        raise RuleError(field, "must be a list of symbols")
    return frozenset(check_symbol(name, field) for name in value)


def _reverse(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise RuleError("reverse", "must be true or false")


# Converters, one per field so the error names it (attrs/mypy want named functions).
def _lot_mode(value: LotMode | str) -> LotMode:
    return _to_enum(LotMode, "lot_mode", value)


def _stale_open_policy(value: StaleOpenPolicy | str) -> StaleOpenPolicy:
    return _to_enum(StaleOpenPolicy, "stale_open_policy", value)


def _lot_value(value: Decimal | int | str) -> Decimal:
    return _to_decimal("lot_value", value)


def _min_lot_to_copy(value: Decimal | int | str) -> Decimal:
    return _to_decimal("min_lot_to_copy", value)


def _max_lot(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _to_decimal("max_lot", value)


def _copy_existing(value: bool) -> bool:
    if not isinstance(value, bool):
        raise RuleError("copy_existing", "must be true or false")
    return value


def _copy_existing_max_age_minutes(value: int | str) -> int:
    return _to_int("copy_existing_max_age_minutes", value)


def _copy_existing_max_points(value: int | str) -> int:
    return _to_int("copy_existing_max_points", value)


def _max_spread_points(value: int | str) -> int:
    return _to_int("max_spread_points", value)


def _signal_expiry_seconds(value: int | str) -> int:
    return _to_int("signal_expiry_seconds", value)


def _max_deviation_points(value: int | str) -> int:
    return _to_int("max_deviation_points", value)


def _allowed_symbols(value: Iterable[str] | str) -> frozenset[str]:
    return _symbol_set("allowed_symbols", value)


def _blocked_symbols(value: Iterable[str] | str) -> frozenset[str]:
    return _symbol_set("blocked_symbols", value)


def _symbol_map(value: Mapping[str, str] | Iterable[tuple[str, str]] | str) -> SymbolMap:
    if isinstance(value, SymbolMap):
        return value
    if isinstance(value, str):
        return SymbolMap(parse_symbol_map(value))
    if not isinstance(value, Mapping | Iterable):
        raise RuleError("symbol_map", "must be text like 'XAUUSD=GOLD, US30=DJ30'")
    try:
        return SymbolMap(value)
    except (TypeError, ValueError) as error:
        if isinstance(error, RuleError):
            raise
        raise RuleError("symbol_map", "must be MASTER=FOLLOWER pairs") from None


@attrs.frozen
class CopyRules:
    """How one follower account copies: sizing, direction, symbols, filters and freshness."""

    lot_mode: LotMode = attrs.field(default=LotMode.MULTIPLIER, converter=_lot_mode)
    """How the copy's lot is sized (see :mod:`copytrade.domain.lots`)."""
    lot_value: Decimal = attrs.field(
        default=Decimal(1),
        converter=_lot_value,
        validator=_in_range(Decimal(0), None, above=True),
    )
    """The fixed lot (FIXED), the % of equity risked on the stop loss (RISK_PERCENT, at most
    :data:`MAX_RISK_PERCENT`) or the factor applied to the master's lot (other modes); > 0."""
    reverse: bool = attrs.field(default=False, converter=_reverse)
    """Copy in the opposite direction: BUY↔SELL, with SL and TP swapping roles."""
    min_lot_to_copy: Decimal = attrs.field(
        default=Decimal(0),
        converter=_min_lot_to_copy,
        validator=_in_range(Decimal(0), None),
    )
    """Master trades smaller than this many lots are skipped; 0 copies everything."""
    max_lot: Decimal | None = attrs.field(
        default=None,
        converter=_max_lot,
        validator=_in_range(Decimal(0), None, above=True),
    )
    """Cap on the copy's lot after sizing; None for no cap."""
    symbol_map: SymbolMap = attrs.field(factory=SymbolMap, converter=_symbol_map)
    """Custom master→follower symbol names, tried before suffix normalisation."""
    allowed_symbols: frozenset[str] = attrs.field(factory=frozenset, converter=_allowed_symbols)
    """Only these symbols are copied (matched ignoring case and decorations); empty = all."""
    blocked_symbols: frozenset[str] = attrs.field(factory=frozenset, converter=_blocked_symbols)
    """These symbols are never copied; a block beats an allow."""
    signal_expiry_seconds: int = attrs.field(
        default=30,
        converter=_signal_expiry_seconds,
        validator=_in_range(1, MAX_EXPIRY_SECONDS),
    )
    """A signal older than this when planned is EXPIRED instead of sent (1..86400)."""
    max_deviation_points: int = attrs.field(
        default=0,
        converter=_max_deviation_points,
        validator=_in_range(0, MAX_DEVIATION_POINTS),
    )
    """Largest slippage from the master's price the follower EA accepts; 0 = no limit."""
    stale_open_policy: StaleOpenPolicy = attrs.field(
        default=StaleOpenPolicy.SKIP,
        converter=_stale_open_policy,
    )
    """On resync, what to do with a master trade still open but past expiry."""
    copy_existing: bool = attrs.field(default=False, converter=_copy_existing)
    """On a new follow or a resume, copy the master's open trades that are at most
    ``copy_existing_max_age_minutes`` old (engine/resync.py)."""
    copy_existing_max_age_minutes: int = attrs.field(
        default=60,
        converter=_copy_existing_max_age_minutes,
        validator=_in_range(1, MAX_COPY_EXISTING_MINUTES),
    )
    """Oldest master trade copied that way, in minutes (1..10080)."""
    copy_existing_max_points: int = attrs.field(
        default=100,
        converter=_copy_existing_max_points,
        validator=_in_range(1, MAX_DEVIATION_POINTS),
    )
    """Largest distance between the follower's price and the master's open price, in points,
    at which such a copy still opens (1..100000); the EA refuses it beyond."""
    max_spread_points: int = attrs.field(
        default=0,
        converter=_max_spread_points,
        validator=_in_range(0, MAX_DEVIATION_POINTS),
    )
    """Widest spread (ask - bid, in points) at which the follower EA still opens a copy;
    0 = no limit (0..100000). Sent as ``OPEN``'s ``MAX_SPREAD_POINTS`` (docs/protocol.md §9)."""

    def __attrs_post_init__(self) -> None:
        if self.lot_mode is LotMode.RISK_PERCENT and self.lot_value > MAX_RISK_PERCENT:
            raise RuleError(
                "lot_value", f"the risk per copy must be at most {MAX_RISK_PERCENT} %")
        allowed = {name.upper() for name in self.allowed_symbols}
        both = sorted(name for name in self.blocked_symbols if name.upper() in allowed)
        if both:
            raise RuleError(
                "blocked_symbols", f"{', '.join(both)} cannot be both allowed and blocked"
            )


@attrs.frozen(eq=False)
class FollowerView:
    """What the rules need to know about one follower when a signal arrives."""

    rules: CopyRules
    """The follower's copy rules."""
    symbols: Mapping[str, SymbolSpec] = attrs.field(factory=dict)
    """The follower EA's reported symbols by name; empty = it reported none yet."""
    equity: Decimal | None = None
    """The follower's last reported equity; None if unknown."""
    symbol_index: SymbolIndex = attrs.field(
        init=False,
        repr=False,
        default=attrs.Factory(lambda self: SymbolIndex(self.symbols), takes_self=True),
    )
    """``symbols`` indexed for matching; built once per view."""
