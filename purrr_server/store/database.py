"""The store of one server process: a driver (SQLite or PostgreSQL), sessions and write
transactions with per-player versions.

Every player has a version counter (`player_versions`). A write transaction acts for one player:
its first statement bumps that player's counter (`INSERT … ON CONFLICT DO UPDATE … RETURNING`),
and every row the transaction writes stores the new value as its `row_version`. The counter is
the player's sync cursor and live-events cursor.

Locking rule. On PostgreSQL that upsert's row lock is the only serialisation between writes: two
writes of one player queue on the player's row, two players' writes never wait on each other.
Every write transaction locks its player first, before reading anything it will decide on, so
at READ COMMITTED each transaction sees everything its player's earlier transactions committed
(no retry loop is needed: nothing runs at REPEATABLE READ or SERIALIZABLE, and a transaction that
locks more than one player — `lock_players` — takes the locks in id order, so two such
transactions cannot deadlock). On SQLite the single writer (`BEGIN IMMEDIATE`) serialises every
write anyway and the counter is just a number.

A write made before any player is known (an anonymous action such as register or login) binds
its player with `act_as(user_id)` once it knows them (register: the account it just created,
starting at version 1). `write(bump_version=False)` is bookkeeping that changes no player's
synced state (tokens' last use, sync leases, bans): its rows keep version 0; given a user id it
still locks that player (without bumping), which makes a sync pull a consistent snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from purrr_server.store.base import Session
from purrr_server.store.drivers import Connection, Driver, Kind, driver_for
from purrr_server.store.idempotency import StoredResponse, stored_response

AfterCommit = Callable[[], None | Awaitable[None]]

#: The counter of writes that act for no player: an anonymous action that binds none (OAuth's
#: token endpoint, the operator registering a client) writes on it (`purrr_server.actions`).
SYSTEM_PLAYER = 0

_BUMP_ONLY = (
    "INSERT INTO player_versions (user_id, version) VALUES (?, ?)"
    " ON CONFLICT (user_id) DO UPDATE SET version = player_versions.version + ?"
)
_BUMP = f"{_BUMP_ONLY} RETURNING version"


#: `_BUMP` and the response stored for one of the player's Idempotency-Keys, in one statement
#: (PostgreSQL: a data-modifying CTE; SQLite has none and runs the two).
_BUMP_AND_KEY = (
    f"WITH bumped AS ({_BUMP}) SELECT bumped.version, k.fingerprint, k.status_code,"
    " k.response, k.request_id, a.result, a.created_at FROM bumped"
    " LEFT JOIN idempotency_keys k ON k.user_id = ? AND k.key = ?"
    " LEFT JOIN actions a ON a.id = k.action_id"
)
#: SQLite's `_BUMP_AND_KEY`, read after `_BUMP_ONLY`: SQLite answers `RETURNING` through a
#: temporary table (~10 µs a statement, docs/architecture.md), a join of the two is cheaper.
_VERSION_AND_KEY = (
    "SELECT v.version, k.fingerprint, k.status_code, k.response, k.request_id, a.result,"
    " a.created_at FROM player_versions v"
    " LEFT JOIN idempotency_keys k ON k.user_id = v.user_id AND k.key = ?"
    " LEFT JOIN actions a ON a.id = k.action_id WHERE v.user_id = ?"
)


class UnitOfWork(Session):
    """A session inside one write transaction; `after_commit` callbacks run once it is durable."""

    def __init__(self, conn: Connection, *, bump: bool = True) -> None:
        super().__init__(conn, None if bump else 0)
        self.bump = bump
        #: The player this transaction acts for (None until known) and their counter's value.
        self.player: int | None = None
        self.player_version = 0
        self.after_commit: list[AfterCommit] = []
        self._locked: set[int] = set()

    @property
    def locked_player(self) -> int | None:
        return self.player

    async def act_as(self, user_id: int) -> int:
        """Act for `user_id`: lock their version row and (unless version-neutral) bump it.
        Idempotent for the same player; a second, different player is refused (use
        `lock_players` for the rare write that touches two players)."""
        if self.player is not None:
            if self.player != user_id:
                raise RuntimeError(f"this transaction acts for player {self.player}, not {user_id}")
            return self.player_version
        return self._acting(user_id, await self._bumped(user_id, 1 if self.bump else 0))

    async def _bumped(self, user_id: int, step: int) -> int:
        """Add `step` to `user_id`'s counter (0: only lock it); its value after. SQLite reads
        it with a second statement: its `RETURNING` costs more (see `_VERSION_AND_KEY`)."""
        if self.kind != "postgresql":
            await self.conn.execute(_BUMP_ONLY, (user_id, step, step))
            return await self.events.player_version(user_id)  # this transaction's value
        row = await self.conn.fetchone(_BUMP, (user_id, step, step))
        assert row is not None
        return int(row[0])

    def _acting(self, user_id: int, version: int) -> int:
        self.player = user_id
        self.player_version = version
        self._locked.add(user_id)
        if self.bump:
            self._version = self.player_version
        return self.player_version

    async def act_as_keyed(self, user_id: int, key: str) -> StoredResponse | None:
        """`act_as(user_id)`, then the response stored for their Idempotency-Key `key` (None:
        not used yet). On PostgreSQL one statement, whose snapshot is taken before it waits
        for the player's lock: a key stored by a transaction it waited for is not seen, and
        this transaction's insert of the key then fails on the unique key (`execute` replays
        the stored response); on SQLite two, the bump and then the version with the key (the
        single writer orders everything anyway)."""
        if self.player is not None:
            await self.act_as(user_id)
            return await self.idempotency.get(user_id, key)
        step = 1 if self.bump else 0
        if self.kind == "postgresql":
            row = await self.conn.fetchone(_BUMP_AND_KEY, (user_id, step, step, user_id, key))
        else:
            await self.conn.execute(_BUMP_ONLY, (user_id, step, step))
            row = await self.conn.fetchone(_VERSION_AND_KEY, (key, user_id))
        assert row is not None
        self._acting(user_id, int(row[0]))
        return None if row[1] is None else stored_response(row, 1)

    async def lock_players(self, *user_ids: int) -> None:
        """Lock other players' version rows too, in id order, before writing any of their rows.

        Every row and event this transaction writes carries one version, and it must be new for
        each player it touches (their sync and live-events cursors only move forward): so the
        transaction's version becomes one above the highest of its players' counters, and every
        locked player's counter (the acting player's too) is set to it. A client's cursor is
        always a version its player had, so the rows written before this call, stamped with the
        acting player's earlier new version, stay above any cursor of theirs."""
        others = sorted(set(user_ids) - self._locked)
        highest = 0
        for user_id in others:
            highest = max(highest, await self._bumped(user_id, 0))
            self._locked.add(user_id)
        if not self.bump or not others:
            return
        # Above every locked counter, and never below what this transaction already wrote.
        version = max(highest + 1, self.version)
        for user_id in sorted(self._locked):
            await self.conn.execute(
                "UPDATE player_versions SET version = ? WHERE user_id = ?", (version, user_id)
            )
        self._version = self.player_version = version


