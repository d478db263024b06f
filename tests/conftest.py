"""Suite-wide rules: a hermetic environment, and no test may leave a database thread running.

- The environment (tests/environment.py) is cleaned before collection (Textual reads its
  settings on import) and again around every test, so `NO_COLOR=1 TERM=dumb COLUMNS=60` or a
  stray `PURRR_SERVER` in the shell changes nothing. HOME is a fresh directory for the session.
- Python's bytecode: with `PYTHONDONTWRITEBYTECODE` set (as on the machines here), every process
  the suite starts would compile all of purrr from source again (~0.6 s per server process,
  ~0.15 s per `purrr` command here). The run's processes share a bytecode cache in a temporary
  directory instead (`PYTHONPYCACHEPREFIX`), removed at the end: the source tree stays free of
  `__pycache__`, as that setting asks.
- The garbage collector is off while a worker collects the tests, and what collection built is
  then frozen out of its sight: full collections no longer scan it again during the run.
- Every aiosqlite connection runs a non-daemon thread: an app that is never closed (say, a test
  that fails before its last line) keeps the interpreter from exiting after the run. A test that
  leaves one running fails, naming the fix, and the thread is stopped so the run can end.
"""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.environment import hermetic, is_cleared

_session: dict[str, Any] = {}


def _apply(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    time.tzset()


def pytest_configure(config: pytest.Config) -> None:
    original = dict(os.environ)
    home = tempfile.mkdtemp(prefix="purrr-tests-home-")
    _session.update(original=original, home=home)
    env = hermetic(original, HOME=home)
    if env.pop("PYTHONDONTWRITEBYTECODE", ""):  # xdist's workers and every subprocess inherit it
        env["PYTHONPYCACHEPREFIX"] = _session["pycache"] = tempfile.mkdtemp(
            prefix="purrr-tests-pycache-"
        )
    _apply(env)
    # pytest-textual-snapshot imports Textual before any conftest, and Textual reads its
    # TEXTUAL_* switches (theme, colour system, animations…) once, on import.
    textual_switches = [n for n in original if n.startswith(("TEXTUAL_", "ESCDELAY"))]
    if "textual.constants" in sys.modules and any(is_cleared(n) for n in textual_switches):
        importlib.reload(sys.modules["textual.constants"])


def pytest_unconfigure(config: pytest.Config) -> None:
    if "original" in _session:
        _apply(_session.pop("original"))
        shutil.rmtree(_session.pop("home"), ignore_errors=True)
        if "pycache" in _session:
            shutil.rmtree(_session.pop("pycache"), ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Any:
    """Collection builds what lives until the run ends: the modules, every test item, the
    fuzzing strategies (~490,000 objects in a worker). The garbage collector is off meanwhile
    (it ran 30-50 full collections over them, 7-9 s of each worker's time), and what is left is
    then frozen out of its sight, so a full collection during the tests no longer scans it
    again (docs/testing.md, "The suite's time")."""
    gc.disable()
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Whatever leaked (a module-scoped server, an interrupted run), let the process exit."""
    _stop(_database_threads())


@pytest.fixture(autouse=True)
def hermetic_environment() -> Iterator[None]:
    """Each test starts from the session's clean environment and cannot leak changes into the
    next one (even ones made without monkeypatch, e.g. by the code under test)."""
    clean = hermetic(os.environ)
    _apply(clean)
    yield
    now = dict(os.environ)
    if _ours(now) != _ours(clean):  # pytest's own PYTEST_* variables change between phases
        for name in set(_ours(now)) - set(clean):
            del os.environ[name]
        os.environ.update(_ours(clean))
        time.tzset()


def _ours(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if not name.startswith("PYTEST_")}


def _database_threads() -> list[threading.Thread]:
    from_aiosqlite = sys.modules.get("aiosqlite.core")
    if from_aiosqlite is None:
        return []
    worker = from_aiosqlite._connection_worker_thread
    return [t for t in threading.enumerate() if getattr(t, "_target", None) is worker]


def _stop(threads: list[threading.Thread]) -> None:
    """Ask aiosqlite worker threads to finish (what `Connection.stop()` sends them)."""
    core = sys.modules["aiosqlite.core"] if threads else None
    for thread in threads:
        queue = thread._args[0]  # type: ignore[attr-defined]
        queue.put_nowait((None, lambda: core._STOP_RUNNING_SENTINEL))  # type: ignore[union-attr]
    for thread in threads:
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_database_left_open() -> Iterator[None]:
    before = set(_database_threads())
    yield
    leaked = [t for t in _database_threads() if t not in before]
    if not leaked:
        return
    gc.collect()  # an app nobody holds any more closes its connections when collected
    deadline = time.monotonic() + 2
    while leaked and time.monotonic() < deadline:
        time.sleep(0.01)
        leaked = [t for t in leaked if t.is_alive()]
    if leaked:
        _stop(leaked)
        pytest.fail(
            f"the test left {len(leaked)} database connection(s) open: close every app it "
            "creates in a fixture or a `finally` (purrr_server.app.close_app, or the "
            "`make_app` fixture of tests/server/conftest.py)",
            pytrace=False,
        )


# --- the databases: SQLite (a file in the test's data dir) and a throw-away PostgreSQL cluster ---


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Any]:
    """One PostgreSQL cluster per test process (tests/postgres.py); stopped at the end."""
    from tests.postgres import Cluster

    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """THE database parameter: None for SQLite (the data dir's file), or the URL of a fresh,
    migrated PostgreSQL database that is dropped after the test. Fixtures that build a store or
    a hosted app take it, so their tests run once on each database."""
    if request.param == "sqlite":
        yield None
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.new_database()
    try:
        yield url
    finally:
        cluster.drop(url)
