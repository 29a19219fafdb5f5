"""The benchmark runs the server users run, and a failed run names its real cause."""

from __future__ import annotations

import gc
import io

import pytest
import trio

from copytrade import app, cli
from copytrade.bench.cli import leaf_exceptions, report_failure
from copytrade.bench.procs import BenchError
from copytrade.engine.gcpolicy import YOUNG_THRESHOLD, LoginWaves


class _Stop(Exception):
    pass


@pytest.mark.parametrize("argv", [["serve"], ["bench", "--quick"], ["bench", "--eas"],
                                  ["demo"]])
def test_every_server_command_sets_the_process_up_through_one_function(
        monkeypatch: pytest.MonkeyPatch, tmp_path, argv: list[str]) -> None:
    seen: list[str] = []

    def configure_process(settings) -> None:
        seen.append(settings.log_level)
        raise _Stop

    monkeypatch.setenv("COPYTRADE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COPYTRADE_LOG_LEVEL", "DEBUG")
    monkeypatch.setattr(app, "configure_process", configure_process)
    with pytest.raises(_Stop):
        cli.main(argv)
    assert seen == ["DEBUG"]


def test_the_benchmark_does_not_tune_logging_or_the_collector() -> None:
    # What is left for the benchmark to differ in: the server's own policy object, which
    # the benchmark only waits on (run_server builds it; see the next test).
    import inspect

    from copytrade.bench import cli as bench_cli
    from copytrade.bench import run as bench_run
    for module in (bench_cli, bench_run):
        source = inspect.getsource(module)
        for tuning in ("setLevel", "freeze_after_startup(", "gc.freeze", "set_threshold",
                       "gc.disable", 'log_level="'):
            assert tuning not in source, (module.__name__, tuning)


async def test_a_wave_of_logins_is_frozen_once_it_has_settled() -> None:
    waves = LoginWaves(min_logins=3, quiet_s=0.5)
    now = trio.current_time()
    for _ in range(2):
        waves.note_login()
    assert not waves.wave_pending
    assert not waves.step(now + 10)  # too few logins to be worth a collection
    waves.note_login()
    assert waves.wave_pending
    assert not waves.step(now + 0.1)  # still logging in
    gc.set_threshold(700, 10, 10)
    frozen_before = gc.get_freeze_count()
    junk = [[object()] for _ in range(1000)]
    assert waves.step(now + 1)
    assert waves.freezes == 1 and waves.pending == 0
    assert gc.get_freeze_count() >= frozen_before + len(junk)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    with trio.fail_after(1):
        await waves.settled()  # nothing pending: returns at once
    gc.unfreeze()


async def test_settled_waits_for_the_freeze() -> None:
    waves = LoginWaves(min_logins=1, quiet_s=0.2)
    async with trio.open_nursery() as nursery:
        await nursery.start(waves.run)
        waves.note_login()
        with trio.fail_after(5):
            await waves.settled()
        assert waves.freezes == 1
        nursery.cancel_scope.cancel()
    gc.unfreeze()


async def _fails_deep_inside_nurseries() -> None:
    async def scenario() -> None:
        raise BenchError("1626 followers and 0 masters never became ready")

    async with trio.open_nursery() as outer:
        async def inner() -> None:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(scenario)
        outer.start_soon(inner)


def test_a_failed_run_prints_the_leaf_exception_not_the_group() -> None:
    out = io.StringIO()
    try:
        trio.run(_fails_deep_inside_nurseries)
    except* BenchError as group:
        assert "sub-exception" in str(group)  # what used to be printed
        assert [str(e) for e in leaf_exceptions(group)] == [
            "1626 followers and 0 masters never became ready"]
        report_failure(group, out)
    text = out.getvalue()
    assert "BENCHMARK FAILED: 1626 followers and 0 masters never became ready" in text
    assert "Trio nursery" not in text and "sub-exception" not in text


def test_every_leaf_of_a_group_is_reported() -> None:
    group = ExceptionGroup("outer", [BenchError("a"), ExceptionGroup("inner", [
        BenchError("b"), BenchError("c")])])
    out = io.StringIO()
    report_failure(group, out)
    assert [line for line in out.getvalue().splitlines() if line] == [
        "BENCHMARK FAILED: a", "BENCHMARK FAILED: b", "BENCHMARK FAILED: c"]
