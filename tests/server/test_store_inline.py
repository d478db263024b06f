"""The store's connections run statements on the event loop thread (purrr_server.store.inline):
the same results as aiosqlite's, and a writer locked out by another process waits without
blocking the loop, for at most the busy timeout."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from purrr_server.store import Store, migrate
from purrr_server.store.inline import connect


async def test_statements_answer_like_aiosqlite(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "t.db")
    conn.row_factory = sqlite3.Row
    await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)")
    assert await conn.execute_lastrowid("INSERT INTO t (v) VALUES (?)", ("a",)) == (1, 1)
    await conn.executemany("INSERT INTO t (v) VALUES (?)", (("b",), ("c",)))
    async with conn.execute("UPDATE t SET v = 'x' WHERE id > ?", (1,)) as cursor:
        assert cursor.rowcount == 2
    cursor = await conn.execute("SELECT v FROM t ORDER BY id")
    assert [r["v"] for r in await cursor.fetchall()] == ["a", "x", "x"]
    assert [r[0] for r in await conn.execute_fetchall("SELECT id FROM t WHERE v = ?", ["x"])] == [
        2,
        3,
    ]
    assert not conn.in_transaction
    await conn.close()


def _store(tmp_path: Path, busy_timeout_ms: int) -> Store:
    db = tmp_path / "purrr.db"
    migrate(db)
    return Store(db, busy_timeout_ms=busy_timeout_ms)


async def test_a_locked_out_writer_waits_without_blocking_the_loop(tmp_path: Path) -> None:
    store = _store(tmp_path, busy_timeout_ms=5000)
    await store.open()
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def write() -> int:
        async with store.write(1) as uow:
            return uow.version

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.2)
    assert not writing.done()
    assert ticks >= 10  # the loop kept serving while the write waited
    other.execute("COMMIT")
    version = await asyncio.wait_for(writing, 5)
    assert version >= 1 and time.monotonic() - started >= 0.2
    ticking.cancel()
    other.close()
    await store.close()


async def test_the_busy_timeout_still_ends_the_wait(tmp_path: Path) -> None:
    store = _store(tmp_path, busy_timeout_ms=100)
    await store.open()
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        async with store.write(1):
            pass
    assert 0.1 <= time.monotonic() - started < 2
    other.execute("ROLLBACK")
    async with store.write(1) as uow:  # the writer is usable again
        assert uow.version >= 1
    other.close()
    await store.close()
