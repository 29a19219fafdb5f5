"""Lot sizing: how big a follower's copy is, and how it fits the follower's symbol limits.

Sizing (:func:`sized_volume`), by the follower's :class:`~copytrade.domain.models.LotMode`:

- ``FIXED``: ``lot_value`` lots, whatever the master traded.
- ``MULTIPLIER``: master volume x ``lot_value``.
- ``EQUITY_RATIO``: follower equity / master equity x master volume x ``lot_value``, from each
  account's last reported state. **Fallback:** when either equity is unknown or not above
  zero the ratio is taken as 1, so the copy sizes like ``MULTIPLIER`` rather than being
  dropped or blown up by a bogus figure.
- ``RISK_PERCENT``: the lots that lose ``lot_value`` % of the follower's equity if the copy's
  stop loss is hit (:func:`risk_volume`, from the symbol's tick size and tick value). It is
  never guessed: without a stop loss, the tick figures or the equity the copy is skipped
  (:mod:`copytrade.domain.plan`), so :func:`sized_volume` does not size it.

Fitting (:func:`fit_volume`) then always rounds **down**, never up: to the symbol's
``volume_step`` (0.01 when the EA reported no limits) and no higher than ``volume_max`` (nor
than :data:`MAX_VOLUME`, the largest lot the protocol carries). The
caller skips the trade if the result is below ``volume_min`` (or zero).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import attrs

from copytrade.domain.errors import SymbolSpecError
from copytrade.domain.models import LotMode

DEFAULT_VOLUME_STEP = Decimal("0.01")
"""The lot step assumed for a symbol whose limits the follower EA has not reported."""

MAX_VOLUME = Decimal("99999999.9999")
"""The largest lot the wire and the database hold (docs/protocol.md §3, numeric(12,4)): a
copy is never sized above it, whatever the multiplier (protocol.vocab.MAX_VOLUME)."""


def _positive_step(
    instance: SymbolSpec, attribute: attrs.Attribute[Decimal], value: Decimal
) -> None:
    if not value.is_finite() or value <= 0:
        raise SymbolSpecError(attribute.name, f"{instance.name}: lot step must be above 0")


def _volume_limits(
    instance: SymbolSpec, attribute: attrs.Attribute[Decimal], value: Decimal
) -> None:
    if not value.is_finite() or value < 0:
        raise SymbolSpecError(attribute.name, f"{instance.name}: must be 0 or more")
    if attribute.name == "volume_max" and value < instance.volume_min:
        raise SymbolSpecError(attribute.name, f"{instance.name}: below volume_min")


def _digits(instance: SymbolSpec, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= 10:
        raise SymbolSpecError(attribute.name, f"{instance.name}: price digits must be 0..10")


def _tick(instance: SymbolSpec, attribute: attrs.Attribute[Decimal | None],
          value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or value <= 0):
        raise SymbolSpecError(attribute.name, f"{instance.name}: must be above 0 (or unknown)")


@attrs.frozen
class SymbolSpec:
    """Trading limits of one symbol, as the follower's EA reported them."""

    name: str
    """Symbol name as the follower's broker spells it."""
    volume_min: Decimal = attrs.field(validator=_volume_limits)
    """Smallest lot an order may have."""
    volume_max: Decimal = attrs.field(validator=_volume_limits)
    """Largest lot an order may have."""
    volume_step: Decimal = attrs.field(validator=_positive_step)
    """Lot granularity: every order volume is a whole multiple of it."""
    digits: int = attrs.field(default=5, validator=_digits)
    """Decimal places of the symbol's prices."""
    tick_size: Decimal | None = attrs.field(default=None, validator=_tick)
    """``SYMBOL_TRADE_TICK_SIZE``: smallest price change; None = not reported (or 0)."""
    tick_value: Decimal | None = attrs.field(default=None, validator=_tick)
    """``SYMBOL_TRADE_TICK_VALUE``: one lot's profit or loss per tick in the account's
    currency; None = not reported (or 0)."""


def equity_ratio(follower_equity: Decimal | None, master_equity: Decimal | None) -> Decimal:
    """Follower equity / master equity, or 1 when either is unknown or not above zero."""
    if follower_equity is None or master_equity is None:
        return Decimal(1)
    if follower_equity <= 0 or master_equity <= 0:
        return Decimal(1)
    return follower_equity / master_equity


def sized_volume(
    lot_mode: LotMode,
    lot_value: Decimal,
    master_volume: Decimal,
    follower_equity: Decimal | None = None,
    master_equity: Decimal | None = None,
) -> Decimal:
    """The copy's volume before the cap and rounding (see the module docstring)."""
    if lot_mode is LotMode.FIXED:
        return lot_value
    if lot_mode is LotMode.MULTIPLIER:
        return master_volume * lot_value
    if lot_mode is LotMode.RISK_PERCENT:
        raise ValueError("RISK_PERCENT copies are sized by risk_volume()")
    return equity_ratio(follower_equity, master_equity) * master_volume * lot_value


def floor_to_step(volume: Decimal, step: Decimal) -> Decimal:
    """The largest whole multiple of ``step`` not above ``volume`` (0 for negatives)."""
    if volume <= 0:
        return Decimal(0) * step
    steps = (volume / step).to_integral_value(rounding=ROUND_FLOOR)
    return (steps * step).quantize(step)  # written with the step's decimals: 0.30, not 0.3


def fit_volume(volume: Decimal, spec: SymbolSpec | None) -> Decimal:
    """``volume`` rounded down to the symbol's step and clamped to its ``volume_max``.

    Never rounds up, so the result may be below ``volume_min`` or zero: the caller decides.
    """
    step = DEFAULT_VOLUME_STEP if spec is None else spec.volume_step
    largest = floor_to_step(MAX_VOLUME if spec is None else min(spec.volume_max, MAX_VOLUME),
                            step)
    return min(floor_to_step(volume, step), largest)


def is_tradable(volume: Decimal, spec: SymbolSpec | None) -> bool:
    """Whether an order of ``volume`` lots meets the symbol's minimum (and is above zero)."""
    return volume > 0 and (spec is None or volume >= spec.volume_min)


def risk_volume(
    equity: Decimal,
    risk_percent: Decimal,
    price: Decimal,
    stop_loss: Decimal,
    tick_size: Decimal,
    tick_value: Decimal,
) -> Decimal | None:
    """Lots that lose ``risk_percent`` % of ``equity`` if the copy's stop loss is hit.

    One lot loses ``|price - stop_loss| / tick_size * tick_value`` (account currency) at the
    stop, from the follower's own symbol spec (MT5's ``SYMBOL_TRADE_TICK_SIZE`` and
    ``SYMBOL_TRADE_TICK_VALUE``). ``None`` when it cannot be sized: no stop loss (0), a stop at
    the price, equity not above 0, or tick figures not above 0. The result is not yet rounded
    (:func:`fit_volume` rounds it down like any other size).
    """
    if stop_loss <= 0 or equity <= 0 or tick_size <= 0 or tick_value <= 0 or risk_percent <= 0:
        return None
    distance = abs(price - stop_loss)
    if distance == 0:
        return None
    loss_per_lot = distance / tick_size * tick_value
    return equity * risk_percent / 100 / loss_per_lot
