"""SQLite's checkpoints (`store/drivers/sqlite.py`): a passive one on a worker thread every
`CHECKPOINT_EVERY` commits, and, once the WAL has grown past `WAL_SIZE_LIMIT`, a second step
behind a gate connection holding the write lock, so that the next write starts the WAL again from
its beginning and the file is cut back to the limit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from purrr_server.store import Store, migrate
from purrr_server.store.drivers import sqlite as driver_module
from purrr_server.store.drivers.sqlite import SqliteDriver

NOW = "2026-11-23T12:00:00+00:00"


async def _write(store: Store, user_id: int, n: int) -> None:
    for i in range(n):
        async with store.write(user_id) as uow:
            await uow.events.append(user_id, "test.checkpoint", {"n": i, "pad": "x" * 900}, NOW)


def _frames_in_wal(db: Path) -> int:
    """Frames the WAL holds now (SQLite's own count, from a passive checkpoint)."""
    with sqlite3.connect(db) as conn:
        busy, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(log)


#: Frames one write of `_write` appends (it is ~720 for the 120 writes before a checkpoint).
ONE_WRITE = 10


@pytest.fixture
async def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, int]:
    monkeypatch.setattr(driver_module, "CHECKPOINT_EVERY", 10**9)  # checkpoints by hand
    monkeypatch.setattr(driver_module, "WAL_SIZE_LIMIT", 64 * 1024)
    db = tmp_path / "ck.db"
    migrate(db)
    store = Store(db)
    await store.open()
    async with store.write() as uow:
        user = await uow.users.create(username="ck", email=None, password_hash=None, now=NOW)
    return store, user.id


async def test_a_large_wal_starts_again_and_is_cut_back_after_a_checkpoint(
    opened: tuple[Store, int], tmp_path: Path
) -> None:
    (store, user), wal = opened, tmp_path / "ck.db-wal"
    driver = store.driver
    assert isinstance(driver, SqliteDriver)
    try:
        await _write(store, user, 120)
        assert wal.stat().st_size > 4 * driver_module.WAL_SIZE_LIMIT
        driver._checkpoint()  # both steps: the WAL is over the limit
        await _write(store, user, 1)

        assert _frames_in_wal(tmp_path / "ck.db") <= ONE_WRITE  # started again: this write's frames
        assert wal.stat().st_size <= driver_module.WAL_SIZE_LIMIT
        rows = await store.read.events.since(user, 0, limit=1000)
        assert len(rows) == 121  # nothing lost
    finally:
        await store.close()


async def test_a_gate_that_cannot_take_the_lock_leaves_the_second_step(
    opened: tuple[Store, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process writing keeps the gate out: the checkpoint returns after its first step
    (no error, the writer unaffected) and a later one finishes the job."""
    monkeypatch.setattr(driver_module, "GATE_TIMEOUT", 0.05)
    store, user = opened
    driver = store.driver
    assert isinstance(driver, SqliteDriver)
    other = sqlite3.connect(tmp_path / "ck.db", isolation_level=None)
    try:
        await _write(store, user, 120)
        other.execute("BEGIN IMMEDIATE")
        driver._checkpoint()
        other.execute("ROLLBACK")
        await _write(store, user, 1)
        driver._checkpoint()
        await _write(store, user, 1)
        assert _frames_in_wal(tmp_path / "ck.db") <= ONE_WRITE
    finally:
        other.close()
        await store.close()


class _CommitAfterFirstStep:
    """The checkpointer's connection, with a commit of another connection landing during the
    first step: what a steady write load does to every checkpoint."""

    def __init__(self, db: Path, user_id: int) -> None:
        self.real = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self.db, self.user_id, self.calls = db, user_id, 0

    def execute(self, sql: str) -> sqlite3.Cursor:
        self.calls += 1
        if self.calls != 1:
            return self.real.execute(sql)
        other = sqlite3.connect(self.db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # begun before the step: its frames come after
        other.execute(
            "INSERT INTO events (user_id, version, type, payload, created_at)"
            " VALUES (?, 0, 'test.meanwhile', '{}', ?)",
            (self.user_id, NOW),
        )
        cursor = self.real.execute(sql)
        other.execute("COMMIT")
        other.close()
        return cursor

    def close(self) -> None:
        self.real.close()


@pytest.mark.parametrize("large", [True, False])
async def test_commits_during_the_first_step_are_copied_by_the_second(
    opened: tuple[Store, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    """Under a steady load a commit always lands while the first step runs, so the WAL never
    starts again from its beginning, unless the gated second step copies it (taken only when
    the WAL is over the limit)."""
    if not large:
        monkeypatch.setattr(driver_module, "WAL_SIZE_LIMIT", 1 << 40)
    store, user = opened
    db = tmp_path / "ck.db"
    driver = store.driver
    assert isinstance(driver, SqliteDriver)
    try:
        await _write(store, user, 120)
        driver._checkpointer = _CommitAfterFirstStep(db, user)  # type: ignore[assignment]
        driver._gate = sqlite3.connect(db, 1.0, isolation_level=None, check_same_thread=False)
        driver._checkpoint()
        await _write(store, user, 1)

        frames = _frames_in_wal(db)
        assert (frames <= ONE_WRITE) if large else (frames > 100 * ONE_WRITE // 2)
    finally:
        await store.close()
