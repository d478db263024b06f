"""The PostgreSQL driver's statement path (`drivers/postgresql.py`): a transaction's `BEGIN` sent
with its first statement, the socket watched per borrowing rather than per statement, and what
must still hold on those paths: cancellation, a lost connection, a failed first statement, a
server that forgot the prepared statements. Each scenario runs on asyncio's loop and on uvloop
(what the server runs), since the socket's watch is the loop's `add_reader`."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import psycopg
import pytest
import uvloop
from psycopg.pq import TransactionStatus

from purrr_server.store.drivers import postgresql
from purrr_server.store.drivers.postgresql import OperationalError, PostgresDriver
from tests.postgres import count_round_trips

Scenario = Callable[[PostgresDriver], Awaitable[None]]


@pytest.fixture
def url(postgres_cluster: Any) -> Iterator[str]:
    created: str = postgres_cluster.new_database()
    try:
        yield created
    finally:
        postgres_cluster.drop(created)


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest, url: str) -> Callable[..., None]:
    """Runs a scenario on an open driver (pool of `pool_size`) on the parametrised loop."""

    def go(scenario: Scenario, pool_size: int = 4) -> None:
        async def main() -> None:
            driver = PostgresDriver(url, pool_size=pool_size)
            await driver.open()
            try:
                await scenario(driver)
            finally:
                await driver.close()
            assert _watched() == [], "a closed driver leaves no socket watched"

        if request.param == "uvloop":
            uvloop.run(main())
        else:
            asyncio.run(main())

    return go


def _watched() -> list[Any]:
    return [state for state in list(postgresql._STATE.values()) if state.loop is not None]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per round trip the driver waits for (True: a pipeline)."""
    return count_round_trips(monkeypatch)


def test_begin_goes_with_the_first_statement(run: Callable[..., None], waits: list[bool]) -> None:
    async def scenario(driver: PostgresDriver) -> None:
        await driver.reader.fetchone("SELECT now()")  # prepared on a read connection
        waits.clear()
        async with driver.transaction() as conn:
            first = await conn.fetchone("SELECT now()")
            assert conn.raw.pgconn.transaction_status == TransactionStatus.INTRANS
            await asyncio.sleep(0.01)
            second = await conn.fetchone("SELECT now(), ?::int", (1,))
            raw = conn.raw
        # one transaction: now() is its start on both; three round trips, the first a pipeline
        assert first is not None and second is not None and first[0] == second[0]
        assert waits == [True, True, False]  # BEGIN+SELECT, Parse+SELECT (new here), COMMIT
        assert raw.pgconn.transaction_status == TransactionStatus.IDLE
        waits.clear()
        async with driver.transaction() as conn:
            pass  # no statement: nothing is sent
        assert waits == []

    run(scenario)


def test_the_last_statement_commits_in_its_own_round_trip(
    run: Callable[..., None], waits: list[bool]
) -> None:
    async def scenario(driver: PostgresDriver) -> None:
        async with driver.transaction() as conn:
            await conn.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
        waits.clear()
        async with driver.transaction() as conn:
            await conn.execute("INSERT INTO t (id) VALUES (?)", (1,))
            row = await conn.fetchone_last("INSERT INTO t (id) VALUES (?) RETURNING id", (2,))
            assert row is not None and row[0] == 2
            # BEGIN+INSERT(+Parse), then INSERT(+Parse)+COMMIT: no COMMIT of its own
            assert waits == [True, True]
            # committed when it returns: another connection sees both rows already
            seen = await driver.reader.fetchall("SELECT id FROM t ORDER BY id")
            assert [r[0] for r in seen] == [1, 2]
            with pytest.raises(RuntimeError, match="no statement may follow"):
                await conn.execute("INSERT INTO t (id) VALUES (?)", (3,))
            with pytest.raises(RuntimeError, match="no statement may follow"):
                await conn.executemany("INSERT INTO t (id) VALUES (?)", [(4,)])
            waits.clear()
        assert waits == []  # the block's end sends nothing
        await driver.reader.fetchone("SELECT 1")  # prepared on a read connection
        waits.clear()
        async with driver.transaction() as conn:  # a prepared statement goes the same way
            await conn.fetchone("SELECT 1")
            await conn.fetchone_last("INSERT INTO t (id) VALUES (?) RETURNING id", (5,))
        assert waits == [True, True]
        rows = await driver.reader.fetchall("SELECT id FROM t ORDER BY id")
        assert [r[0] for r in rows] == [1, 2, 5]

    run(scenario)


