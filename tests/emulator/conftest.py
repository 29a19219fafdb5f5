"""Fixtures for the emulator tests: the real EAs compiled once per source hash."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from copytrade.ea.build import Built, build

from eaworld import EaWorld

# Skipped only on a developer machine without g++; under CI a missing compiler is a failure.
if shutil.which("g++") is None and not os.environ.get("CI"):
    pytest.skip("g++ is not installed", allow_module_level=True)


@pytest.fixture(scope="session")
def built_master() -> Built:
    return build("master")


@pytest.fixture(scope="session")
def built_follower() -> Built:
    return build("follower")


@pytest.fixture
def server_settings(db_url: str, tmp_path: Path) -> Any:
    """The server with a 2 s heartbeat (idle timeout 6 s): link timing shows in seconds."""
    from copytrade.config import Settings

    return Settings(database_url=db_url, data_dir=tmp_path, http_port=0, ea_port=0,
                    ea_auth_timeout=2.0, ea_idle_timeout=6.0)


@pytest.fixture
def ea_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "terminals"
    path.mkdir()
    yield path


@pytest.fixture
async def world(server: Any, nursery: trio.Nursery, ea_dir: Path, built_master: Built,
                built_follower: Built) -> Any:
    w = EaWorld(server, nursery, ea_dir, built_master, built_follower)
    await w.setup()
    yield w
    await w.stop()
