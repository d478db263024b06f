"""A SQLite connection that runs each statement on the calling (event loop) thread.

The subset of `aiosqlite.Connection` the store uses (`execute` as an awaitable and an async
context manager, `execute_fetchall`, `executemany`, `in_transaction`, `row_factory`,
`close`), with the same results, plus `execute_rowcount` and `execute_lastrowid`; but no
worker thread: a statement is a `sqlite3` call made where it is awaited, and the `await` never
yields to the event loop.

Why: with aiosqlite every statement is a hop to a thread and back, and the way back waits for
a turn of the event loop; under load a turn runs every other ready request first, so a write
transaction of a dozen statements held the one writer for a dozen turns (the profile of
`PUT /cats/{id}` under wrk: writes at 0.03-0.06x of a bare FastAPI app, and starved to a few
per second while reads ran). Inline, a transaction is a few hundred microseconds of CPU and
holds the writer for exactly that.

What this costs: a statement blocks the event loop while it runs. The store's statements are
short indexed lookups and single-row writes (tens of microseconds); WAL readers never wait for
a lock. A writer may: the busy timeout is therefore not handed to SQLite (which would block
the loop while another process holds the write lock) but done here, by retrying the statement
after an `asyncio.sleep`, so the loop serves other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

Params = Iterable[Any] | dict[str, Any]
T = TypeVar("T")

#: First and longest pause between tries of a statement refused with SQLITE_BUSY.
FIRST_PAUSE = 0.001
LONGEST_PAUSE = 0.05


def _bound(params: Params) -> Any:
    """`params` as sqlite3 takes them (a sequence or a mapping; the store passes tuples,
    lists and dicts)."""
    kind = type(params)
    if kind is tuple or kind is list or kind is dict:
        return params
    return params if isinstance(params, dict | list | tuple) else tuple(params)


def _busy(error: sqlite3.OperationalError) -> bool:
    message = str(error)
    return "database is locked" in message or "database is busy" in message


class Cursor:
    """What a statement left behind: its rows, the rows it changed, the last inserted row id."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Statement:
    """`conn.execute(...)`: await it for the cursor, or use it as `async with`."""

    def __init__(self, connection: Connection, sql: str, params: Params) -> None:
        self._connection = connection
        self._sql = sql
        self._params = params
        self._cursor: Cursor | None = None

    async def _run(self) -> Cursor:
        raw = await self._connection._run(lambda c: c.execute(self._sql, _bound(self._params)))
        self._cursor = Cursor(raw)
        return self._cursor

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class Connection:
    """One `sqlite3` connection used from the event loop thread (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self._conn = conn
        self.busy_timeout_ms = busy_timeout_ms

    @property
    def row_factory(self) -> Any:
        return self._conn.row_factory

    @row_factory.setter
    def row_factory(self, factory: Any) -> None:
        self._conn.row_factory = factory

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def _run(self, call: Callable[[sqlite3.Connection], T]) -> T:
        """`call(conn)`, retried after a pause while another connection holds a lock, until
        the busy timeout has passed."""
        try:
            return call(self._conn)
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await self._retry(call)

    async def _retry(self, call: Callable[[sqlite3.Connection], T]) -> T:
        """`_run` after a first try found the database locked."""
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        pause = FIRST_PAUSE
        while True:
            await asyncio.sleep(pause)
            try:
                return call(self._conn)
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() >= deadline:
                    raise
            pause = min(LONGEST_PAUSE, pause * 2)

    def execute(self, sql: str, params: Params = ()) -> Statement:
        if sql.lstrip().upper().startswith("PRAGMA BUSY_TIMEOUT"):
            # the busy timeout is ours to apply (see the module docstring): SQLite's stays 0
            self.busy_timeout_ms = int(sql.partition("=")[2])
            sql = "PRAGMA busy_timeout=0"
        return Statement(self, sql, params)

    # The two calls of every store statement try the statement at once, without `_run`'s
    # closure, and go through `_retry` only when the database is locked: a write runs nine
    # statements, and the layers around each cost about as much as a short one.

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        try:
            rows: list[Any] = self._conn.execute(sql, _bound(params)).fetchall()
            return rows
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await self._retry(lambda c: c.execute(sql, _bound(params)).fetchall())

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the rows it changed (`Cursor.rowcount`)."""
        try:
            return self._conn.execute(sql, _bound(params)).rowcount
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await self._retry(lambda c: c.execute(sql, _bound(params)).rowcount)

    async def execute_lastrowid(self, sql: str, params: Params = ()) -> tuple[int, int]:
        """Run an INSERT; the rows it inserted and the last one's rowid (`Cursor.rowcount`,
        `Cursor.lastrowid`: no `RETURNING`, which costs SQLite a temporary table per
        statement)."""
        try:
            cursor = self._conn.execute(sql, _bound(params))
            return cursor.rowcount, cursor.lastrowid or 0
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise

        def insert(conn: sqlite3.Connection) -> tuple[int, int]:
            cursor = conn.execute(sql, _bound(params))
            return cursor.rowcount, cursor.lastrowid or 0

        return await self._retry(insert)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> Cursor:
        listed = [_bound(row) for row in rows]  # a retry must see every row again
        return Cursor(await self._run(lambda c: c.executemany(sql, listed)))

    async def close(self) -> None:
        self._conn.close()


async def connect(path: Path, busy_timeout_ms: int = 10000) -> Connection:
    """Open `path` in autocommit mode (transactions are explicit `BEGIN … COMMIT`)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=0")
    return Connection(conn, busy_timeout_ms)
