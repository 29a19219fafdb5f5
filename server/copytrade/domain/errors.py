"""Errors raised by the domain for values that break its rules.

Each names the offending ``field`` so an API can show it next to the input it came from.
All are :class:`ValueError` subclasses.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A domain value is invalid; ``field`` names it, ``message`` says why in plain English."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RuleError(DomainError):
    """A follower copy-rule setting is invalid (the API reports it as a field error)."""


class SymbolSpecError(DomainError):
    """A follower EA reported symbol limits that cannot be traded (e.g. a zero volume step)."""


class SignalError(DomainError):
    """A master signal handed to the rules is malformed (e.g. a naive open time)."""
