"""The PostgreSQL driver: psycopg 3 (its libpq binding and adapters) with a psycopg_pool pool.

Reads take a pooled connection per statement, in autocommit mode (each sees what is committed).
A write transaction holds one pooled connection from `BEGIN` to `COMMIT` at READ COMMITTED; the
store's first statement in it locks the acting player's version row, which is the only
serialisation between writes: two players' writes never wait on each other (`database.py`).

A statement is prepared once per connection and then sent as `Bind`/`Execute` through psycopg's
libpq binding (`PGconn.send_query_prepared`), its parameters dumped and its rows loaded by
psycopg's transformer (the C one from `psycopg[binary]`): psycopg's types and adaptation,
without its cursor and waiting machinery, which cost the server more CPU per statement than
the statement itself (docs/architecture.md, "Performance"). `BEGIN`, `COMMIT` and `ROLLBACK`
go as simple queries. Statements keep their qmark placeholders in the code and are adapted to
`$1, $2…` once each (`paramstyle.py`). Rows support `row["column"]` and `row[0]`, like
`sqlite3.Row`. Errors keep the DB-API classes the callers already catch: a constraint
violation is raised as a `sqlite3.IntegrityError` subclass and a lost connection as a
`sqlite3.OperationalError` subclass (with psycopg's error chained), so `except
sqlite3.IntegrityError` works on both databases.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.pq.abc import PGconn, PGresult
from psycopg_pool import AsyncConnectionPool

from purrr_server.store.drivers import Kind, Params
from purrr_server.store.drivers.paramstyle import to_format, to_numbered
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


class _Prepared:
    """A pooled connection's own statement state: its prepared statements, by SQL text and
    parameter types (an `int` may be sent as int2, int4 or int8: psycopg picks the smallest),
    and the transformer that turns parameters into bytes and results into Python values."""

    __slots__ = ("names", "transformer")

    def __init__(self, raw: AsyncConnection[Any]) -> None:
        self.names: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
        self.transformer = Transformer(raw)


#: Per pooled connection; forgotten with the connection.
_STATE: WeakKeyDictionary[AsyncConnection[Any], _Prepared] = WeakKeyDictionary()
#: Prepared statements kept per connection before they are all deallocated (the statements
#: come from the code, so this is never reached in practice).
_MAX_PREPARED = 2048
_NAMES = itertools.count(1)
_SQLSTATE_NO_SUCH_STATEMENT = "26000"


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


async def _results(pgconn: PGconn) -> list[PGresult]:
    """Send what libpq has queued and collect the statement's results, waiting on the event
    loop whenever the socket has nothing yet.

    psycopg's own `AsyncConnection.wait` does the same through a stack of Python generators
    with a timer and a fresh future per wait; this is what a statement needs and no more (a
    quarter of the client CPU per statement, see docs/architecture.md)."""
    loop = asyncio.get_running_loop()
    fileno = pgconn.socket
    try:
        while pgconn.flush():
            ready = loop.create_future()
            loop.add_writer(fileno, _wake, ready)
            try:
                await ready
            finally:
                loop.remove_writer(fileno)
        results: list[PGresult] = []
        while True:
            if pgconn.is_busy():
                ready = loop.create_future()
                loop.add_reader(fileno, _wake, ready)
                try:
                    await ready
                finally:
                    loop.remove_reader(fileno)
                pgconn.consume_input()
                continue
            result = pgconn.get_result()
            if result is None:
                return results
            results.append(result)
    except OSError as exc:
        raise psycopg.OperationalError(f"the connection to PostgreSQL was lost: {exc}") from exc


class PostgresConnection:
    """Statements on one pooled connection (a read's, or a write transaction's).

    A statement goes straight to libpq through psycopg's protocol layer: prepared once per
    connection (`Parse`), then `Bind`/`Execute` with the parameters dumped by psycopg's
    transformer and the rows loaded by it — the same adaptation as a psycopg cursor, without
    the cursor's machinery (cursor objects, query objects, the prepare manager, psycopg's
    waiting loop), which cost four times the CPU of this path per statement.
    """

    kind: Kind = "postgresql"

    def __init__(self, raw: AsyncConnection[Any]) -> None:
        self.raw = raw
        state = _STATE.get(raw)
        if state is None:
            state = _STATE[raw] = _Prepared(raw)
        self._state = state

    async def _run(self, sql: str, params: Params) -> PGresult:
        with _translated():
            try:
                return await self._execute(sql, params)
            except psycopg.Error as exc:
                if exc.sqlstate != _SQLSTATE_NO_SUCH_STATEMENT:
                    raise
                # the server forgot our statements (DISCARD ALL, a pooler): prepare again
                self._state.names.clear()
                return await self._execute(sql, params)

    async def _execute(self, sql: str, params: Params) -> PGresult:
        pgconn = self.raw.pgconn
        query = to_numbered(sql)
        transformer = self._state.transformer
        values: Sequence[Any] = params if isinstance(params, (list, tuple)) else tuple(params)
        if values:
            dumped = transformer.dump_sequence(values, [PyFormat.AUTO] * len(values))
            types, formats = tuple(transformer.types or ()), transformer.formats
        else:
            dumped, types, formats = None, (), None
        names = self._state.names
        name = names.get((query, types))
        if name is None:
            if len(names) >= _MAX_PREPARED:
                await self._command(b"DEALLOCATE ALL")
                names.clear()
            name = f"purrr_{next(_NAMES)}".encode()
            pgconn.send_prepare(name, query, param_types=types or None)
            self._check(await _results(pgconn))
            names[(query, types)] = name
        pgconn.send_query_prepared(name, dumped, param_formats=formats)
        return self._check(await _results(pgconn))

    async def _command(self, sql: bytes) -> None:
        """A statement without parameters or rows (`BEGIN`, `COMMIT`…), simple protocol."""
        pgconn = self.raw.pgconn
        pgconn.send_query(sql)
        self._check(await _results(pgconn))

    @staticmethod
    def _check(results: list[PGresult]) -> PGresult:
        for result in results:
            if result.status == ExecStatus.FATAL_ERROR:
                raise psycopg.errors.error_from_result(result)
        return results[-1]

    def _rows(self, result: PGresult) -> list[Row]:
        if not result.ntuples:
            return []
        transformer = self._state.transformer
        transformer.set_pgresult(result)
        shape = tuple(result.fname(i) or b"" for i in range(result.nfields))
        index = _INDEXES.get(shape)
        if index is None:
            if len(_INDEXES) >= _MAX_SHAPES:
                _INDEXES.clear()
            index = _INDEXES[shape] = {name.decode(): i for i, name in enumerate(shape)}
        rows: list[Row] = transformer.load_rows(
            0, result.ntuples, lambda values: Row(values, index)
        )
        return rows

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = self._rows(await self._run(sql, params))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return self._rows(await self._run(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> int:
        result = await self._run(sql, params)
        count = result.command_tuples
        return -1 if count is None else count

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
            conn = PostgresConnection(raw)
            with _translated():
                await conn._command(b"BEGIN")
            try:
                yield conn
            except BaseException:
                if raw.pgconn.transaction_status != TransactionStatus.IDLE:
                    with suppress(psycopg.Error), _translated():
                        await conn._command(b"ROLLBACK")
                raise
            with _translated():
                if raw.pgconn.transaction_status == TransactionStatus.INERROR:
                    # a statement failed and the caller went on: COMMIT would only roll back
                    await conn._command(b"ROLLBACK")
                    raise OperationalError("the transaction failed; nothing was written")
                await conn._command(b"COMMIT")

    async def ping(self) -> bool:
        try:
            if self._pool is None:
                await self.open()
            return await self.reader.fetchone("SELECT 1") is not None
        except (psycopg.Error, sqlite3.Error, OSError, TimeoutError) as exc:
            log.warning("PostgreSQL is not reachable: %s", exc)
            return False
