"""The SQLite store of one server process: a reader and a writer connection, and write transactions.

Reads use their own connection in autocommit mode, so WAL gives them a committed snapshot and they
never see a write that is still in progress. Writes go through one writer connection, serialized
in-process by an `asyncio.Lock` and across processes by `BEGIN IMMEDIATE` plus `busy_timeout`.
Each write transaction bumps the global version counter once (the sync and live-events cursor).
Both connections run their statements on the event loop's thread (`purrr_server.store.inline`:
why, and how the busy timeout is waited out without blocking the loop).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from purrr_server.store import inline
from purrr_server.store.base import Session

AfterCommit = Callable[[], None | Awaitable[None]]


class UnitOfWork(Session):
    """A session inside one write transaction; `after_commit` callbacks run once it is durable."""

    def __init__(self, conn: inline.Connection, version: int) -> None:
        super().__init__(conn, version)
        self.after_commit: list[AfterCommit] = []


class Store:
    """Connections and transactions for one database file (see the module docstring)."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 10000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._reader: inline.Connection | None = None
        self._writer: inline.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._read_session: Session | None = None

    @property
    def read(self) -> Session:
        """The read session (autocommit snapshot reads); the store must be open."""
        if self._read_session is None:
            raise RuntimeError("the store is not open")
        return self._read_session

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        """Open both connections (idempotent; safe to call from concurrent first requests)."""
        async with self._open_lock:
            if self.is_open:
                return
            self._reader = await self._connect()
            self._writer = await self._connect()
            self._read_session = Session(self._reader)

    async def _connect(self) -> inline.Connection:
        conn = await inline.connect(self.path)
        conn.row_factory = sqlite3.Row
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",  # WAL + NORMAL: a killed process loses nothing committed
            f"busy_timeout={self.busy_timeout_ms}",
            "foreign_keys=ON",
        ):
            await conn.execute(f"PRAGMA {pragma}")
        return conn

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None
        self._read_session = None

    @asynccontextmanager
    async def write(self, *, bump_version: bool = True) -> AsyncIterator[UnitOfWork]:
        """One `BEGIN IMMEDIATE` transaction: commit on success, roll back on any exception."""
        if self._writer is None:
            await self.open()
        conn = self._writer
        assert conn is not None
        async with self._write_lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                version = await self._next_version(conn) if bump_version else 0
                uow = UnitOfWork(conn, version)
                yield uow
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
        if bump_version:
            self._notify()
        for callback in uow.after_commit:
            outcome = callback()
            if outcome is not None:
                await outcome

    @staticmethod
    async def _next_version(conn: inline.Connection) -> int:
        async with conn.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def current_version(self) -> int:
        return await self.read.events.committed_version()

    async def applied_migrations(self) -> list[str]:
        rows = await self.read.events.fetchall("SELECT name FROM schema_migrations ORDER BY name")
        return [row[0] for row in rows]

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for_change(self, timeout: float) -> None:
        """Return when this process commits a new version, or after `timeout` seconds."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass
