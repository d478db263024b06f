"""The PostgreSQL driver: psycopg 3 (async) with a psycopg_pool connection pool.

Reads take a pooled connection per statement, in autocommit mode (each sees what is committed).
A write transaction holds one pooled connection from `BEGIN` to `COMMIT` at READ COMMITTED; the
store's first statement in it locks the acting player's version row, which is the only
serialisation between writes: two players' writes never wait on each other (`database.py`).

Statements keep their qmark placeholders in the code and are adapted to psycopg's `%s` once each
(`paramstyle.py`). Rows support `row["column"]` and `row[0]`, like `sqlite3.Row`. Errors keep the
DB-API classes the callers already catch: a constraint violation is raised as a
`sqlite3.IntegrityError` subclass and a lost connection as a `sqlite3.OperationalError` subclass
(with psycopg's error chained), so `except sqlite3.IntegrityError` works on both databases.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg_pool import AsyncConnectionPool

from purrr_server.store.drivers import Kind, Params
from purrr_server.store.drivers.paramstyle import to_format
from purrr_server.store.drivers.pgreads import ReadConnections

log = logging.getLogger(__name__)


class IntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL constraint violation (unique, foreign key, check, not null)."""


class OperationalError(sqlite3.OperationalError):
    """PostgreSQL could not run the statement: connection lost, server shutting down…"""


class Row:
    """A result row: `row["column"]`, `row[0]`, `row.keys()`, iteration over the values."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


#: Column names → their positions, per result shape (the statements come from the code, so
#: there are few shapes); cleared should it ever grow past this.
_INDEXES: dict[tuple[bytes, ...], dict[str, int]] = {}
_MAX_SHAPES = 4096


def row_factory(cursor: AsyncCursor[Any]) -> Callable[[Sequence[Any]], Row]:
    """Rows of the cursor's current result. Called once per statement: the names are read as
    raw bytes from the result and their index dictionary reused (building
    `cursor.description`'s column objects was a tenth of a cat read's time on PostgreSQL)."""
    result = cursor.pgresult
    count = result.nfields if result is not None else 0
    shape = tuple(result.fname(i) or b"" for i in range(count)) if result is not None else ()
    index = _INDEXES.get(shape)
    if index is None:
        if len(_INDEXES) >= _MAX_SHAPES:
            _INDEXES.clear()
        index = _INDEXES[shape] = {name.decode(): i for i, name in enumerate(shape)}
    return lambda values: Row(values, index)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    except psycopg.OperationalError as exc:
        raise OperationalError(str(exc)) from exc


class PostgresConnection:
    """Statements on one pooled connection (inside a write transaction)."""

    kind: Kind = "postgresql"

    def __init__(self, raw: AsyncConnection[Any]) -> None:
        self.raw = raw

    async def _run(self, sql: str, params: Params) -> AsyncCursor[Any]:
        with _translated():
            return await self.raw.execute(to_format(sql), params or None)  # type: ignore[arg-type]

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        cursor = await self._run(sql, params)
        row: Row | None = await cursor.fetchone()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = await self._run(sql, params)
        return list(await cursor.fetchall())

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._run(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with _translated():
            async with self.raw.cursor() as cursor:
                await cursor.executemany(to_format(sql), rows)


class PooledReader:
    """Autocommit reads, each on a connection borrowed for that statement: from the few kept
    for reads (`pgreads.ReadConnections`) when there are, else from the pool."""

    kind: Kind = "postgresql"

    def __init__(
        self, pool: AsyncConnectionPool[Any], reads: ReadConnections | None = None
    ) -> None:
        self.pool = pool
        self.reads = reads

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        if self.reads is None:
            async with self.pool.connection() as raw:
                return await PostgresConnection(raw).fetchone(sql, params)
        raw = await self.reads.acquire()
        try:
            return await PostgresConnection(raw).fetchone(sql, params)
        finally:
            await self.reads.release(raw)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        if self.reads is None:
            async with self.pool.connection() as raw:
                return await PostgresConnection(raw).fetchall(sql, params)
        raw = await self.reads.acquire()
        try:
            return await PostgresConnection(raw).fetchall(sql, params)
        finally:
            await self.reads.release(raw)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.pool.connection() as raw:
            return await PostgresConnection(raw).execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self.pool.connection() as raw:
            await PostgresConnection(raw).executemany(sql, rows)


async def _configure(conn: AsyncConnection[Any]) -> None:
    await conn.set_autocommit(True)
    conn.row_factory = row_factory


class PostgresDriver:
    """A connection pool on one database (see the module docstring)."""

    kind: Kind = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: AsyncConnectionPool[Any] | None = None
        self._reader: PooledReader | None = None

    @property
    def reader(self) -> PooledReader:
        if self._reader is None:
            raise RuntimeError("the store is not open")
        return self._reader

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            configure=_configure,
            open=False,
            name="purrr",
        )
        self._pool = pool
        # Half the pool for reads (none with a pool of one: writes need it).
        reads = ReadConnections(pool, self.pool_size // 2) if self.pool_size >= 2 else None
        self._reader = PooledReader(pool, reads)
        try:
            await pool.open(wait=True, timeout=30)
        except BaseException:
            self._pool = self._reader = None
            await pool.close()
            raise

    async def close(self) -> None:
        pool, reader, self._pool, self._reader = self._pool, self._reader, None, None
        if reader is not None and reader.reads is not None:
            await reader.reads.close()
        if pool is not None:
            await pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        """`BEGIN` … `COMMIT` on one pooled connection (READ COMMITTED)."""
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        async with self._pool.connection() as raw:
            with _translated():
                async with raw.transaction():
                    yield PostgresConnection(raw)

    async def ping(self) -> bool:
        try:
            if self._pool is None:
                await self.open()
            return await self.reader.fetchone("SELECT 1") is not None
        except (psycopg.Error, sqlite3.Error, OSError, TimeoutError) as exc:
            log.warning("PostgreSQL is not reachable: %s", exc)
            return False
