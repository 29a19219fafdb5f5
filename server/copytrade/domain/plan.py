"""Turning master signals into one follower's orders, or into a recorded skip.

:func:`plan_open` applies a follower's :class:`~copytrade.domain.rules.CopyRules` to a master
open, checking in this order and stopping at the first that fails:

1. **Freshness.** ``now - opened_at > signal_expiry_seconds`` → :class:`Skip` EXPIRED
   (exactly ``signal_expiry_seconds`` old is still fresh). When catching up a reconnecting
   follower and its ``stale_open_policy`` is MARKET, a stale open is sent instead, marked
   ``late`` and with no deviation limit (the master's price is history by then). With
   ``existing=True`` (copy existing positions on a new follow or a resume, when the rules turn
   it on) a stale open at most ``copy_existing_max_age_minutes`` old is sent with
   ``copy_existing_max_points`` as its one-sided limit from the master's open price (only a
   worse price counts, by the copy's side; :mod:`copytrade.domain.existing_price` builds the
   OPEN's ``PRICE`` and ``MAX_DEV_POINTS`` for it; not ``late``); an older one falls back to
   the rules above.
2. **Min lot to copy.** Master volume below ``min_lot_to_copy`` → SKIPPED.
3. **Symbol.** Blocked if the master symbol or its base is blocked; then resolved by
   :mod:`copytrade.domain.symbols` (custom map, then broker-suffix normalisation against the
   follower's list; unmatched or ambiguous → SKIPPED); then blocked if the follower symbol is;
   then, with an allow list, allowed only if the master symbol, its base, or the follower
   symbol or its base is on it. Lists compare ignoring case.
4. **Lot size** by the lot mode (see :mod:`copytrade.domain.lots`, incl. the equity-ratio
   fallback). RISK_PERCENT sizes on the *copy's* stop loss (the master's SL, or its TP when
   reversing — the level that becomes the copy's stop) and is skipped, never guessed: no such
   stop → NO_STOP_LOSS; no tick size / tick value for the follower's symbol (an EA that did
   not report them, or reported 0) → NO_SYMBOL_INFO; no follower equity above 0 yet →
   NO_EQUITY. Then the ``max_lot`` cap, then rounding **down** to the symbol's step and
   clamping to its ``volume_max``; below ``volume_min`` → SKIPPED, never rounded up. Without
   a reported spec: step 0.01, and the result must be above 0.
5. **Direction.** ``reverse`` swaps BUY↔SELL and SL↔TP (the same price levels swap roles: a
   BUY's stop below the price becomes the reversed SELL's target). Prices pass unchanged.

:func:`plan_close` sizes a (partial) close of the copy; :func:`plan_modify` maps SL/TP.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from copytrade.domain.errors import SignalError
from copytrade.domain.existing_price import existing_price_check
from copytrade.domain.lots import (
    DEFAULT_VOLUME_STEP,
    SymbolSpec,
    fit_volume,
    floor_to_step,
    is_tradable,
    risk_volume,
    sized_volume,
)
from copytrade.domain.models import LotMode, PairStatus, Side, StaleOpenPolicy
from copytrade.domain.rules import CopyRules, FollowerView
from copytrade.domain.symbols import match_symbol, symbol_base


class SkipCode(enum.StrEnum):
    """Stable machine-readable reason for a skip; the dashboard may translate by it."""

    EXPIRED = "EXPIRED"
    BELOW_MIN_LOT_TO_COPY = "BELOW_MIN_LOT_TO_COPY"
    SYMBOL_BLOCKED = "SYMBOL_BLOCKED"
    SYMBOL_UNMATCHED = "SYMBOL_UNMATCHED"
    SYMBOL_AMBIGUOUS = "SYMBOL_AMBIGUOUS"
    SYMBOL_NOT_ALLOWED = "SYMBOL_NOT_ALLOWED"
    VOLUME_BELOW_SYMBOL_MIN = "VOLUME_BELOW_SYMBOL_MIN"
    VOLUME_ROUNDS_TO_ZERO = "VOLUME_ROUNDS_TO_ZERO"
    NO_STOP_LOSS = "NO_STOP_LOSS"
    NO_SYMBOL_INFO = "NO_SYMBOL_INFO"
    NO_EQUITY = "NO_EQUITY"


def _aware(instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise SignalError(attribute.name, "must be timezone-aware (UTC)")


def _positive(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not value.is_finite() or value <= 0:
        raise SignalError(attribute.name, "must be above 0")


@attrs.frozen
class MasterOpenSignal:
    """A master account opened a position."""

    ticket: int
    """The master's MT5 position ticket."""
    symbol: str
    """The master's symbol, as its broker spells it."""
    side: Side
    """BUY or SELL."""
    price: Decimal
    """The master's open price."""
    volume: Decimal = attrs.field(validator=_positive)
    """Lots the master opened, > 0."""
    sl: Decimal
    """Stop loss; 0 = none."""
    tp: Decimal
    """Take profit; 0 = none."""
    opened_at: datetime = attrs.field(validator=_aware)
    """When the master opened it (timezone-aware, UTC)."""


