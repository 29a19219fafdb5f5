"""Symbol names: the custom symbol map, broker decorations, and master→follower matching.

Brokers decorate the same instrument differently: ``EURUSD``, ``EURUSD.m``, ``EURUSDm``,
``EURUSD.pro``, ``XAUUSD#``, ``#US30``, ``US30.cash``. :func:`symbol_base` strips those
decorations to a canonical base; :func:`match_symbol` uses it to find the follower's spelling.

Matching rules, in order:

1. **Custom map.** An entry whose key is the master symbol exactly wins; otherwise an entry
   whose key has the same base (``XAUUSD=GOLD`` also covers ``XAUUSD.m``). The mapped target
   is then looked up in the follower's list like any symbol (exact, then by base). A mapped
   symbol never falls back to the master's own name: the map is an explicit instruction.
2. **No list reported** (the EA sent no symbols yet): the master symbol (or its mapped target)
   unchanged, and the EA refuses it if its broker lacks it.
3. **Exact name**, then the same name ignoring case.
4. **Same base**: the follower symbol that *is* the plain base (``EURUSD``) if there is one,
   else the only follower symbol with that base. Several candidates and none plain is
   ambiguous: no match, and the candidates are reported so the user can add a map entry.

A match with a list is always one of the listed names: nothing is invented.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import attrs

from copytrade.domain.errors import RuleError

if TYPE_CHECKING:
    from copytrade.domain.rules import CopyRules

MAX_SYMBOL_LENGTH = 32
"""Longest symbol name accepted (MT5 allows 31; one spare)."""

MAX_SYMBOL_MAP_ENTRIES = 500
"""Most entries a custom symbol map may hold."""

_SYMBOL_RE = re.compile(rf"[A-Za-z0-9._#+\-]{{1,{MAX_SYMBOL_LENGTH}}}")
_SEPARATORS = "._#+-"
_SPLIT_RE = re.compile(r"[._#+\-]")
_LOWER_TAIL_RE = re.compile(r"(.*[A-Z0-9])([a-z]+)")
_ENTRY_SPLIT_RE = re.compile(r"[,;\n]")

_DECORATIONS = frozenset(
    {
        "M", "PRO", "ECN", "RAW", "I", "C", "A", "B", "E", "R", "S", "X", "Z",
        "MICRO", "MINI", "STD", "STP", "CASH", "ZERO", "PLUS", "VIP", "PRIME", "SB", "FX",
    }
)  # fmt: skip
"""Suffix tokens brokers glue onto symbol names without a separator (``EURUSDm``)."""

_CURRENCIES = frozenset(
    {
        "EUR", "USD", "GBP", "JPY", "CHF", "AUD", "NZD", "CAD", "XAU", "XAG", "XPT", "XPD",
        "SGD", "HKD", "NOK", "SEK", "DKK", "ZAR", "MXN", "TRY", "PLN", "CNH", "CNY", "HUF",
        "CZK", "RUB", "ILS", "THB", "INR", "KRW", "BRL",
    }
)  # fmt: skip
"""Three-letter codes that make a six-letter name an FX or metal pair."""


def is_symbol(text: str) -> bool:
    """Whether ``text`` is a valid symbol name: 1..32 of ``A-Z a-z 0-9 . _ # + -``."""
    return isinstance(text, str) and _SYMBOL_RE.fullmatch(text) is not None


def check_symbol(text: str, field: str) -> str:
    """``text`` if it is a valid symbol name, else :class:`RuleError` on ``field``."""
    if not is_symbol(text):
        raise RuleError(
            field,
            f"{text!r} is not a symbol name: use 1 to {MAX_SYMBOL_LENGTH} characters "
            "from A-Z a-z 0-9 . _ # + -",
        )
    return text


