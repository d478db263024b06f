"""The SQLite driver: a reader and a writer connection, one writer at a time.

Reads use their own connection in autocommit mode, so WAL gives them a committed snapshot and they
never see a write that is still in progress. Writes go through one writer connection, serialized
in-process by an `asyncio.Lock` and across processes by `BEGIN IMMEDIATE` plus a busy timeout.
Statements run on the event loop's thread (`purrr_server.store.inline` says why, and how the busy
timeout is waited out without blocking the loop).
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
        for row in await self.raw.execute_fetchall(sql, params):
            found: sqlite3.Row = row
            return found
        return None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self.raw.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.raw.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)


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
            self._writer = SqliteConnection(await self._connect())

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
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.raw.close()
        self._reader = self._writer = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """One `BEGIN IMMEDIATE` transaction on the writer connection."""
        if self._writer is None:
            await self.open()
        conn = self._writer
        assert conn is not None
        async with self._write_lock:
            await conn.raw.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.raw.execute("COMMIT")
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