@attrs.frozen
class OpenOrder:
    """What the follower's EA is told to open."""

    symbol: str
    """The follower's symbol."""
    side: Side
    """Direction of the copy (reversed already if the rules say so)."""
    volume: Decimal
    """Lots, a multiple of the symbol's step, within its min and max and the rules' cap."""
    price: Decimal
    """The master's open price, for the EA's deviation check."""
    sl: Decimal
    """Stop loss of the copy; 0 = none."""
    tp: Decimal
    """Take profit of the copy; 0 = none."""
    max_deviation_points: int
    """Largest distance from ``price`` the EA may fill at, in points; 0 = no limit."""
    late: bool = False
    """Sent past expiry under StaleOpenPolicy.MARKET while catching up: fill at market."""
    max_spread_points: int = 0
    """Widest spread (ask - bid, in points) at which the EA may open; 0 = no limit."""


@attrs.frozen
class Skip:
    """The follower does not copy this signal; recorded as a trade pair with this reason."""

    status: PairStatus
    """PairStatus.SKIPPED, or PairStatus.EXPIRED for a signal too old to open."""
    code: SkipCode
    """Stable code for the reason (a str)."""
    reason: str
    """One short English sentence the dashboard shows."""


def _num(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def copy_side(side: Side, reverse: bool) -> Side:
    """The copy's direction: the master's, or the opposite when reversing."""
    return side.opposite if reverse else side


def plan_modify(sl: Decimal, tp: Decimal, reverse: bool) -> tuple[Decimal, Decimal]:
    """The copy's ``(sl, tp)`` for the master's new levels: swapped when reversing."""
    return (tp, sl) if reverse else (sl, tp)


def _check_lists(rules: CopyRules, symbol: str, names: set[str], *, allow: bool) -> Skip | None:
    upper = {name.upper() for name in names}
    blocked = sorted(n for n in rules.blocked_symbols if n.upper() in upper)
    if blocked:
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.SYMBOL_BLOCKED,
            f"{blocked[0]} is on this follower's blocked list.",
        )
    if (
        allow
        and rules.allowed_symbols
        and not any(n.upper() in upper for n in rules.allowed_symbols)
    ):
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.SYMBOL_NOT_ALLOWED,
            f"{symbol} is not on this follower's allowed list.",
        )
    return None