@functools.lru_cache(maxsize=65536)
def symbol_base(symbol: str) -> str:
    """The canonical, upper-case base of a symbol with broker decorations stripped.

    Leading ``# . _ + -`` go; everything from the first separator on goes (``EURUSD.pro``,
    ``XAUUSD#``, ``US30.cash``, ``EURUSD_i``); a lower-case tail that is a known decoration
    goes (``EURUSDm``, ``US30cash``, ``GBPUSDpro``); and a six-letter currency pair keeps only
    its six letters when followed by a known decoration (``EURUSDM``).
    """
    stem = _SPLIT_RE.split(symbol.lstrip(_SEPARATORS), maxsplit=1)[0]
    tail = _LOWER_TAIL_RE.fullmatch(stem)
    if tail is not None and tail.group(2).upper() in _DECORATIONS:
        stem = tail.group(1)
    base = stem.upper()
    if (
        len(base) > 6
        and base[:3] in _CURRENCIES
        and base[3:6] in _CURRENCIES
        and base[6:] in _DECORATIONS
    ):
        base = base[:6]
    return base or symbol.upper()


class SymbolMap(Mapping[str, str]):
    """A frozen, hashable, ordered master→follower symbol map; keys unique ignoring case."""

    __slots__ = ("_items", "_lookup")

    def __init__(self, entries: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        raw = tuple(entries.items() if isinstance(entries, Mapping) else entries)
        if not all(isinstance(pair, tuple | list) and len(pair) == 2 for pair in raw):
            raise RuleError("symbol_map", "must be MASTER=FOLLOWER pairs")
        pairs: tuple[tuple[str, str], ...] = tuple((key, value) for key, value in raw)
        if len(pairs) > MAX_SYMBOL_MAP_ENTRIES:
            raise RuleError(
                "symbol_map", f"has {len(pairs)} entries; at most {MAX_SYMBOL_MAP_ENTRIES}"
            )
        seen: dict[str, str] = {}
        for key, value in pairs:
            check_symbol(key, "symbol_map")
            check_symbol(value, "symbol_map")
            if key.upper() in seen:
                raise RuleError(
                    "symbol_map", f"{key!r} is mapped twice (also as {seen[key.upper()]!r})"
                )
            seen[key.upper()] = key
        self._items = pairs
        self._lookup: dict[str, str] = dict(pairs)

    def __getitem__(self, key: str) -> str:
        return self._lookup[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SymbolMap):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._lookup == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"SymbolMap({format_symbol_map(self)!r})"

    def target_for(self, master_symbol: str) -> str | None:
        """The mapped follower symbol for ``master_symbol``: exact key first, then by base."""
        exact = self._lookup.get(master_symbol)
        if exact is not None:
            return exact
        base = symbol_base(master_symbol)
        by_base = [value for key, value in self._items if symbol_base(key) == base]
        plain = [value for key, value in self._items if key.upper() == base]
        if len(plain) == 1:
            return plain[0]
        if len(by_base) == 1:
            return by_base[0]
        return None


def parse_symbol_map(text: str) -> dict[str, str]:
    """Parse ``"XAUUSD=GOLD, US30=DJ30"`` into ``{"XAUUSD": "GOLD", "US30": "DJ30"}``.

    Entries are separated by commas, semicolons or newlines; blanks around names and empty
    entries (a trailing comma) are ignored. Anything else malformed raises :class:`RuleError`
    on ``symbol_map`` naming the entry: a missing or doubled ``=``, an empty side, a bad
    symbol name, or a master symbol mapped twice (ignoring case).
    """
    result: dict[str, str] = {}
    for number, raw in enumerate(_ENTRY_SPLIT_RE.split(text), start=1):
        entry = raw.strip()
        if not entry:
            continue
        where = f"entry {number} ({entry!r})"
        if "=" not in entry:
            raise RuleError("symbol_map", f"{where} has no '='; write MASTER=FOLLOWER")
        key, _, value = (part.strip() for part in entry.partition("="))
        if "=" in value:
            raise RuleError("symbol_map", f"{where} has more than one '='")
        if not key:
            raise RuleError("symbol_map", f"{where} has no master symbol before '='")
        if not value:
            raise RuleError("symbol_map", f"{where} has no follower symbol after '='")
        for name in (key, value):
            if not is_symbol(name):
                raise RuleError(
                    "symbol_map",
                    f"{where}: {name!r} is not a symbol name (1 to {MAX_SYMBOL_LENGTH} "
                    "characters from A-Z a-z 0-9 . _ # + -)",
                )
        clash = next((k for k in result if k.upper() == key.upper()), None)
        if clash is not None:
            raise RuleError("symbol_map", f"{where} maps {key!r} again (already {clash!r})")
        result[key] = value
        if len(result) > MAX_SYMBOL_MAP_ENTRIES:
            raise RuleError("symbol_map", f"has more than {MAX_SYMBOL_MAP_ENTRIES} entries")
    return result


def format_symbol_map(symbol_map: Mapping[str, str]) -> str:
    """The text form :func:`parse_symbol_map` reads back: ``"XAUUSD=GOLD, US30=DJ30"``."""
    return ", ".join(f"{key}={value}" for key, value in symbol_map.items())


def parse_symbol_list(text: str) -> frozenset[str]:
    """Parse ``"EURUSD, XAUUSD"`` (commas, semicolons, newlines or blanks) into a set."""
    names = (name for name in re.split(r"[,;\s]+", text) if name)
    return frozenset(check_symbol(name, "symbols") for name in names)


@attrs.frozen
class SymbolMatch:
    """The outcome of matching one master symbol to a follower's symbols."""

    symbol: str | None
    """The follower symbol to trade, or None when nothing (or nothing unique) matched."""
    mapped_to: str | None = None
    """The custom map's target when a map entry applied (even if the follower lacks it)."""
    candidates: tuple[str, ...] = ()
    """Sorted follower symbols that all matched equally well, when ambiguous."""


def _frozen_names(names: Iterable[str]) -> frozenset[str]:
    return frozenset(names)


@attrs.frozen(eq=False)
class SymbolIndex:
    """A follower's symbol list indexed by exact name, upper-case name and base.

    Build it once per reported list; each lookup is then a few dictionary reads.
    """

    names: frozenset[str] = attrs.field(converter=_frozen_names)
    """The follower's symbol names as its broker spells them."""
    _by_upper: Mapping[str, tuple[str, ...]] = attrs.field(init=False, repr=False)
    _by_base: Mapping[str, tuple[str, ...]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        by_upper: dict[str, list[str]] = {}
        by_base: dict[str, list[str]] = {}
        for name in sorted(self.names):
            by_upper.setdefault(name.upper(), []).append(name)
            by_base.setdefault(symbol_base(name), []).append(name)
        object.__setattr__(self, "_by_upper", {k: tuple(v) for k, v in by_upper.items()})
        object.__setattr__(self, "_by_base", {k: tuple(v) for k, v in by_base.items()})

    def find(self, wanted: str) -> SymbolMatch:
        """The follower's spelling of ``wanted``: exact, then ignoring case, then by base."""
        if wanted in self.names:
            return SymbolMatch(wanted)
        same = self._by_upper.get(wanted.upper(), ())
        if len(same) == 1:
            return SymbolMatch(same[0])
        base = symbol_base(wanted)
        candidates = self._by_base.get(base, ())
        plain = self._by_upper.get(base, ())
        if len(plain) == 1:
            return SymbolMatch(plain[0])
        if len(candidates) == 1:
            return SymbolMatch(candidates[0])
        return SymbolMatch(None, candidates=candidates)


def match_symbol(
    master_symbol: str,
    symbol_map: Mapping[str, str],
    follower_symbols: Collection[str] | SymbolIndex,
) -> SymbolMatch:
    """Match ``master_symbol`` to a follower symbol by the rules in the module docstring.

    An empty ``follower_symbols`` means the EA reported no list yet.
    """
    mapping = symbol_map if isinstance(symbol_map, SymbolMap) else SymbolMap(symbol_map)
    target = mapping.target_for(master_symbol)
    index = (
        follower_symbols
        if isinstance(follower_symbols, SymbolIndex)
        else SymbolIndex(follower_symbols)
    )
    if not index.names:
        return SymbolMatch(target or master_symbol, mapped_to=target)
    found = index.find(target or master_symbol)
    return attrs.evolve(found, mapped_to=target)


def resolve_symbol(
    master_symbol: str,
    rules: CopyRules,
    follower_symbols: Collection[str] | SymbolIndex,
) -> str | None:
    """The follower's symbol for ``master_symbol``, or None when unmatched or ambiguous."""
    return match_symbol(master_symbol, rules.symbol_map, follower_symbols).symbol
