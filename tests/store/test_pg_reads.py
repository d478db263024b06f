"""The connections the PostgreSQL driver keeps for reads (`pgreads.ReadConnections`): never
more than their share of the pool, every reader served under contention, a broken connection
given back to the pool and replaced, none lost to a cancelled reader, all returned on close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from purrr_server.store.drivers.postgresql import OperationalError, PostgresDriver


@pytest.fixture
async def driver(postgres_cluster: Any) -> AsyncIterator[PostgresDriver]:
    url = postgres_cluster.new_database()
    opened = PostgresDriver(url, pool_size=4)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
        postgres_cluster.drop(url)


def _reads(driver: PostgresDriver) -> Any:
    reads = driver.reader.reads
    assert reads is not None and reads.size == 2  # half of a pool of four
    return reads


async def test_many_readers_share_their_few_connections(driver: PostgresDriver) -> None:
    reads = _reads(driver)
    backends = await asyncio.gather(
        *[driver.reader.fetchone("SELECT pg_backend_pid(), pg_sleep(0.02)") for _ in range(12)]
    )
    assert len({row[0] for row in backends if row is not None}) <= 2
    assert reads.held <= 2 and not reads.waiters
    # the rest of the pool still serves write transactions meanwhile
    async with driver.transaction() as conn:
        assert await conn.fetchone("SELECT 1") is not None


async def test_a_broken_connection_goes_back_to_the_pool(driver: PostgresDriver) -> None:
    reads = _reads(driver)
    row = await driver.reader.fetchone("SELECT pg_backend_pid()")
    assert row is not None
    first = row[0]
    async with driver.transaction() as conn:  # another session ends the reader's backend
        await conn.fetchone("SELECT pg_terminate_backend(?)", (first,))
    with pytest.raises(OperationalError):  # the statement on the dead connection fails
        await driver.reader.fetchone("SELECT 1")
    row = await driver.reader.fetchone("SELECT pg_backend_pid()")
    assert row is not None and row[0] != first
    assert reads.held <= 2


async def test_a_cancelled_reader_loses_no_connection(driver: PostgresDriver) -> None:
    reads = _reads(driver)
    slow = [
        asyncio.ensure_future(driver.reader.fetchone("SELECT pg_sleep(0.05)")) for _ in range(2)
    ]
    await asyncio.sleep(0.01)
    waiting = asyncio.ensure_future(driver.reader.fetchone("SELECT 1"))
    await asyncio.sleep(0.01)
    assert len(reads.waiters) == 1
    waiting.cancel()
    await asyncio.gather(*slow)
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await driver.reader.fetchone("SELECT 1") is not None
    assert reads.held == 2 and len(reads.idle) == 2


async def test_closing_returns_the_connections(postgres_cluster: Any) -> None:
    url = postgres_cluster.new_database()
    try:
        driver = PostgresDriver(url, pool_size=4)
        await driver.open()
        await asyncio.gather(*[driver.reader.fetchone("SELECT pg_sleep(0.01)") for _ in range(4)])
        reads = _reads(driver)
        assert reads.held == 2
        await driver.close()
        assert reads.held == 0 and reads.idle == []
    finally:
        postgres_cluster.drop(url)


async def test_a_pool_of_one_is_left_to_writes_and_reads_alike(postgres_cluster: Any) -> None:
    url = postgres_cluster.new_database()
    try:
        driver = PostgresDriver(url, pool_size=1)
        await driver.open()
        assert driver.reader.reads is None
        assert await driver.reader.fetchone("SELECT 1") is not None
        await driver.close()
    finally:
        postgres_cluster.drop(url)
