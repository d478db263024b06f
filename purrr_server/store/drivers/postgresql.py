"""The PostgreSQL driver: psycopg 3 (its libpq binding and adapters) with a psycopg_pool pool.

Reads take a pooled connection per statement, in autocommit mode (each sees what is committed).
A write transaction holds one pooled connection from `BEGIN` to `COMMIT` at READ COMMITTED; the
store's first statement in it locks the acting player's version row, which is the only
serialisation between writes: two players' writes never wait on each other (`database.py`).

A statement is prepared once per connection and then sent as `Bind`/`Execute` through psycopg's
libpq binding (`PGconn.send_query_prepared`), its parameters dumped and its rows loaded by
psycopg's transformer (the C one from `psycopg[binary]`): psycopg's types and adaptation,
without its cursor and waiting machinery, which cost the server more CPU per statement than
the statement itself (docs/architecture.md, "Performance"). A transaction's `BEGIN` goes in one
libpq pipeline with its first statement; `COMMIT` and `ROLLBACK` go as simple queries. A
connection's socket stays registered with the event loop while it is borrowed (`_State`), each
statement waiting on one future. Statements keep their qmark placeholders in the code and are
adapted to `$1, $2…` once each (`paramstyle.py`). Rows support `row["column"]` and `row[0]`,
like `sqlite3.Row`. Errors keep the DB-API classes the callers already catch: a constraint
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
from psycopg.pq import ExecStatus, PipelineStatus, TransactionStatus
from psycopg.pq.abc import PGconn, PGresult
from psycopg_pool import AsyncConnectionPool

from purrr_server.store.drivers import Kind, Params, returned_ids
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


class _State:
    """A pooled connection's own state: its prepared statements, by SQL text and parameter
    types (an `int` may be sent as int2, int4 or int8: psycopg picks the smallest), the
    transformer that turns parameters into bytes and results into Python values, and its
    socket's watch on the event loop.

    The socket is watched (`loop.add_reader`) from a connection's first statement until whoever
    borrowed the connection gives it back (`unwatch`: the end of a write transaction, a read
    connection going back to the pool), and each statement waits on a future the reader
    callback resolves. Registering per wait cost eight system calls with uvloop (it checks and
    makes the descriptor non-blocking each time) and most of a statement's client CPU besides
    libpq's send (docs/architecture.md, "Performance")."""

    __slots__ = ("fileno", "loop", "names", "pgconn", "transformer", "waiter")

    def __init__(self, raw: AsyncConnection[Any]) -> None:
        self.names: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
        self.transformer = Transformer(raw)
        self.pgconn: PGconn = raw.pgconn
        #: The loop the socket is registered with, None while it is not.
        self.loop: asyncio.AbstractEventLoop | None = None
        self.fileno = -1
        #: What the statement now waiting on this connection awaits.
        self.waiter: asyncio.Future[None] | None = None

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        self.unwatch()
        self.fileno = self.pgconn.socket
        loop.add_reader(self.fileno, self._readable)
        self.loop = loop

    def unwatch(self) -> None:
        """Stop watching the socket: before anything else may wait on it (psycopg's own
        waits replace a reader) and before the connection may be closed."""
        loop, self.loop = self.loop, None
        if loop is not None and not loop.is_closed():
            with suppress(OSError, ValueError):
                loop.remove_reader(self.fileno)

    def _readable(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            if not waiter.done():
                waiter.set_result(None)
            return
        # Nothing waits: a notice, the answer to a cancelled statement, or the server closing
        # the connection. libpq keeps what it reads; unread, the socket would stay readable
        # and call back on every turn of the loop.
        try:
            self.pgconn.consume_input()
        except psycopg.Error:
            self.unwatch()  # lost: libpq closed the socket, the next statement says so


#: Per pooled connection; forgotten with the connection.
_STATE: WeakKeyDictionary[AsyncConnection[Any], _State] = WeakKeyDictionary()
#: Prepared statements kept per connection before they are all deallocated (the statements
#: come from the code, so this is never reached in practice).
_MAX_PREPARED = 2048
_NAMES = itertools.count(1)
_SQLSTATE_NO_SUCH_STATEMENT = "26000"
#: A transaction that `ROLLBACK` ends (not one with a statement under way).
_OPEN = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
#: psycopg's dump formats for n parameters, built once per n.
_AUTO: list[list[PyFormat]] = [[PyFormat.AUTO] * n for n in range(64)]


def _state(raw: AsyncConnection[Any]) -> _State:
    state = _STATE.get(raw)
    if state is None:
        state = _STATE[raw] = _State(raw)
    return state


def unwatch(raw: AsyncConnection[Any]) -> None:
    """Stop watching `raw`'s socket (see `_State`): call before the connection goes back to
    the pool or to psycopg's own methods."""
    state = _STATE.get(raw)
    if state is not None and state.loop is not None:
        state.unwatch()


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


async def _flushed(pgconn: PGconn, loop: asyncio.AbstractEventLoop) -> None:
    """Wait until libpq has sent all it queued (rare: a statement larger than the socket's
    buffer)."""
    fileno = pgconn.socket
    while pgconn.flush():
        ready = loop.create_future()
        loop.add_writer(fileno, _wake, ready)
        try:
            await ready
        finally:
            loop.remove_writer(fileno)


async def _results(state: _State, pipeline: bool = False) -> list[PGresult]:
    """Send what libpq has queued and collect the statement's results, waiting for the socket
    (watched, see `_State`) whenever it has nothing yet. In pipeline mode: every result up to
    the pipeline's sync.

    psycopg's own `AsyncConnection.wait` does the same through a stack of Python generators
    with a timer and a fresh future per wait; this is what a statement needs and no more."""
    pgconn = state.pgconn
    loop = asyncio.get_running_loop()
    try:
        if state.loop is not loop:
            state.watch(loop)
        if pgconn.flush():
            await _flushed(pgconn, loop)
        results: list[PGresult] = []
        while True:
            if pgconn.is_busy():
                waiter = state.waiter = loop.create_future()
                try:
                    await waiter
                finally:
                    state.waiter = None
                try:
                    pgconn.consume_input()
                    if pgconn.is_busy():
                        # libpq reads 16 KB at a time: the rest of a large result is often
                        # there already, and reading it now saves a turn of the loop
                        pgconn.consume_input()
                except psycopg.Error:
                    state.unwatch()  # lost: libpq has closed the socket already
                    raise
                continue
            result = pgconn.get_result()
            if result is None:
                if pipeline:
                    continue  # the end of one statement's results
                return results
            if pipeline and result.status == ExecStatus.PIPELINE_SYNC:
                return results
            results.append(result)
    except OSError as exc:
        raise psycopg.OperationalError(f"the connection to PostgreSQL was lost: {exc}") from exc


def _translate(exc: psycopg.Error) -> Exception:
    """psycopg's error as the DB-API class the callers catch (see the module docstring)."""
    if isinstance(exc, psycopg.errors.IntegrityError):
        return IntegrityError(str(exc))
    if isinstance(exc, psycopg.OperationalError):
        return OperationalError(str(exc))
    return exc


class PostgresConnection:
    """Statements on one pooled connection (a read's, or a write transaction's).

    A statement goes straight to libpq through psycopg's protocol layer: prepared once per
    connection (`Parse`), then `Bind`/`Execute` with the parameters dumped by psycopg's
    transformer and the rows loaded by it — the same adaptation as a psycopg cursor, without
    the cursor's machinery (cursor objects, query objects, the prepare manager, psycopg's
    waiting loop), which cost four times the CPU of this path per statement.

    In a write transaction the `BEGIN` is not sent on its own: it goes in one pipeline with the
    first statement (and that statement's `Parse` on its first use on the connection), a round
    trip less per transaction; a transaction that runs no statement sends nothing.
    """

    kind: Kind = "postgresql"

    __slots__ = ("_begin", "_committed", "_fresh", "_state", "raw")

    def __init__(self, raw: AsyncConnection[Any]) -> None:
        self.raw = raw
        self._state = _state(raw)
        #: A transaction whose `BEGIN` is still to be sent with its first statement.
        self._begin = False
        #: A transaction whose first statement has not succeeded yet.
        self._fresh = False
        #: The transaction was committed with its last statement (`fetchone_last`).
        self._committed = False

    def _refuse_after_commit(self) -> None:
        if self._committed:
            raise RuntimeError(
                "this transaction was committed with its last statement (fetchone_last):"
                " no statement may follow it"
            )

    async def _run(self, sql: str, params: Params, commit: bool = False) -> PGresult:
        self._refuse_after_commit()
        fresh, self._fresh = self._fresh, False
        try:
            try:
                return await self._execute(sql, params, commit)
            except psycopg.Error as exc:
                if exc.sqlstate != _SQLSTATE_NO_SUCH_STATEMENT:
                    raise
                # The server forgot our statements (DISCARD ALL, a pooler): prepare again,
                # outside a transaction or when it began with this statement (begun again);
                # later in one, the transaction has failed and the caller hears of it.
                if fresh:
                    await self._command(b"ROLLBACK")
                    self._begin = True
                elif self._state.pgconn.transaction_status != TransactionStatus.IDLE:
                    raise
                self._state.names.clear()
                return await self._execute(sql, params, commit)
        except psycopg.Error as exc:
            raise _translate(exc) from exc

    async def _execute(self, sql: str, params: Params, commit: bool = False) -> PGresult:
        state = self._state
        pgconn = state.pgconn
        query = to_numbered(sql)
        transformer = state.transformer
        values: Sequence[Any] = params if isinstance(params, (list, tuple)) else tuple(params)
        if values:
            count = len(values)
            formats_in = _AUTO[count] if count < len(_AUTO) else [PyFormat.AUTO] * count
            dumped = transformer.dump_sequence(values, formats_in)
            types, formats = tuple(transformer.types or ()), transformer.formats
        else:
            dumped, types, formats = None, (), None
        names = state.names
        name = names.get((query, types))
        begin = self._begin
        if name is not None and not begin and not commit:
            pgconn.send_query_prepared(name, dumped, param_formats=formats)
            return self._check(await _results(state))
        # A transaction's first statement, a statement's first use on this connection, or a
        # transaction's last: the `BEGIN`, the `Parse` and the `COMMIT` go in one pipeline
        # with it.
        prepare = name is None
        if name is None:
            if len(names) >= _MAX_PREPARED:
                await self._command(b"DEALLOCATE ALL")
                names.clear()
            name = f"purrr_{next(_NAMES)}".encode()
        self._begin = False
        pgconn.enter_pipeline_mode()
        try:
            if begin:
                pgconn.send_query_params(b"BEGIN", None)
            if prepare:
                pgconn.send_prepare(name, query, param_types=types or None)
            pgconn.send_query_prepared(name, dumped, param_formats=formats)
            if commit:
                pgconn.send_query_params(b"COMMIT", None)
            pgconn.pipeline_sync()
            results = await _results(state, pipeline=True)
        finally:
            if pgconn.pipeline_status != PipelineStatus.OFF:
                # refused while results are pending (a cancelled statement): the connection
                # is then left busy, and the pool discards it when it comes back
                with suppress(psycopg.Error):
                    pgconn.exit_pipeline_mode()
        if prepare and results[int(begin)].status == ExecStatus.COMMAND_OK:
            names[(query, types)] = name
        self._check(results)  # a failed statement skips the rest of the pipeline, COMMIT too
        if commit:
            self._committed = True
            return results[-2]
        return results[-1]

    async def _command(self, sql: bytes) -> None:
        """A statement without parameters or rows (`COMMIT`, `ROLLBACK`…), simple protocol."""
        state = self._state
        state.pgconn.send_query(sql)
        self._check(await _results(state))

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

    async def fetchone_last(self, sql: str, params: Params = ()) -> Row | None:
        """`fetchone` of the transaction's last statement: its `COMMIT` goes in the same round
        trip (one pipeline), so the transaction is committed when this returns and no
        statement may follow it."""
        rows = self._rows(await self._run(sql, params, commit=True))
        return rows[0] if rows else None

    async def insert_ids(self, sql: str, params: Params = ()) -> list[int]:
        return returned_ids(await self.fetchall(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> int:
        result = await self._run(sql, params)
        count = result.command_tuples
        return -1 if count is None else count

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._refuse_after_commit()
        with _translated():
            if self._begin:
                await self._command(b"BEGIN")
                self._begin = self._fresh = False
            unwatch(self.raw)  # psycopg's cursor waits on the socket itself
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
            async with _borrowed(self.pool) as raw:
                return await PostgresConnection(raw).fetchone(sql, params)
        reads = self.reads
        raw = reads.lend() or await reads.acquire()
        try:
            return await PostgresConnection(raw).fetchone(sql, params)
        finally:
            if not reads.keep(raw):
                await reads.release(raw)

    async def fetchone_last(self, sql: str, params: Params = ()) -> Row | None:
        """`fetchone`: every read is a transaction of its own."""
        return await self.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        if self.reads is None:
            async with _borrowed(self.pool) as raw:
                return await PostgresConnection(raw).fetchall(sql, params)
        reads = self.reads
        raw = reads.lend() or await reads.acquire()
        try:
            return await PostgresConnection(raw).fetchall(sql, params)
        finally:
            if not reads.keep(raw):
                await reads.release(raw)

    async def insert_ids(self, sql: str, params: Params = ()) -> list[int]:
        return returned_ids(await self.fetchall(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with _borrowed(self.pool) as raw:
            return await PostgresConnection(raw).execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with _borrowed(self.pool) as raw:
            await PostgresConnection(raw).executemany(sql, rows)


@asynccontextmanager
async def _borrowed(pool: AsyncConnectionPool[Any]) -> AsyncIterator[AsyncConnection[Any]]:
    """A connection of the pool for one statement, its socket unwatched before it goes back."""
    async with pool.connection() as raw:
        try:
            yield raw
        finally:
            unwatch(raw)


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
        reads = ReadConnections(pool, self.pool_size // 2, unwatch) if self.pool_size >= 2 else None
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
        """`BEGIN` … `COMMIT` on one pooled connection (READ COMMITTED); the `BEGIN` goes with
        the first statement (`PostgresConnection`)."""
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        async with self._pool.connection() as raw:
            conn = PostgresConnection(raw)
            conn._begin = conn._fresh = True
            try:
                try:
                    yield conn
                except BaseException:
                    if raw.pgconn.transaction_status in _OPEN:
                        # not while a statement is under way (cancelled): the pool closes
                        # a connection that comes back busy
                        with suppress(psycopg.Error):
                            await conn._command(b"ROLLBACK")
                    raise
                with _translated():
                    status = raw.pgconn.transaction_status
                    if status == TransactionStatus.INERROR:
                        # a statement failed and the caller went on: COMMIT would only roll back
                        await conn._command(b"ROLLBACK")
                        raise OperationalError("the transaction failed; nothing was written")
                    if status != TransactionStatus.IDLE:  # idle: no statement, no BEGIN sent
                        await conn._command(b"COMMIT")
            finally:
                unwatch(raw)

    async def ping(self) -> bool:
        try:
            if self._pool is None:
                await self.open()
            return await self.reader.fetchone("SELECT 1") is not None
        except (psycopg.Error, sqlite3.Error, OSError, TimeoutError) as exc:
            log.warning("PostgreSQL is not reachable: %s", exc)
            return False
