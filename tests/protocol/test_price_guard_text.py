"""The price-guard refusal texts of ``NACK_OPEN`` (docs/protocol.md §9, "Deviation check",
"Spread check"):
the current form, the older EAs' form, and texts that are not a price-guard refusal."""

from __future__ import annotations

import pytest

from copytrade.protocol import PriceGuardRefusal, parse_price_guard

PM = "PRICE_MOVED"


@pytest.mark.parametrize(("retcode", "text", "expected"), [
    (0, "PRICE_MOVED 35 > 20 points", PriceGuardRefusal(PM, 35, 20)),
    (0, "PRICE_MOVED 0 > 0 points", PriceGuardRefusal(PM, 0, 0)),
    (0, "PRICE_MOVED 35 > 20 points ask 1.0850", PriceGuardRefusal(PM, 35, 20)),
    # Older follower EAs (before the structured form): still a price-guard refusal.
    (0, "price moved 35 points from the master's (limit 20)", PriceGuardRefusal(PM, 35, 20)),
    (0, "price moved a lot", PriceGuardRefusal(PM, None, None)),
    # The word without well-formed figures: recognised, figures unknown.
    (0, "PRICE_MOVED", PriceGuardRefusal(PM, None, None)),
    (0, "PRICE_MOVED -3 > 20 points", PriceGuardRefusal(PM, None, None)),
    (0, "PRICE_MOVED 35 > x points", PriceGuardRefusal(PM, None, None)),
    (0, "PRICE_MOVED 35 >  20 points", PriceGuardRefusal(PM, None, None)),
    (0, "PRICE_MOVED 9999999999999999999 > 20 points", PriceGuardRefusal(PM, None, None)),
    (0, "SPREAD_TOO_WIDE 40 > 25 points", PriceGuardRefusal("SPREAD_TOO_WIDE", 40, 25)),
    (0, "SPREAD_TOO_WIDE 40 > 25 points bid 1.08 ask 1.084",
     PriceGuardRefusal("SPREAD_TOO_WIDE", 40, 25)),
    (0, "SPREAD_TOO_WIDE wide", PriceGuardRefusal("SPREAD_TOO_WIDE", None, None)),
])
def test_price_guard_refusals_are_read(retcode: int, text: str,
                                       expected: PriceGuardRefusal) -> None:
    assert parse_price_guard(retcode, text) == expected


@pytest.mark.parametrize(("retcode", "text"), [
    (10019, "PRICE_MOVED 35 > 20 points"),   # the terminal refused: not the EA's guard
    (10019, "price moved 35 points from the master's (limit 20)"),
    (0, "ALREADY_COPIED copy 8800001 of this ticket is closed"),
    (10019, "SPREAD_TOO_WIDE 40 > 25 points"),
    (0, "spread too wide 40 > 25 points"),
    (0, "PRICE_MOVEDX 35 > 20 points"),
    (0, "price_moved 35 > 20 points"),
    (0, ""),
    (0, "No money"),
])
def test_other_refusals_are_not_price_guard(retcode: int, text: str) -> None:
    assert parse_price_guard(retcode, text) is None
