"""Fixtures of the end-to-end engine tests."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from helpers import World


@pytest.fixture
async def world(server: Any, nursery: trio.Nursery) -> World:
    """The whole server on free ports (the ``server`` fixture) and one user of it, ready for
    ``await world.master()`` / ``await world.follower(master)``: accounts with their EA keys
    and connected simulator EAs (helpers.World)."""
    w = World(server, nursery)
    await w.setup_user()
    return w
