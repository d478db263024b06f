"""Repositories and sessions: the narrow door every SQL statement goes through.

A `Session` binds repositories to one connection. The read session works in autocommit mode on
the reader connection; a `UnitOfWork` (from `Store.write()`) is a session inside one
`BEGIN IMMEDIATE` transaction on the writer connection and knows the transaction's global
`version`, which every written row stores as its `row_version`.

Repositories register themselves by name with `@repository("cats")` and are reached as
`session.cats`; they are created lazily, once per session.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

if TYPE_CHECKING:
    from purrr_server.store.accounts import AccountRepository
    from purrr_server.store.actions import ActionRepository
    from purrr_server.store.cats import CatRepository
    from purrr_server.store.credentials import CredentialRepository
    from purrr_server.store.events import EventRepository
    from purrr_server.store.idempotency import IdempotencyRepository
    from purrr_server.store.interactions import InteractionRepository
    from purrr_server.store.security import SecurityRepository
    from purrr_server.store.sync import SyncLocalRepository, SyncLogRepository
    from purrr_server.store.users import UserRepository

Params = Iterable[Any] | dict[str, Any]
R = TypeVar("R", bound="Repository")

#: Repository classes by session attribute name.
REPOSITORIES: dict[str, type[Repository]] = {}
_INSERT_INTO = re.compile(r"\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.IGNORECASE)


def repository(name: str) -> Callable[[type[R]], type[R]]:
    """Class decorator: make the repository reachable as `session.<name>`."""

    def register(cls: type[R]) -> type[R]:
        if name in REPOSITORIES and REPOSITORIES[name] is not cls:
            raise ValueError(f"repository {name!r} is already registered")
        REPOSITORIES[name] = cls
        return cls

    return register


def dumps(value: Any) -> str:
    """Compact JSON, the storage format of every JSON column."""
    return json.dumps(value, separators=(",", ":"), default=str)


class Session:
    """Repositories bound to one connection (see the module docstring)."""

    accounts: AccountRepository
    actions: ActionRepository
    cats: CatRepository
    credentials: CredentialRepository
    events: EventRepository
    idempotency: IdempotencyRepository
    interactions: InteractionRepository
    security: SecurityRepository
    sync_local: SyncLocalRepository
    sync_log: SyncLogRepository
    users: UserRepository

    def __init__(self, conn: aiosqlite.Connection, version: int | None = None) -> None:
        self.conn = conn
        self._version = version
        #: (table, rowid) of every row inserted through this session, in order (sync maps them).
        self.inserted: list[tuple[str, int]] = []

    @property
    def version(self) -> int:
        """The global version this transaction writes; only a unit of work has one."""
        if self._version is None:
            raise RuntimeError("writes need a unit of work: use `async with store.write()`")
        return self._version

    def __getattr__(self, name: str) -> Any:
        try:
            cls = REPOSITORIES[name]
        except KeyError:
            raise AttributeError(name) from None
        repo = cls(self)
        self.__dict__[name] = repo
        return repo


class Repository:
    """Named operations on one table. Subclasses hold the SQL; callers never see it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.conn

    @property
    def version(self) -> int:
        return self.session.version

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT inside the unit of work; return the new row id."""
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        async with self.conn.execute(sql, params) as cursor:
            row_id = cursor.lastrowid or 0
        table = _INSERT_INTO.match(sql)
        if table:
            self.session.inserted.append((table.group(1), row_id))
        return row_id

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run an UPDATE/DELETE inside the unit of work; return the number of rows changed."""
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        async with self.conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def tombstone(self, table: str, row_id: int, user_id: int, now: str) -> None:
        """Record a deletion so sync can propagate it."""
        await self.insert(
            "INSERT OR REPLACE INTO tombstones (table_name, row_id, user_id, row_version, deleted_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (table, row_id, user_id, self.version, now),
        )
