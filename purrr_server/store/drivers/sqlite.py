"""The SQLite driver: a reader and a writer connection, one writer at a time.

Reads use their own connection in autocommit mode, so WAL gives them a committed snapshot and they
never see a write that is still in progress. Writes go through one writer connection, serialized
in-process by an `asyncio.Lock` and across processes by `BEGIN IMMEDIATE` plus a busy timeout.
Statements run on the event loop's thread (`purrr_server.store.inline` says why, and how the busy
timeout is waited out without blocking the loop).

WAL checkpoints (copying committed pages back into the database file, with an `fsync`) do not run
on the loop: SQLite's automatic checkpoint would run inside every ~90th `COMMIT` of the writer, a
few milliseconds during which no request is served (a large part of a write's p99). The writer
has `wal_autocheckpoint` off, and every `CHECKPOINT_EVERY` commits a passive checkpoint runs on
a worker thread, on a connection of its own (sqlite3 releases the GIL while it works). Passive:
it never waits for nor blocks a reader or the writer; what it cannot copy yet, the next one does.
Durability is unchanged: a commit is in the WAL whether or not it has been checkpointed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from purrr_server.store import inline
from purrr_server.store.drivers import Kind, Params


class SqliteConnection:
    """Statements on one SQLite connection; rows are `sqlite3.Row`."""

    kind: Kind = "sqlite"

    def __init__(self, raw: inline.Connection) -> None:
        self.raw = raw

    # A read is one hop to the connection's thread (aiosqlite's `execute_fetchall`), not three
    # (execute, fetch, close): under load every hop waits for a turn of the event loop, and a
    # write transaction holds the writer across all of its hops.

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.raw.execute_fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await self.raw.execute_fetchall(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self.raw.execute_rowcount(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)


#: Commits of the writer between two checkpoints (a write dirties about a dozen pages, so about
#: SQLite's own default of 1000 WAL pages).
CHECKPOINT_EVERY = 80


class SqliteDriver:
    """Connections and transactions for one database file (see the module docstring)."""

    kind: Kind = "sqlite"

    def __init__(self, path: Path, *, busy_timeout_ms: int = 10000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._reader: SqliteConnection | None = None
        self._writer: SqliteConnection | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()
        self._commits = 0
        self._checkpointing: asyncio.Future[None] | None = None
        self._checkpointer: sqlite3.Connection | None = None

    @property
    def reader(self) -> SqliteConnection:
        if self._reader is None:
            raise RuntimeError("the store is not open")
        return self._reader

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        async with self._open_lock:
            if self.is_open:
                return
            self._reader = SqliteConnection(await self._connect())
            writer = await self._connect()
            await writer.execute("PRAGMA wal_autocheckpoint=0")  # see the module docstring
            self._writer = SqliteConnection(writer)

    async def _connect(self) -> inline.Connection:
        # The busy timeout is waited out by `inline` without blocking the event loop.
        conn = await inline.connect(self.path, self.busy_timeout_ms)
        conn.row_factory = sqlite3.Row
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",  # WAL + NORMAL: a killed process loses nothing committed
            "foreign_keys=ON",
        ):
            await conn.execute(f"PRAGMA {pragma}")
        return conn

    async def close(self) -> None:
        if self._checkpointing is not None:
            await asyncio.gather(self._checkpointing, return_exceptions=True)
            self._checkpointing = None
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.raw.close()
        self._reader = self._writer = None

    def _committed(self) -> None:
        """Count a commit; every `CHECKPOINT_EVERY`, start a checkpoint unless one runs."""
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._checkpointing is not None:
            return
        self._commits = 0
        loop = asyncio.get_running_loop()
        self._checkpointing = loop.run_in_executor(None, self._checkpoint)
        self._checkpointing.add_done_callback(self._checkpointed)

    def _checkpoint(self) -> None:
        """A passive checkpoint (on a worker thread, its own connection)."""
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _checkpointed(self, done: asyncio.Future[None]) -> None:
        self._checkpointing = None
        if not done.cancelled() and done.exception() is not None:
            # a checkpoint that failed (disk full, I/O error) loses nothing: the WAL keeps the
            # commits and the next checkpoint tries again; the writer reports real trouble
            self._commits = CHECKPOINT_EVERY - 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """One `BEGIN IMMEDIATE` transaction on the writer connection."""
        if self._writer is None:
            await self.open()
        conn = self._writer
        assert conn is not None
        async with self._write_lock:
            await conn.raw.execute_rowcount("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.raw.execute_rowcount("COMMIT")
                self._committed()
            except BaseException:
                if conn.raw.in_transaction:
                    await conn.raw.execute("ROLLBACK")
                raise

    async def ping(self) -> bool:
        try:
            if not self.is_open:
                await self.open()
            return await self.reader.fetchone("SELECT 1") is not None
        except (sqlite3.Error, OSError):
            return False
