"""The server list (``InpServers``, ``--servers``): the shared cases of
tests/fixtures/server_lists.json (the MQL5 EAs are checked on the same file), the single
host/port fallback and the failover order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copytrade.protocol.servers import (
    MAX_SERVERS,
    ServerAddress,
    ServerListError,
    next_index,
    parse_servers,
    resolve_servers,
)

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "server_lists.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"])[:40] for c in CASES])
def test_shared_cases(case: dict[str, Any]) -> None:
    if case["valid"]:
        got = parse_servers(case["text"], case["default_port"])
        assert [str(a) for a in got] == case["servers"]
    else:
        with pytest.raises(ServerListError) as err:
            parse_servers(case["text"], case["default_port"])
        assert str(err.value)


def test_the_cases_cover_good_and_bad_lists() -> None:
    assert sum(c["valid"] for c in CASES) >= 8
    assert sum(not c["valid"] for c in CASES) >= 20


@pytest.mark.parametrize(("text", "words"), [
    ("a:5555,,b:5555", "entry 2 is empty"),
    ("a:70000", "out of range"),
    ("a:x", "not a number"),
    ("a:5555,A:5555", "listed twice"),
    ("[::1]:5555", "IPv6"),
    (",".join(f"h{i}:1" for i in range(MAX_SERVERS + 1)), "more than 8"),
])
def test_errors_name_the_entry_and_the_problem(text: str, words: str) -> None:
    with pytest.raises(ServerListError, match=words):
        parse_servers(text, 5555)


def test_an_empty_list_falls_back_to_host_and_port_checked_the_same_way() -> None:
    assert resolve_servers("", "127.0.0.1", 5555) == (ServerAddress("127.0.0.1", 5555),)
    assert resolve_servers("a:1,b:2", "127.0.0.1", 5555) == (
        ServerAddress("a", 1), ServerAddress("b", 2))
    for host, port in (("127.0.0.1", 0), ("127.0.0.1", 65536), ("", 5555), ("a b", 5555),
                       ("a:1", 5555)):
        with pytest.raises(ServerListError):
            resolve_servers(" ", host, port)


def test_failover_order() -> None:
    # never reached OK: the next address, wrapping; a logged-in link that dropped: the same
    assert [next_index(i, 3, False) for i in range(3)] == [1, 2, 0]
    assert [next_index(i, 3, True) for i in range(3)] == [0, 1, 2]
    assert next_index(0, 1, False) == 0
    assert next_index(5, 0, False) == 0


@given(st.text(max_size=80), st.integers(-10, 70000))
def test_random_text_is_a_list_or_a_clear_error(text: str, port: int) -> None:
    try:
        got = parse_servers(text, port)
    except ServerListError as exc:
        assert str(exc)
    else:
        assert len(got) <= MAX_SERVERS
        assert all(1 <= a.port <= 65535 and a.host for a in got)