def _freshness(
    signal: MasterOpenSignal, rules: CopyRules, now: datetime, catching_up: bool,
    existing: bool = False,
) -> Skip | bool | int:
    """A Skip if too old, else whether the open goes out late at market, or (an int) the
    deviation limit of an existing position being copied."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise SignalError("now", "must be timezone-aware (UTC)")
    age = (now - signal.opened_at).total_seconds()
    if age <= rules.signal_expiry_seconds:
        return False
    if existing and rules.copy_existing and age <= rules.copy_existing_max_age_minutes * 60:
        return rules.copy_existing_max_points
    if catching_up and rules.stale_open_policy is StaleOpenPolicy.MARKET:
        return True
    return Skip(
        PairStatus.EXPIRED,
        SkipCode.EXPIRED,
        f"The signal was {age:.1f} s old; this follower copies only within "
        f"{rules.signal_expiry_seconds} s.",
    )


def _risk_sized(
    signal: MasterOpenSignal,
    follower: FollowerView,
    spec: SymbolSpec | None,
    symbol: str,
    stop_loss: Decimal,
) -> Decimal | Skip:
    """RISK_PERCENT lots for the copy, or why it cannot be sized (module docstring, 4)."""
    if stop_loss <= 0 or stop_loss == signal.price:
        which = "take profit" if follower.rules.reverse else "stop loss"
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.NO_STOP_LOSS,
            f"This follower sizes by risk on the stop loss, and the master's trade has no "
            f"{which} to size on.",
        )
    if spec is None or spec.tick_size is None or spec.tick_value is None:
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.NO_SYMBOL_INFO,
            f"The follower EA has not reported {symbol}'s tick size and tick value, which "
            f"sizing by risk needs.",
        )
    volume = risk_volume(
        follower.equity or Decimal(0), follower.rules.lot_value, signal.price, stop_loss,
        spec.tick_size, spec.tick_value,
    )
    if volume is None:
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.NO_EQUITY,
            "The follower's equity is not known yet, which sizing by risk needs.",
        )
    return volume


def plan_open(
    signal: MasterOpenSignal,
    follower: FollowerView,
    master_equity: Decimal | None,
    now: datetime,
    *,
    catching_up: bool = False,
    existing: bool = False,
) -> OpenOrder | Skip:
    """The follower's order for a master open, or why it is skipped (module docstring).

    ``catching_up`` is True when replaying an open a reconnecting follower missed; only then
    does ``stale_open_policy`` apply. ``existing`` is True when the follower has just started
    following (or resumed) and the master's open trades may be copied (``copy_existing``).
    """
    rules = follower.rules
    fresh = _freshness(signal, rules, now, catching_up, existing)
    if isinstance(fresh, Skip):
        return fresh
    late = fresh is True
    deviation = fresh if type(fresh) is int else (0 if late else rules.max_deviation_points)

    if signal.volume < rules.min_lot_to_copy:
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.BELOW_MIN_LOT_TO_COPY,
            f"The master traded {_num(signal.volume)} lots, below this follower's minimum "
            f"of {_num(rules.min_lot_to_copy)}.",
        )

    master_names = {signal.symbol, symbol_base(signal.symbol)}
    skip = _check_lists(rules, signal.symbol, master_names, allow=False)
    if skip is not None:
        return skip
    match = match_symbol(signal.symbol, rules.symbol_map, follower.symbol_index)
    if match.symbol is None:
        if match.candidates:
            return Skip(
                PairStatus.SKIPPED,
                SkipCode.SYMBOL_AMBIGUOUS,
                f"{signal.symbol} matches several follower symbols "
                f"({', '.join(match.candidates)}); add a symbol map entry to choose one.",
            )
        if match.mapped_to is not None:
            reason = f"The symbol map sends {signal.symbol} to {match.mapped_to}, which "
            reason += "this follower's broker does not offer."
        else:
            reason = f"No symbol on this follower's broker matches {signal.symbol}."
        return Skip(PairStatus.SKIPPED, SkipCode.SYMBOL_UNMATCHED, reason)
    symbol = match.symbol
    skip = _check_lists(
        rules, signal.symbol, {*master_names, symbol, symbol_base(symbol)}, allow=True
    )
    if skip is not None:
        return skip

    spec = follower.symbols.get(symbol)
    sl, tp = plan_modify(signal.sl, signal.tp, rules.reverse)
    if rules.lot_mode is LotMode.RISK_PERCENT:
        sized = _risk_sized(signal, follower, spec, symbol, sl)
        if isinstance(sized, Skip):
            return sized
        volume = sized
    else:
        volume = sized_volume(
            rules.lot_mode, rules.lot_value, signal.volume, follower.equity, master_equity
        )
    if rules.max_lot is not None:
        volume = min(volume, rules.max_lot)
    fitted = fit_volume(volume, spec)
    if not is_tradable(fitted, spec):
        if spec is None:
            return Skip(
                PairStatus.SKIPPED,
                SkipCode.VOLUME_ROUNDS_TO_ZERO,
                f"The copy would be {_num(volume)} lots, which rounds down to 0.",
            )
        return Skip(
            PairStatus.SKIPPED,
            SkipCode.VOLUME_BELOW_SYMBOL_MIN,
            f"The copy would be {_num(volume)} lots, below {symbol}'s minimum of "
            f"{_num(spec.volume_min)} (step {_num(spec.volume_step)}).",
        )

    side = copy_side(signal.side, rules.reverse)
    price = signal.price
    if type(fresh) is int:  # an existing position: only a worse price counts (existing_price)
        check = existing_price_check(side, price, fresh, spec.digits if spec else None)
        price, deviation = check.price, check.max_deviation_points
    return OpenOrder(
        symbol=symbol,
        side=side,
        volume=fitted,
        price=price,
        sl=sl,
        tp=tp,
        max_deviation_points=deviation,
        late=late,
        max_spread_points=rules.max_spread_points,
    )


def plan_close(
    master_volume_before: Decimal,
    master_remaining: Decimal,
    copy_volume_open: Decimal,
    copy_original_volume: Decimal,
    spec: SymbolSpec | None,
) -> Decimal:
    """The volume the copy should have left after the master closed some or all of its trade.

    - The master closed fully (``master_remaining <= 0``) → 0.
    - Otherwise the copy keeps the same fraction as the master kept:
      ``copy_volume_open * master_remaining / master_volume_before``, rounded **down** to the
      step (0.01 without a spec), so the copy never keeps more exposure than its share.
    - A remainder below ``volume_min`` (or rounding to 0) → 0: the copy closes fully rather
      than leave a position the broker would not let it open.
    - If the part to close would be below ``volume_min`` (the broker would refuse it), the copy
      is left as it is and follows on the master's next close.
    - Never above ``copy_volume_open``; the caller closes ``copy_volume_open - result`` lots,
      nothing when they are equal.

    Fractions apply to the copy's *current* volume, so repeated partial closes track the
    master step by step; ``copy_original_volume`` (the copy's opening lots) is only checked.
    """
    for name, value in (
        ("master_volume_before", master_volume_before),
        ("master_remaining", master_remaining),
        ("copy_volume_open", copy_volume_open),
        ("copy_original_volume", copy_original_volume),
    ):
        if not value.is_finite() or value < 0:
            raise SignalError(name, "must be a volume of 0 or more")
    held = copy_volume_open
    if master_remaining <= 0 or master_volume_before <= 0 or held <= 0:
        return Decimal(0)
    if master_remaining >= master_volume_before:
        return held
    step = DEFAULT_VOLUME_STEP if spec is None else spec.volume_step
    target = min(floor_to_step(held * master_remaining / master_volume_before, step), held)
    if not is_tradable(target, spec):
        return Decimal(0)
    if spec is not None and 0 < held - target < spec.volume_min:
        return held
    return target