def test_a_failed_first_or_last_statement_rolls_back_and_the_connection_is_reusable(
    run: Callable[..., None],
) -> None:
    async def scenario(driver: PostgresDriver) -> None:
        async with driver.transaction() as conn:
            await conn.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
            await conn.execute("INSERT INTO t (id) VALUES (1)")
        for _ in range(5):  # more than the pool: every connection comes back clean
            with pytest.raises(sqlite3.IntegrityError):
                async with driver.transaction() as conn:
                    await conn.execute("INSERT INTO t (id) VALUES (?)", (1,))
            with pytest.raises(psycopg.errors.SyntaxError):  # its Parse fails in the pipeline
                async with driver.transaction() as conn:
                    await conn.execute("INSERT INTO t (id) VALUS (?)", (2,))
            with pytest.raises(sqlite3.IntegrityError):  # a last statement (COMMIT in its pipeline)
                async with driver.transaction() as conn:
                    await conn.execute("INSERT INTO t (id) VALUES (?)", (7,))
                    await conn.fetchone_last("INSERT INTO t (id) VALUES (?) RETURNING id", (1,))
            with pytest.raises(sqlite3.IntegrityError):  # alone: BEGIN, it and COMMIT at once
                async with driver.transaction() as conn:
                    await conn.fetchone_last("INSERT INTO t (id) VALUES (?) RETURNING id", (1,))
        async with driver.transaction() as conn:
            await conn.execute("INSERT INTO t (id) VALUES (?)", (3,))
        rows = await driver.reader.fetchall("SELECT id FROM t ORDER BY id")
        assert [row[0] for row in rows] == [1, 3]  # the 7s rolled back with their transaction

    run(scenario)


def test_a_cancelled_statement_raises_cancelled_and_loses_nothing(run: Callable[..., None]) -> None:
    async def scenario(driver: PostgresDriver) -> None:
        async def transaction(first_sleeps: bool) -> None:
            async with driver.transaction() as conn:
                if first_sleeps:  # the pipelined BEGIN and statement
                    await conn.fetchone("SELECT pg_sleep(5)")
                await conn.fetchone("SELECT 1")
                await conn.fetchone("SELECT pg_sleep(5)")

        for first_sleeps in (True, False):
            task = asyncio.ensure_future(transaction(first_sleeps))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        read = asyncio.ensure_future(driver.reader.fetchone("SELECT pg_sleep(5)"))
        await asyncio.sleep(0.2)
        read.cancel()
        with pytest.raises(asyncio.CancelledError):
            await read
        for _ in range(6):
            async with driver.transaction() as conn:
                assert await conn.fetchone("SELECT ?::int", (7,)) is not None
            assert await driver.reader.fetchone("SELECT 1") is not None
        reads = driver.reader.reads
        assert reads is not None and not reads.waiters and reads.held <= reads.size

    run(scenario)


def test_a_connection_lost_mid_transaction_fails_that_transaction_only(
    run: Callable[..., None],
) -> None:
    async def scenario(driver: PostgresDriver) -> None:
        with pytest.raises(OperationalError):
            async with driver.transaction() as conn:
                row = await conn.fetchone("SELECT pg_backend_pid()")
                assert row is not None
                await driver.reader.fetchone("SELECT pg_terminate_backend(?)", (row[0],))
                await conn.fetchone("SELECT 1")
        for _ in range(3):
            async with driver.transaction() as conn:
                assert await conn.fetchone("SELECT 1") is not None

    run(scenario)


def test_an_idle_read_connection_that_is_lost_is_let_go(run: Callable[..., None]) -> None:
    """The socket of a read connection stays watched between statements: when its server
    goes away the loop must not spin on the closed socket, and the next read recovers."""

    async def scenario(driver: PostgresDriver) -> None:
        row = await driver.reader.fetchone("SELECT pg_backend_pid()")
        assert row is not None
        async with driver.transaction() as conn:
            await conn.fetchone("SELECT pg_terminate_backend(?)", (row[0],))
        started = time.process_time()
        await asyncio.sleep(0.3)
        assert time.process_time() - started < 0.1, "the loop spun on the lost socket"
        assert len(_watched()) <= 1  # the lost one is let go (the other read connection not)
        with pytest.raises(OperationalError):
            await driver.reader.fetchone("SELECT 1")
        assert await driver.reader.fetchone("SELECT 1") is not None

    run(scenario, pool_size=2)  # one read connection: the lost one is the next one used


def test_forgotten_prepared_statements_are_prepared_again(run: Callable[..., None]) -> None:
    """A pooler or `DISCARD ALL` may drop the connection's prepared statements: a read, and a
    transaction's first statement (begun again), are sent again; a later statement of a
    transaction cannot be, the transaction has failed."""

    async def scenario(driver: PostgresDriver) -> None:
        # a pool of one: reads and transactions share the connection
        assert await driver.reader.fetchone("SELECT ?::int + 1", (1,)) is not None
        await driver.reader.execute("DEALLOCATE ALL")
        row = await driver.reader.fetchone("SELECT ?::int + 1", (1,))
        assert row is not None and row[0] == 2
        await driver.reader.execute("DEALLOCATE ALL")
        async with driver.transaction() as conn:
            row = await conn.fetchone("SELECT ?::int + 1", (1,))
            assert row is not None and row[0] == 2
            assert conn.raw.pgconn.transaction_status == TransactionStatus.INTRANS
        with pytest.raises(psycopg.errors.InvalidSqlStatementName):
            async with driver.transaction() as conn:
                await conn.fetchone("SELECT now()")
                await conn.execute("DEALLOCATE ALL")
                await conn.fetchone("SELECT now()")
        assert await driver.reader.fetchone("SELECT now()") is not None

    run(scenario, pool_size=1)


def test_executemany_between_statements_keeps_the_transaction(run: Callable[..., None]) -> None:
    """psycopg's cursor waits on the socket itself: the driver lets go of it first and
    watches it again for the next statement."""

    async def scenario(driver: PostgresDriver) -> None:
        async with driver.transaction() as conn:
            await conn.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
        async with driver.transaction() as conn:
            await conn.executemany("INSERT INTO t (id) VALUES (?)", [(1,), (2,)])
            await conn.execute("INSERT INTO t (id) VALUES (?)", (3,))
            await conn.executemany("INSERT INTO t (id) VALUES (?)", [(4,)])
            row = await conn.fetchone("SELECT COUNT(*) FROM t")
            assert row is not None and row[0] == 4
        assert _watched() == [] or all(
            state.loop is asyncio.get_running_loop() for state in _watched()
        )
        rows = await driver.reader.fetchall("SELECT id FROM t ORDER BY id")
        assert [row[0] for row in rows] == [1, 2, 3, 4]

    run(scenario)


def test_sockets_are_watched_while_borrowed(run: Callable[..., None]) -> None:
    async def scenario(driver: PostgresDriver) -> None:
        async with driver.transaction() as conn:
            await conn.fetchone("SELECT 1")
            state = postgresql._STATE[conn.raw]
            assert state.loop is asyncio.get_running_loop()
        assert state.loop is None  # back in the pool: psycopg's own waits may use it
        await asyncio.gather(*[driver.reader.fetchone("SELECT pg_sleep(0.01)") for _ in range(4)])
        reads = driver.reader.reads
        assert reads is not None
        assert {id(postgresql._STATE[raw]) for raw in reads.idle} == {id(s) for s in _watched()}

    run(scenario)
