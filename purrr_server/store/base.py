"""Repositories and sessions: the narrow door every SQL statement goes through.

A `Session` binds repositories to one driver connection (`drivers/`: SQLite or PostgreSQL). The
read session works in autocommit mode; a `UnitOfWork` (from `Store.write()`) is a session inside
one write transaction and knows the acting player's `version` for this transaction (per-player
versions, `database.py`), which every row it writes stores as its `row_version`.

The SQL is the subset both databases run: qmark placeholders, `INSERT … ON CONFLICT … DO
UPDATE/NOTHING`, `RETURNING id` for a new row's id (`insert()` returns it), no `rowid`,
`json_extract` or `INSERT OR …`.

Each repository is one typed attribute of `Session` (`session.cats`, `uow.nightwatch`), created on
first use, once per session; its module is imported then too, so a process pays only for the
repositories it uses. A new repository is one more `@_repository` method below.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

import orjson

from purrr_server.store.drivers import Connection, Params

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
    from purrr_server.store.oauth import OAuthRepository
    from purrr_server.store.quests import CounterRepository, QuestProgressRepository
    from purrr_server.store.rooms import RoomRepository
    from purrr_server.store.security import SecurityRepository
    from purrr_server.store.sync import SyncLocalRepository, SyncLogRepository
    from purrr_server.store.territory import TerritoryRepository
    from purrr_server.store.users import UserRepository

R = TypeVar("R")

__all__ = [
    "Connection",
    "Params",
    "Pending",
    "Repository",
    "Session",
    "dumps",
    "orjson_text",
    "user_where",
]

_INSERT_INTO = re.compile(r"\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


#: orjson writes what `json.dumps(..., default=str)` writes for these (datetimes and dataclasses
#: go to `default=str`, as with json), only faster; non-ASCII text is stored as UTF-8, not escaped.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def dumps(value: Any) -> str:
    """Compact JSON, the storage format of every JSON column (orjson: an action stores its
    arguments, result and events as JSON, and the standard library's encoder was a tenth of a
    write's time; json only for what orjson refuses, such as integers over 64 bits)."""
    text = orjson_text(value)
    return json.dumps(value, separators=(",", ":"), default=str) if text is None else text


def orjson_text(value: Any) -> str | None:
    """`dumps(value)` when orjson encodes it (the bytes `purrr_server.envelope` writes for the
    same value, which splicing a stored result into a response relies on), else None."""
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class Pending:
    """Lazy work of a player: breedings under way, patrols not yet settled (`purrr_server.lazy`
    catches them up before a read; every action completes due breedings)."""

    breedings: bool
    patrols: bool


#: The tables whose rows `Pending` summarises: a write naming one forgets what a unit of work
#: knew about its player's pending work.
_PENDING_TABLES = ("breedings", "night_patrols")


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


@lru_cache(maxsize=1024)
def _insert_shape(sql: str) -> tuple[str | None, bool]:
    """The table an INSERT names and whether it says `RETURNING` (once per statement text)."""
    table = _INSERT_INTO.match(sql)
    return (table.group(1) if table else None), bool(_RETURNING.search(sql))


def _parent_of(message: str) -> str:
    """The referenced table named in PostgreSQL's foreign-key violation message."""
    found = re.search(r'is not present in table "(\w+)"', message)
    return found.group(1) if found else "?"


class _repository(cached_property[R]):  # noqa: N801 - used as a decorator, like cached_property
    """`functools.cached_property` without its lock (Python 3.11 takes an RLock on every first
    access): a session's repository is made on first use and then found in the instance's
    `__dict__`. Sessions are used from one event loop, so two threads never race for one.

    A repository method imports its class and returns `Class(session)`; after its first call
    the class is called directly (an import statement per repository per transaction was a
    few per cent of a write)."""

    made: Callable[[Any], R] | None = None

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> R: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> R | Self:
        if instance is None:
            return self
        if self.made is not None:
            made = self.made(instance)
        else:
            made = self.func(instance)
            self.made = type(made)
        instance.__dict__[self.attrname or self.func.__name__] = made
        return made


class Session:
    """Repositories bound to one connection (see the module docstring)."""

    def __init__(self, conn: Connection, version: int | None = None) -> None:
        self.conn = conn
        self._version = version
        #: (table, id) of every row inserted through this session, in order (sync maps them).
        self.inserted: list[tuple[str, int]] = []
        #: What a unit of work learnt about a locked player's pending work (`CatRepository.get`
        #: asks in the same statement as the cat), so that the checks every action makes on
        #: them (patrols of `load_cat`, due breedings after each action) need no statement of
        #: their own when there is nothing pending. Empty in the read session (autocommit: the
        #: answer could change between statements); forgotten on any write to those tables.
        self.known_pending: dict[int, Pending] = {}

    @property
    def locked_player(self) -> int | None:
        """The player whose rows this session holds locked (a unit of work acting for them),
        so that what it reads of theirs stays true until it commits; None here."""
        return None

    def knows_none_pending(self, user_id: int, what: str) -> bool:
        """Whether this transaction knows `user_id` has no pending `what` ("breedings",
        "patrols"), so the query for them can be skipped."""
        known = self.known_pending.get(user_id)
        return known is not None and not getattr(known, what)

    def forget_pending(self, sql: str) -> None:
        """Forget what was known of pending work when `sql` writes a table it summarises."""
        if self.known_pending and any(table in sql for table in _PENDING_TABLES):
            self.known_pending.clear()

    @property
    def kind(self) -> str:
        """The database behind this session: "sqlite" or "postgresql"."""
        return self.conn.kind

    @property
    def version(self) -> int:
        """The acting player's version this transaction writes; only a unit of work has one."""
        if self._version is None:
            raise RuntimeError(
                "writes need a unit of work acting for a player: use "
                "`async with store.write(user_id)` (or `await uow.act_as(user_id)` first)"
            )
        return self._version

    # --- the repositories, alphabetically: one attribute each, created on first use ---

    @_repository
    def accounts(self) -> AccountRepository:
        from purrr_server.store.accounts import AccountRepository

        return AccountRepository(self)

    @_repository
    def actions(self) -> ActionRepository:
        from purrr_server.store.actions import ActionRepository

        return ActionRepository(self)

    @_repository
    def breedings(self) -> BreedingRepository:
        from purrr_server.store.breeding import BreedingRepository

        return BreedingRepository(self)

    @_repository
    def cats(self) -> CatRepository:
        from purrr_server.store.cats import CatRepository

        return CatRepository(self)

    @_repository
    def charges(self) -> ChargeRepository:
        from purrr_server.store.economy import ChargeRepository

        return ChargeRepository(self)

    @_repository
    def counters(self) -> CounterRepository:
        from purrr_server.store.quests import CounterRepository

        return CounterRepository(self)

    @_repository
    def credentials(self) -> CredentialRepository:
        from purrr_server.store.credentials import CredentialRepository

        return CredentialRepository(self)

    @_repository
    def devices(self) -> DeviceRepository:
        from purrr_server.store.devices import DeviceRepository

        return DeviceRepository(self)

    @_repository
    def events(self) -> EventRepository:
        from purrr_server.store.events import EventRepository

        return EventRepository(self)

    @_repository
    def game_results(self) -> GameResultRepository:
        from purrr_server.store.games import GameResultRepository

        return GameResultRepository(self)

    @_repository
    def idempotency(self) -> IdempotencyRepository:
        from purrr_server.store.idempotency import IdempotencyRepository

        return IdempotencyRepository(self)

    @_repository
    def interactions(self) -> InteractionRepository:
        from purrr_server.store.interactions import InteractionRepository

        return InteractionRepository(self)

    @_repository
    def inventory(self) -> InventoryRepository:
        from purrr_server.store.economy import InventoryRepository

        return InventoryRepository(self)

    @_repository
    def nightwatch(self) -> NightWatchRepository:
        from purrr_server.store.nightwatch import NightWatchRepository

        return NightWatchRepository(self)

    @_repository
    def oauth(self) -> OAuthRepository:
        from purrr_server.store.oauth import OAuthRepository

        return OAuthRepository(self)

    @_repository
    def quest_progress(self) -> QuestProgressRepository:
        from purrr_server.store.quests import QuestProgressRepository

        return QuestProgressRepository(self)

    @_repository
    def rooms(self) -> RoomRepository:
        from purrr_server.store.rooms import RoomRepository

        return RoomRepository(self)

    @_repository
    def security(self) -> SecurityRepository:
        from purrr_server.store.security import SecurityRepository

        return SecurityRepository(self)

    @_repository
    def sync_local(self) -> SyncLocalRepository:
        from purrr_server.store.sync import SyncLocalRepository

        return SyncLocalRepository(self)

    @_repository
    def sync_log(self) -> SyncLogRepository:
        from purrr_server.store.sync import SyncLogRepository

        return SyncLogRepository(self)

    @_repository
    def territories(self) -> TerritoryRepository:
        from purrr_server.store.territory import TerritoryRepository

        return TerritoryRepository(self)

    @_repository
    def totp(self) -> TotpRepository:
        from purrr_server.store.economy import TotpRepository

        return TotpRepository(self)

    @_repository
    def users(self) -> UserRepository:
        from purrr_server.store.users import UserRepository

        return UserRepository(self)

    @_repository
    def wallets(self) -> WalletRepository:
        from purrr_server.store.economy import WalletRepository

        return WalletRepository(self)

    @_repository
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

    @property
    def kind(self) -> str:
        return self.conn.kind

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        """The first row (`row["column"]` or `row[0]`), or None."""
        return await self.conn.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        return await self.conn.fetchall(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT inside the unit of work; with `RETURNING id`, return the new row's id
        (0 when `ON CONFLICT DO NOTHING` inserted nothing), otherwise 0."""
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        self.session.forget_pending(sql)
        table, returning = _insert_shape(sql)
        if returning:
            ids = await self.conn.insert_ids(sql, params)
            row_id = ids[0] if ids else 0
        else:
            await self.conn.execute(sql, params)
            row_id = 0
        if table and row_id:
            self.session.inserted.append((table, row_id))
        return row_id

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run an UPDATE/DELETE inside the unit of work; return the number of rows changed."""
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        self.session.forget_pending(sql)
        return await self.conn.execute(sql, params)

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> list[int]:
        """Insert `rows` (values for `columns`) into `table`, which has an integer `id`, in one
        statement (`INSERT … VALUES (…), (…) RETURNING id`: `executemany` would be a round
        trip per row on PostgreSQL); return the new ids in row order. Names come from the code."""
        if not rows:
            return []
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        self.session.forget_pending(table)
        group = "(" + ", ".join("?" * len(columns)) + ")"
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            + ", ".join([group] * len(rows))
            + " RETURNING id"
        )
        params = [value for row in rows for value in row]
        ids = await self.conn.insert_ids(sql, params)
        self.session.inserted.extend((table, row_id) for row_id in ids)
        return ids

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        self.session.forget_pending(sql)
        await self.conn.executemany(sql, rows)

    # --- the schema, asked the way each database answers (the one place SQL differs) ---

    async def table_names(self) -> list[str]:
        """The database's tables (its own bookkeeping left out), sorted."""
        if self.kind == "postgresql":
            sql = (
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        return sorted(str(row[0]) for row in await self.fetchall(sql))

    async def columns(self, table: str) -> list[str]:
        """`table`'s columns in order (table names come from the code or `table_names`)."""
        if self.kind == "postgresql":
            rows = await self.fetchall(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?"
                " ORDER BY ordinal_position",
                (table,),
            )
            return [str(row[0]) for row in rows]
        return [str(row[1]) for row in await self.fetchall(f'PRAGMA table_info("{table}")')]

    async def ids_used(self, table: str) -> None:
        """After rows were inserted with explicit ids: new rows get ids above them (SQLite's
        AUTOINCREMENT does this by itself; a PostgreSQL identity's sequence must be moved)."""
        if self.kind == "postgresql":
            await self.conn.fetchone(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" GREATEST((SELECT MAX(id) FROM {table}),"
                f" (SELECT last_value FROM {table}_id_seq)))"
            )

    async def foreign_key_problem(self) -> tuple[str, str] | None:
        """(table, parent table) of a row whose foreign key names a missing row, checked now
        (after `defer_foreign_keys`); None when every reference holds."""
        if self.kind == "postgresql":
            import psycopg

            try:
                await self.conn.execute("SAVEPOINT fk_check")
                await self.conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            except sqlite3.IntegrityError as exc:
                await self.conn.execute("ROLLBACK TO SAVEPOINT fk_check")
                cause = exc.__cause__
                diag = cause.diag if isinstance(cause, psycopg.Error) else None
                table = diag.table_name if diag and diag.table_name else "?"
                return table, _parent_of(str(exc))
            await self.conn.execute("RELEASE SAVEPOINT fk_check")
            return None
        problems = await self.fetchall("PRAGMA foreign_key_check")
        return (str(problems[0][0]), str(problems[0][2])) if problems else None

    async def defer_foreign_keys(self) -> None:
        """Check foreign keys at commit rather than per statement (bulk replacements)."""
        if self.kind == "postgresql":
            await self.conn.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            await self.conn.execute("PRAGMA defer_foreign_keys = ON")

    async def tombstone(self, table: str, row_id: int, user_id: int, now: str) -> None:
        """Record a deletion so sync can propagate it."""
        await self.insert(
            "INSERT INTO tombstones (table_name, row_id, user_id, row_version, deleted_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, row_id) DO UPDATE SET"
            " user_id = excluded.user_id, row_version = excluded.row_version,"
            " deleted_at = excluded.deleted_at",
            (table, row_id, user_id, self.version, now),
        )
