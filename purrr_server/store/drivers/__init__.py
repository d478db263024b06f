"""The store's two database drivers: SQLite (the embedded default) and PostgreSQL (hosted).

Both offer the same small face, `Driver`: open and close, a read connection (autocommit reads),
a write transaction on one connection (`transaction()`), `kind` and `ping()`. The SQL is shared:
repositories write the subset both databases run, with qmark (`?`) placeholders, which the
PostgreSQL driver adapts to psycopg's `%s` (`paramstyle.py`). A connection's rows support both
`row["column"]` and `row[0]` (`sqlite3.Row`, or `drivers.postgresql.Row`).

`driver_for(url)` picks the driver from the database URL; psycopg is imported only for a
`postgresql://` URL, so the SQLite path never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

Kind = Literal["sqlite", "postgresql"]
Params = Iterable[Any] | dict[str, Any]

#: URL prefixes that select the PostgreSQL driver (libpq's own spellings).
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


class Row(Protocol):
    """One result row: by column name or by position."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Connection(Protocol):
    """Statements on one connection (or, for PostgreSQL reads, one pooled connection each)."""

    kind: Kind

    async def fetchone(self, sql: str, params: Params = ()) -> Any: ...

    async def fetchone_last(self, sql: str, params: Params = ()) -> Any:
        """`fetchone` of a write transaction's last statement: PostgreSQL commits in the same
        round trip, and nothing may follow it; elsewhere the same as `fetchone`."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def insert_ids(self, sql: str, params: Params = ()) -> list[int]:
        """Run an `INSERT … RETURNING id`; the new rows' ids in insertion order."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


class Driver(Protocol):
    kind: Kind

    @property
    def reader(self) -> Connection: ...

    @property
    def is_open(self) -> bool: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception."""
        ...

    async def ping(self) -> bool:
        """Whether the database answers a trivial query now."""
        ...


def returned_ids(rows: Sequence[Row]) -> list[int]:
    """The ids a `RETURNING id` listed, in insertion order (it promises no order; ids grow in
    insertion order)."""
    return sorted(int(row[0]) for row in rows)


def is_postgresql(url: str | None) -> bool:
    return bool(url) and str(url).startswith(POSTGRESQL_SCHEMES)


def driver_for(target: Path | str, *, busy_timeout_ms: int = 10000, pool_size: int = 10) -> Driver:
    """The driver for a SQLite file path or a `postgresql://` URL."""
    if isinstance(target, str) and is_postgresql(target):
        from purrr_server.store.drivers.postgresql import PostgresDriver

        return PostgresDriver(target, pool_size=pool_size)
    from purrr_server.store.drivers.sqlite import SqliteDriver

    return SqliteDriver(Path(target), busy_timeout_ms=busy_timeout_ms)


__all__ = [
    "Connection",
    "Driver",
    "Kind",
    "Params",
    "Row",
    "driver_for",
    "is_postgresql",
    "returned_ids",
]