class Store:
    """Sessions and write transactions on one database (see the module docstring)."""

    def __init__(
        self, target: Path | str, *, busy_timeout_ms: int = 10000, pool_size: int = 10
    ) -> None:
        self.target = target
        self.driver: Driver = driver_for(
            target, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size
        )
        self._changed = asyncio.Event()
        self._read_session: Session | None = None
        #: Write transactions of this process open right now.
        self.open_writes = 0

    @property
    def kind(self) -> Kind:
        """ "sqlite" or "postgresql"."""
        return self.driver.kind

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on PostgreSQL)."""
        return self.target if isinstance(self.target, Path) else None

    @property
    def read(self) -> Session:
        """The read session (autocommit snapshot reads); the store must be open."""
        if self._read_session is None:
            raise RuntimeError("the store is not open")
        return self._read_session

    @property
    def is_open(self) -> bool:
        return self.driver.is_open and self._read_session is not None

    async def open(self) -> None:
        """Open the connections (idempotent; safe to call from concurrent first requests)."""
        await self.driver.open()
        if self._read_session is None:
            self._read_session = Session(self.driver.reader)

    async def close(self) -> None:
        await self.driver.close()
        self._read_session = None

    async def ping(self) -> bool:
        """Whether the database answers now (for health checks)."""
        return await self.driver.ping()

    @asynccontextmanager
    async def write(
        self, user_id: int | None = None, *, bump_version: bool = True
    ) -> AsyncIterator[UnitOfWork]:
        """One write transaction acting for `user_id` (None: bind later with `act_as`):
        commit on success, roll back on any exception."""
        if not self.is_open:
            await self.open()
        async with self.driver.transaction() as conn:
            self.open_writes += 1
            try:
                uow = UnitOfWork(conn, bump=bump_version)
                if user_id is not None:
                    await uow.act_as(user_id)
                yield uow
            finally:
                self.open_writes -= 1
        if bump_version:
            self._notify()
        for callback in uow.after_commit:
            outcome = callback()
            if outcome is not None:
                await outcome

    async def player_version(self, user_id: int) -> int:
        """The last committed version of `user_id` (their sync and live-events cursor)."""
        if not self.is_open:
            await self.open()
        return await self.read.events.player_version(user_id)

    async def current_version(self) -> int:
        """The highest committed version of any player (a liveness figure for health checks)."""
        if not self.is_open:
            await self.open()
        return await self.read.events.highest_version()

    async def applied_migrations(self) -> list[str]:
        rows = await self.read.events.fetchall("SELECT name FROM schema_migrations ORDER BY name")
        return [row[0] for row in rows]

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for_change(self, timeout: float) -> None:
        """Return when this process commits a new version, or after `timeout` seconds."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass
