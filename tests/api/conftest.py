"""Fixtures of the API tests; the helpers live in apitools.py (a module name no other test
folder uses, so imports never pick up another folder's conftest)."""

from apitools import alice, api, bob

__all__ = ["alice", "api", "bob"]
