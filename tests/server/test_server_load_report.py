"""`benchmarks/server_load.py` marks a p99 that includes its connections' starts (issue #15):
each slice opens its wrk connections at once, and uvloop accepts one per turn of a loaded loop,
so a short slice's p99 measures connection starts, not the steady state."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.benchmarks import load_benchmark


@pytest.fixture(scope="module")
def load() -> ModuleType:
    return load_benchmark("server_load.py", "server_load_report")


def test_merge_keeps_the_shortest_slice_per_connection(load: ModuleType) -> None:
    parts = [
        load.Result("PUT cat (write)", n, 2.0, 0, 20.0, p99, 1.0)
        for n, p99 in [(4000, 40.0), (9000, 45.0), (12800, 60.0)]
    ]
    merged = load.merge("PUT cat (write)", parts, 32)
    assert merged.requests == 25800 and merged.p99_ms == 60.0 and merged.cpu_seconds == 3.0
    assert merged.per_connection == 4000 / 32
    assert load.starts_in_p99(merged)
    long = load.merge("PUT cat (write)", parts[1:], 32)
    assert long.per_connection == 9000 / 32 and not load.starts_in_p99(long)


def test_a_single_run_is_not_marked(load: ModuleType) -> None:
    single = load.Result("hello-world", 100, 1.0, 0, 1.0, 2.0)
    assert not load.starts_in_p99(single)
    assert load.merge("hello-world", [single]).per_connection is None


def test_the_mixed_runs_writers_count_their_own_connections(load: ModuleType) -> None:
    assert load.slice_connections(load.MIXED_WRITES, 32) == load.MIXED_WRITERS == 8
    assert load.slice_connections("GET cat, writes running", 32) == 32
