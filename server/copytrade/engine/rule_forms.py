"""The one converter between the four forms of a follower's copy rules.

- :class:`~copytrade.domain.rules.CopyRules`: validated; what the engine plans with.
- :class:`~copytrade.db.models.FollowerRules`: the stored columns, as read (unvalidated).
- The web API's fields (``RulesIn`` / ``RulesOut`` in :mod:`copytrade.api.schemas`): a dict
  keyed by the public field names (docs/api.md), so this module needs nothing of the API.
- :class:`~copytrade.protocol.Rules`: the ``RULES`` line, five of the fields
  (docs/protocol.md).

Every form spells a field the same way (``signal_expiry_seconds`` included); only the value
shapes differ: the symbol map is ``"A=B, C=D"`` text in the API, ``A=B,C=D`` on the wire and a
dict when stored; symbol lists are sorted lists in the API and sorted tuples when stored.
tests/engine/test_rule_forms.py checks the round trips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..db.models import FollowerRules
from ..domain.errors import DomainError
from ..domain.rules import CopyRules
from ..domain.symbols import format_symbol_map
from ..protocol import Rules

_SYMBOL_FIELDS = ("symbol_map", "allowed_symbols", "blocked_symbols")
_SCALARS = tuple(f.name for f in attrs.fields(CopyRules) if f.name not in _SYMBOL_FIELDS)
"""The fields whose value is the same object in the domain and the stored form."""


def _stored_fields(stored: FollowerRules) -> dict[str, Any]:
    fields = attrs.asdict(stored, recurse=False)
    del fields["rules_updated_at"]
    return fields


def from_stored(stored: FollowerRules) -> CopyRules:
    """The domain's rules from the stored columns. Stored rules the domain refuses (written
    before a rule existed) fall back to the defaults rather than stop the account."""
    try:
        return CopyRules(**_stored_fields(stored))
    except DomainError:
        return CopyRules()


def to_stored(rules: CopyRules) -> FollowerRules:
    """The columns to store for ``rules`` (``rules_updated_at`` is the database's to set)."""
    return FollowerRules(
        **{name: getattr(rules, name) for name in _SCALARS},
        symbol_map=dict(rules.symbol_map),
        allowed_symbols=tuple(sorted(rules.allowed_symbols)),
        blocked_symbols=tuple(sorted(rules.blocked_symbols)),
    )


def api_fields(stored: FollowerRules) -> dict[str, Any]:
    """The ``RulesOut`` fields of stored rules (what the API shows is what is stored)."""
    fields = _stored_fields(stored)
    fields.update(
        lot_mode=stored.lot_mode.value,
        stale_open_policy=stored.stale_open_policy.value,
        symbol_map=format_symbol_map(stored.symbol_map),
        allowed_symbols=sorted(stored.allowed_symbols),
        blocked_symbols=sorted(stored.blocked_symbols),
        updated_at=stored.rules_updated_at,
    )
    return fields


def merged(current: FollowerRules, changes: Mapping[str, Any]) -> CopyRules:
    """The stored rules with the API's changed fields on top (``RulesIn`` names and value
    shapes: enum names, map text, symbol lists), validated by the domain: an invalid value
    raises :class:`~copytrade.domain.errors.DomainError` naming its field."""
    return CopyRules(**{**_stored_fields(current), **changes})


def to_wire(rules: CopyRules) -> Rules:
    """The ``RULES`` line telling a follower EA the rules in effect. The map's wire form is
    ``A=B,C=D`` with no blanks (docs/protocol.md), not the dashboard's ``A=B, C=D``."""
    return Rules(lot_mode=rules.lot_mode, lot_value=rules.lot_value, reverse=rules.reverse,
                 min_lot=rules.min_lot_to_copy,
                 symbol_map=",".join(f"{k}={v}" for k, v in rules.symbol_map.items()))


def from_wire(msg: Rules) -> CopyRules:
    """The rules a follower EA's inputs name: the line's five fields, every other field at its
    default (:class:`~copytrade.domain.errors.DomainError` when the domain refuses them)."""
    return CopyRules(lot_mode=msg.lot_mode, lot_value=msg.lot_value, reverse=msg.reverse,
                     min_lot_to_copy=msg.min_lot, symbol_map=msg.symbol_map)
