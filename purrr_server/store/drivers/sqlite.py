"""The SQLite driver: a reader and a writer connection, one writer at a time.

Reads use their own connection in autocommit mode, so WAL gives them a committed snapshot and they
never see a write that is still in progress. Writes go through one writer connection, serialized
in-process by an `asyncio.Lock` and across processes by `BEGIN IMMEDIATE` plus a busy timeout.
Statements run on the event loop's thread (`purrr_server.store.inline` says why, and how the busy
timeout is waited out without blocking the loop).

WAL checkpoints (copying committed pages back into the database file, with an `fsync`) do not run
on the loop: SQLite's automatic checkpoint would run inside every ~90th `COMMIT` of the writer, a
few milliseconds during which no request is served (a large part of a write's p99). The writer
has `wal_autocheckpoint` off, and every `CHECKPOINT_EVERY` commits a checkpoint runs on a worker
thread, on a connection of its own (sqlite3 releases the GIL while it works): a passive
checkpoint, which copies what was committed when it began and never waits for nor blocks a reader
or the writer.

That alone lets the WAL grow without end under a steady write load: SQLite writes the WAL from
its beginning again only when a write transaction starts while every frame has been copied, and
a checkpoint beside a stream of writes never gets there (measured: 228 MB of WAL after 8 s of
writes, every commit's frames appended, each append extending the file). So once the WAL is
larger than `WAL_SIZE_LIMIT`, the checkpoint takes a second step: a passive checkpoint while a
third connection (the gate) holds SQLite's write lock, which copies the few commits made during
the first, leaving the WAL wholly in the database file; the next write starts it again from its
beginning, and `journal_size_limit` cuts the file back to the limit. Writers meanwhile find the
database busy and retry on the event loop (`inline`), which keeps serving; the hold stays in the
thread (holding the in-process write lock instead kept writes waiting for a whole turn of a
loaded event loop), and it costs two `fsync`s, so it is taken only when the WAL is that large
(about every 1,600 writes), not at every checkpoint (that measured ~25 ms holds 14 times a
second, and lower throughput).
Durability is unchanged: a commit is in the WAL whether or not it has been checkpointed.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from purrr_server.store import inline
from purrr_server.store.drivers import Kind, Params, returned_ids


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

    async def fetchone_last(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """A transaction's last statement: a `COMMIT` costs no round trip here, so it comes
        at the end of the transaction's block as usual."""
        return await self.fetchone(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self.raw.execute_rowcount(sql, params)

    async def insert_ids(self, sql: str, params: Params = ()) -> list[int]:
        """The ids from the cursor's `lastrowid` and `rowcount` when SQLite's rules make them
        certain (`_without_returning`): `RETURNING` costs SQLite a temporary table per
        statement, ~10 µs of a write's three inserts each."""
        plain = _without_returning(sql)
        if plain is None:
            return returned_ids(await self.raw.execute_fetchall(sql, params))
        count, last = await self.raw.execute_lastrowid(plain, params)
        return list(range(last - count + 1, last + 1))

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)


_RETURNING_ID = re.compile(r"\s+RETURNING\s+id\s*$", re.IGNORECASE)
_CONFLICT_CLAUSE = re.compile(r"\bON\s+CONFLICT\b", re.IGNORECASE)
#: A plain `INSERT INTO table (columns)` (not `INSERT OR …`, not `REPLACE`) and its columns.
_COLUMNS = re.compile(r"^\s*INSERT\s+INTO\s+\w+\s*\(([^)]*)\)", re.IGNORECASE)


@lru_cache(maxsize=512)
def _without_returning(sql: str) -> str | None:
    """`sql` without its closing `RETURNING id`, when the cursor tells the new ids: an INSERT
    into a table whose `id` is its rowid (every store table's, with `AUTOINCREMENT`) gives the
    rows of one statement consecutive ids, each one above the largest yet (at the top of the
    range SQLite fails with SQLITE_FULL rather than reuse one), so they are the `rowcount`
    ids ending at `lastrowid`. None when that does not hold or cannot be told: another
    `RETURNING`, a conflict clause (`ON CONFLICT`, `INSERT OR …`, `REPLACE`: rows it skips or
    updates leave gaps, or no new rowid), ids the statement gives itself, or no column list."""
    returning = _RETURNING_ID.search(sql)
    columns = _COLUMNS.match(sql)
    if returning is None or columns is None or _CONFLICT_CLAUSE.search(sql):
        return None
    if "id" in (name.strip().lower() for name in columns.group(1).split(",")):
        return None
    return sql[: returning.start()]


#: Commits of the writer between two checkpoints (a write dirties about ten pages, so about
#: SQLite's own default of 1000 WAL pages).
CHECKPOINT_EVERY = 80
#: The WAL size (bytes) above which a checkpoint makes the WAL start again from its beginning,
#: and what a restarted WAL is cut back to (SQLite's `journal_size_limit`).
WAL_SIZE_LIMIT = 64 * 1024 * 1024
#: Seconds the checkpoint's gate waits for the write lock (in its thread) before leaving the
#: second step to the next checkpoint.
GATE_TIMEOUT = 1.0


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
        self._gate: sqlite3.Connection | None = None

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
            await writer.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
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
        for helper in (self._checkpointer, self._gate):
            if helper is not None:
                helper.close()
        self._checkpointer = self._gate = None
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
        """A checkpoint, and its second step when the WAL is large (see the module
        docstring), on a worker thread."""
        if self._checkpointer is None or self._gate is None:
            self._checkpointer = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
            self._gate = sqlite3.connect(
                self.path, GATE_TIMEOUT, isolation_level=None, check_same_thread=False
            )
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        try:
            if os.stat(f"{self.path}-wal").st_size <= WAL_SIZE_LIMIT:
                return
        except FileNotFoundError:
            return
        try:
            self._gate.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return  # writers kept the lock (another process's): the next checkpoint goes on
        try:
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            self._gate.execute("ROLLBACK")

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
