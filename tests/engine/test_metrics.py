"""/metrics from the engine's counters, rendered without PostgreSQL or TCP: every field of
``Metrics`` is on it under its own name, and the engine adds the connected EAs by role and
the ledger's backlog."""

from __future__ import annotations

from typing import Any, cast

import attrs

from copytrade.api.metrics import render
from copytrade.config import Settings
from copytrade.db.database import Database
from copytrade.domain.models import CopyMode, Role
from copytrade.domain.rules import CopyRules
from copytrade.engine.core import Engine
from copytrade.engine.events import EventBus
from copytrade.engine.metrics import Histogram, Metrics
from copytrade.engine.state import AccountInfo
from copytrade.protocol import ErrorCode


@attrs.define
class _Peer:
    account_id: int

    def send(self, data: bytes) -> bool:
        return True

    def close(self, code: ErrorCode, text: str) -> None:
        pass


def _engine(tmp_path: Any) -> Engine:
    # Never run: nothing here touches the pool.
    db = Database(pool=cast(Any, None), dsn="postgresql://unused")
    return Engine(db=db, events=EventBus(), settings=Settings(data_dir=tmp_path))


def _info(account_id: int, role: Role) -> AccountInfo:
    return AccountInfo(id=account_id, user_id=1, name=f"a{account_id}", role=role,
                       is_active=True, copy_mode=CopyMode.PUBSUB, partner_id=None,
                       following_id=None, rules=CopyRules())


def test_snapshot_names_every_field_and_histograms_by_their_snapshot():
    m = Metrics(signals_total=3, nacks_total=2)
    m.copy_latency_seconds.observe(0.003)
    snap = m.snapshot()
    assert set(snap) == {f.name for f in attrs.fields(Metrics)}
    assert snap["signals_total"] == 3 and snap["nacks_total"] == 2 and snap["acks_total"] == 0
    assert snap["copy_latency_seconds"]["count"] == 1
    assert snap["copy_latency_seconds"]["buckets"][2] == [0.005, 1]   # 0.003 ≤ 0.005
    assert snap["copy_latency_seconds"]["buckets"][1] == [0.0025, 0]
    assert snap["kill_switch_latency_seconds"] == Histogram().snapshot()


def test_engine_metrics_render_as_prometheus_text(tmp_path):
    engine = _engine(tmp_path)
    for account_id, role in ((1, Role.MASTER), (2, Role.FOLLOWER), (3, Role.FOLLOWER)):
        engine.routing.remember(_info(account_id, role))
        engine.sessions[account_id] = _Peer(account_id)
    engine.sessions[99] = _Peer(99)   # not cached (yet): not counted
    engine.counters.signals_total = 7
    engine.counters.commands_total = 14
    engine.counters.kill_switch_latency_seconds.observe(0.02)
    engine.counters.kill_switch_latency_seconds.observe(7.5)

    data = engine.metrics()
    assert set(data) == ({f.name for f in attrs.fields(Metrics)}
                         | {"ea_connected", "ledger_backlog", "ledger_dropped_total"})
    text = render(data)
    lines = text.splitlines()
    assert text.endswith("\n")
    assert lines[:2] == ["# TYPE copytrade_acks_total counter", "copytrade_acks_total 0"]
    for expected in (
        "# TYPE copytrade_signals_total counter", "copytrade_signals_total 7",
        "copytrade_commands_total 14",
        "# TYPE copytrade_ea_connected gauge",
        'copytrade_ea_connected{kind="follower"} 2', 'copytrade_ea_connected{kind="master"} 1',
        "# TYPE copytrade_ledger_backlog gauge", "copytrade_ledger_backlog 0",
        "# TYPE copytrade_ledger_dropped_total counter", "copytrade_ledger_dropped_total 0",
        "# TYPE copytrade_kill_switch_latency_seconds histogram",
        'copytrade_kill_switch_latency_seconds_bucket{le="0.01"} 0',
        'copytrade_kill_switch_latency_seconds_bucket{le="0.025"} 1',
        'copytrade_kill_switch_latency_seconds_bucket{le="5.0"} 1',
        'copytrade_kill_switch_latency_seconds_bucket{le="+Inf"} 2',
        "copytrade_kill_switch_latency_seconds_sum 7.52",
        "copytrade_kill_switch_latency_seconds_count 2",
        'copytrade_copy_latency_seconds_bucket{le="+Inf"} 0',
    ):
        assert expected in lines, expected
    types = [line.split()[2] for line in lines if line.startswith("# TYPE")]
    assert types == sorted(types) and len(types) == len(data)
    # one "+Inf" bucket per histogram, never two
    assert sum('le="+Inf"' in line for line in lines) == 2


def test_a_new_counter_reaches_metrics_with_no_other_change():
    @attrs.define
    class More(Metrics):
        orders_total: int = 0

    lines = render(More(orders_total=4).snapshot()).splitlines()
    assert "# TYPE copytrade_orders_total counter" in lines
    assert "copytrade_orders_total 4" in lines
