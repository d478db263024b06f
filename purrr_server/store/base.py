"""Repositories and sessions: the narrow door every SQL statement goes through.

A `Session` binds repositories to one connection. The read session works in autocommit mode on
the reader connection; a `UnitOfWork` (from `Store.write()`) is a session inside one
`BEGIN IMMEDIATE` transaction on the writer connection and knows the transaction's global
`version`, which every written row stores as its `row_version`.

Each repository is one typed attribute of `Session` (`session.cats`, `uow.nightwatch`), created on
first use, once per session; its module is imported then too, so a process pays only for the
repositories it uses. A new repository is one more `cached_property` below.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from purrr_server.store.inline import Connection

if TYPE_CHECKING:
    from purrr_server.store.accounts import AccountRepository
    from purrr_server.store.actions import ActionRepository
    from purrr_server.store.breeding import BreedingRepository
    from purrr_server.store.cats import CatRepository
    from purrr_server.store.credentials import CredentialRepository
    from purrr_server.store.devices import DeviceRepository
    from purrr_server.store.economy import (
        ChargeRepository,
        InventoryRepository,
        TotpRepository,
        WalletRepository,
        WithdrawalRepository,
    )
    from purrr_server.store.events import EventRepository
    from purrr_server.store.games import GameResultRepository
    from purrr_server.store.idempotency import IdempotencyRepository
    from purrr_server.store.interactions import InteractionRepository
    from purrr_server.store.nightwatch import NightWatchRepository
    from purrr_server.store.quests import CounterRepository, QuestProgressRepository
    from purrr_server.store.security import SecurityRepository
    from purrr_server.store.sync import SyncLocalRepository, SyncLogRepository
    from purrr_server.store.users import UserRepository

Params = Iterable[Any] | dict[str, Any]

_INSERT_INTO = re.compile(r"\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.IGNORECASE)


def dumps(value: Any) -> str:
    """Compact JSON, the storage format of every JSON column."""
    return json.dumps(value, separators=(",", ":"), default=str)


def user_where(user_id: int, **equal: object) -> tuple[str, list[object]]:
    """A WHERE condition (without `WHERE`) for one user's rows whose columns equal the given
    values, leaving out the filters that are None, and its parameters:
    `user_where(7, status=None, kind="dice")` is `("user_id = ? AND kind = ?", [7, "dice"])`.
    Column names come from the code, never from input."""
    conditions: list[str] = ["user_id = ?"]
    params: list[object] = [user_id]
    for column, value in equal.items():
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(conditions), params


class Session:
    """Repositories bound to one connection (see the module docstring)."""

    def __init__(self, conn: Connection, version: int | None = None) -> None:
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

    # --- the repositories, alphabetically: one attribute each, created on first use ---

    @cached_property
    def accounts(self) -> AccountRepository:
        from purrr_server.store.accounts import AccountRepository

        return AccountRepository(self)

    @cached_property
    def actions(self) -> ActionRepository:
        from purrr_server.store.actions import ActionRepository

        return ActionRepository(self)

    @cached_property
    def breedings(self) -> BreedingRepository:
        from purrr_server.store.breeding import BreedingRepository

        return BreedingRepository(self)

    @cached_property
    def cats(self) -> CatRepository:
        from purrr_server.store.cats import CatRepository

        return CatRepository(self)

    @cached_property
    def charges(self) -> ChargeRepository:
        from purrr_server.store.economy import ChargeRepository

        return ChargeRepository(self)

    @cached_property
    def counters(self) -> CounterRepository:
        from purrr_server.store.quests import CounterRepository

        return CounterRepository(self)

    @cached_property
    def credentials(self) -> CredentialRepository:
        from purrr_server.store.credentials import CredentialRepository

        return CredentialRepository(self)

    @cached_property
    def devices(self) -> DeviceRepository:
        from purrr_server.store.devices import DeviceRepository

        return DeviceRepository(self)

    @cached_property
    def events(self) -> EventRepository:
        from purrr_server.store.events import EventRepository

        return EventRepository(self)

    @cached_property
    def game_results(self) -> GameResultRepository:
        from purrr_server.store.games import GameResultRepository

        return GameResultRepository(self)

    @cached_property
    def idempotency(self) -> IdempotencyRepository:
        from purrr_server.store.idempotency import IdempotencyRepository

        return IdempotencyRepository(self)

    @cached_property
    def interactions(self) -> InteractionRepository:
        from purrr_server.store.interactions import InteractionRepository

        return InteractionRepository(self)

    @cached_property
    def inventory(self) -> InventoryRepository:
        from purrr_server.store.economy import InventoryRepository

        return InventoryRepository(self)

    @cached_property
    def nightwatch(self) -> NightWatchRepository:
        from purrr_server.store.nightwatch import NightWatchRepository

        return NightWatchRepository(self)

    @cached_property
    def quest_progress(self) -> QuestProgressRepository:
        from purrr_server.store.quests import QuestProgressRepository

        return QuestProgressRepository(self)

    @cached_property
    def security(self) -> SecurityRepository:
        from purrr_server.store.security import SecurityRepository

        return SecurityRepository(self)

    @cached_property
    def sync_local(self) -> SyncLocalRepository:
        from purrr_server.store.sync import SyncLocalRepository

        return SyncLocalRepository(self)

    @cached_property
    def sync_log(self) -> SyncLogRepository:
        from purrr_server.store.sync import SyncLogRepository

        return SyncLogRepository(self)

    @cached_property
    def totp(self) -> TotpRepository:
        from purrr_server.store.economy import TotpRepository

        return TotpRepository(self)

    @cached_property
    def users(self) -> UserRepository:
        from purrr_server.store.users import UserRepository

        return UserRepository(self)

    @cached_property
    def wallets(self) -> WalletRepository:
        from purrr_server.store.economy import WalletRepository

        return WalletRepository(self)

    @cached_property
    def withdrawals(self) -> WithdrawalRepository:
        from purrr_server.store.economy import WithdrawalRepository

        return WithdrawalRepository(self)


class Repository:
    """Named operations on one table. Subclasses hold the SQL; callers never see it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.conn

    @property
    def version(self) -> int:
        return self.session.version

    # One connection call each (`execute_fetchall` / `execute_insert`), not three (execute,
    # fetch, close): each was a hop to aiosqlite's thread; `store.inline` has no thread, and
    # a read statement is still always stepped to its end (no read snapshot left open).

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        for row in rows:
            found: sqlite3.Row = row
            return found
        return None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT inside the unit of work; return the new row id."""
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        row = await self.conn.execute_insert(sql, params)
        row_id = int(row[0]) if row and row[0] is not None else 0
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
