"""A few of the PostgreSQL pool's connections kept aside for reads (`ReadConnections`).

A read is one autocommit statement on a borrowed connection. Borrowing it from psycopg_pool
(`pool.connection()`: a context manager, the pool's lock and condition, the return checks) cost
more of the server's CPU than the statement itself: under load, a cat read spent about 390 µs
with the pool and 240 µs with a plain free list (docs/architecture.md, "Performance"). So the
reader takes up to `size` connections from the pool once, keeps them, and hands them out from a
list; the pool keeps the rest for write transactions, and gets a connection back when it breaks
(the pool replaces it) and when the store closes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from psycopg import AsyncConnection
from psycopg.pq import ConnStatus, TransactionStatus
from psycopg_pool import AsyncConnectionPool


class ReadConnections:
    """Up to `size` connections of `pool`, lent to one statement at a time, first come first
    served."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        size: int,
        returning: Callable[[AsyncConnection[Any]], None] = lambda conn: None,
    ) -> None:
        self.pool = pool
        self.size = size
        #: Called on a connection before it goes back to the pool (the driver stops watching
        #: its socket there).
        self.returning = returning
        self.idle: list[AsyncConnection[Any]] = []
        #: Connections taken from the pool: the idle ones and those lent out.
        self.held = 0
        #: Readers waiting for a connection; given one, or None to try again.
        self.waiters: deque[asyncio.Future[AsyncConnection[Any] | None]] = deque()
        self.closed = False

    async def acquire(self) -> AsyncConnection[Any]:
        while True:
            if self.idle:
                return self.idle.pop()
            if self.held < self.size:
                self.held += 1
                try:
                    taken: AsyncConnection[Any] = await self.pool.getconn()
                except BaseException:
                    self.held -= 1
                    self._hand(None)
                    raise
                return taken
            waiter: asyncio.Future[AsyncConnection[Any] | None]
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                conn = await waiter
            except BaseException:
                # Cancelled after a connection was handed over: pass it on.
                if waiter.done() and not waiter.cancelled():
                    handed = waiter.result()
                    if handed is not None:
                        await self.release(handed)
                    else:
                        self._hand(None)
                raise
            if conn is not None:
                return conn

    def lend(self) -> AsyncConnection[Any] | None:
        """An idle connection now, or None (then `acquire`): the common case without a
        coroutine."""
        return self.idle.pop() if self.idle else None

    def keep(self, conn: AsyncConnection[Any]) -> bool:
        """Take `conn` back if it is still usable (connected, not in a transaction): to the
        first waiting reader, else to the idle list. False: `release` it."""
        pgconn = conn.pgconn
        if (
            self.closed
            or pgconn.status != ConnStatus.OK
            or pgconn.transaction_status != TransactionStatus.IDLE
        ):
            return False
        if not self._hand(conn):
            self.idle.append(conn)
        return True

    async def release(self, conn: AsyncConnection[Any]) -> None:
        """Take `conn` back; one that broke, or is not idle, goes back to the pool (which
        closes or resets it) and a waiting reader takes a new one from the pool instead."""
        if self.keep(conn):
            return
        self.held -= 1
        self._hand(None)
        self.returning(conn)
        # shielded: a reader cancelled meanwhile must not leave the pool short of a connection
        await asyncio.shield(self.pool.putconn(conn))

    def _hand(self, conn: AsyncConnection[Any] | None) -> bool:
        """Give `conn` (None: a turn to take one from the pool) to the first waiting reader."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False

    async def close(self) -> None:
        """Give the idle connections back to the pool (lent ones go back when released)."""
        self.closed = True
        idle, self.idle = self.idle, []
        for conn in idle:
            self.held -= 1
            self.returning(conn)
            await self.pool.putconn(conn)
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
