"""The one vocabulary of master trades and trade pairs: the REST API's (docs/api.md).

The tables keep their historical column names (``master_trades.type``,
``trade_pairs.slave_ticket`` / ``slave_volume`` / ``slave_type``, the pair's own ``symbol``);
every query that hands a trade or a pair to the engine, the API or a live event selects them
through the aliases below, so each name is mapped here and nowhere else:

========================  ==========================
column                    field
========================  ==========================
``master_trades.type``    ``side``
``trade_pairs.symbol``    ``follower_symbol``
``trade_pairs.slave_type``  ``follower_side``
``trade_pairs.slave_ticket``  ``follower_ticket``
``trade_pairs.slave_volume``  ``volume``
========================  ==========================

:func:`json_row` turns such a row into the JSON the API sends (decimals and times written as
the REST answers write them), so a live event's ``data`` is the REST object itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

PAIR_PIPS = (
    "pips(coalesce(p.symbol, t.symbol), p.slave_type, coalesce(p.fill_price, t.price), "
    "coalesce(p.close_price, p.current_price))"
)
"""A copy's price movement in pips from its own fill (the master's price until reported)."""

SLIPPAGE_POINTS = (
    "round((p.fill_price - t.price) * (CASE WHEN p.slave_type = 'SELL' THEN -1 ELSE 1 END) "
    "* power(10::numeric, p.digits), 1)"
)
"""Follower fill price against the master's open price in the follower symbol's points;
positive = worse for the follower (paid more on a BUY, got less on a SELL)."""

TRADE_REST = (
    "t.id, t.ticket, t.symbol, t.type AS side, t.price, t.volume, t.open_volume, t.sl, t.tp, "
    "t.status, t.opened_at, t.closed_at, t.close_price, t.close_reason, t.profit, "
    "t.current_price, t.floating_profit, t.swap, t.floating_at, "
    "pips(t.symbol, t.type, t.price, coalesce(t.close_price, t.current_price))::float8 AS pips"
)
"""A master trade (table alias ``t``) as ``TradeOut``."""

PAIR_REST = (
    "p.id, p.master_trade_id, t.ticket AS master_ticket, t.account_id AS master_account_id, "
    "t.symbol, p.symbol AS follower_symbol, t.type AS side, p.slave_type AS follower_side, "
    "t.volume AS master_volume, p.requested_volume, p.slave_volume AS volume, "
    "p.slave_ticket AS follower_ticket, t.price AS open_price, p.close_price, p.status, "
    "p.reason_code, p.reason, p.retcode, p.profit, p.created_at, p.sent_at, p.acked_at, "
    "p.closed_at, "
    "(extract(epoch FROM (p.acked_at - p.sent_at)) * 1000)::float8 AS latency_ms, "
    "p.fill_price, p.current_price, p.floating_profit, p.swap, p.floating_at, "
    f"{PAIR_PIPS}::float8 AS pips, {SLIPPAGE_POINTS}::float8 AS slippage_points"
)
"""A trade pair (alias ``p``) joined to its master trade (alias ``t``) as ``PairOut``."""


def decimal_json(value: Decimal) -> str:
    """A decimal as the API writes it (REST bodies and live events alike), whatever form it
    came in (the EA wire writes the shortest, ``20``): exact text, no exponent, at least two
    decimals, no trailing zeros beyond them (``20.00``, ``1.0845``, ``-0.35``; never ``-0.00``)."""
    text = format(value, "f")
    if text[0] == "-" and not value:
        text = text[1:]
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_json(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def json_row(row: Mapping[str, Any], drop: Iterable[str] = ()) -> dict[str, Any]:
    """A row of the aliases above as the JSON the API sends (``drop``: keys left out)."""
    out = {k: json_value(v) for k, v in row.items()}
    for key in drop:
        out.pop(key, None)
    return out
