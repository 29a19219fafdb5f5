"""Each connected follower's planning view, and the small id that lets alike followers share
one plan per signal (engine/fanout.py)."""

from __future__ import annotations

import itertools
from typing import Any

import attrs

from ..domain.models import LotMode
from ..domain.rules import FollowerView
from .state import AccountInfo, FollowerLive

EQUITY_SIZED = frozenset({LotMode.EQUITY_RATIO, LotMode.RISK_PERCENT})
"""Lot modes whose copies size on the follower's equity (its view follows every ACCOUNT)."""


@attrs.define
class FollowerViews:
    """Builds ``live.view`` from the follower's rules, symbols and (if used) equity."""

    _ids: dict[tuple[Any, ...], int] = attrs.field(factory=dict)
    """(rules, reported symbols) → a small id: followers alike share one plan per signal."""
    _fresh_ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def rebuild(self, info: AccountInfo, live: FollowerLive) -> None:
        equity = live.equity if info.rules.lot_mode in EQUITY_SIZED else None
        live.view = FollowerView(rules=info.rules, symbols=live.symbols, equity=equity)
        if equity is not None:
            # Equity changes with every account report: such a view is this follower's own,
            # and remembering it would grow the table for as long as the server runs.
            live.view_id = next(self._fresh_ids)
            return
        key = (info.rules, tuple(sorted(live.symbols.items())))
        view_id = self._ids.get(key)
        if view_id is None:
            view_id = self._ids[key] = next(self._fresh_ids)
        live.view_id = view_id
