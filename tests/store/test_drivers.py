"""The store on both databases: one schema history, per-player versions, the locking rule,
rows and errors that look alike, and psycopg only where PostgreSQL is used."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from purrr_server.store import Store, migrate
from purrr_server.store.database import UnitOfWork
from purrr_server.store.migrate import MIGRATIONS_DIR, migration_files, postgresql_form

NOW = "2026-11-23T12:00:00+00:00"


async def _player(store: Store, name: str) -> int:
    async with store.write() as uow:  # anonymous, like register: binds the new player
        user = await uow.users.create(username=name, email=None, password_hash=None, now=NOW)
    return user.id


def test_every_migration_has_a_postgresql_form() -> None:
    missing = [p.name for p in migration_files() if not postgresql_form(p).exists()]
    assert missing == [], f"write migrations/postgresql/<name>.sql for {missing}"
    extra = {p.stem for p in (MIGRATIONS_DIR / "postgresql").glob("*.sql")} - {
        p.stem for p in migration_files()
    }
    assert extra == set(), f"PostgreSQL forms without a SQLite migration: {extra}"


def _sqlite_schema(path: Path) -> tuple[dict[str, set[str]], set[tuple[str, tuple[str, ...]]]]:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        columns = {t: {row[1] for row in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}
        unique: set[tuple[str, tuple[str, ...]]] = set()
        for table in tables:
            for index in conn.execute(f'PRAGMA index_list("{table}")'):
                if index[2]:  # unique (primary keys, UNIQUE constraints, unique indexes)
                    cols = [row[2] for row in conn.execute(f'PRAGMA index_info("{index[1]}")')]
                    unique.add((table, tuple(sorted(cols))))
            pk = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")') if row[5]]
            if pk:
                unique.add((table, tuple(sorted(pk))))
    return columns, unique


def _postgresql_schema(url: str) -> tuple[dict[str, set[str]], set[tuple[str, tuple[str, ...]]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        columns: dict[str, set[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        ):
            columns.setdefault(table, set()).add(column)
        unique = {
            (table, tuple(sorted(cols)))
            for table, cols in conn.execute(
                "SELECT t.relname, array_agg(a.attname::text) FROM pg_index i"
                " JOIN pg_class t ON t.oid = i.indrelid"
                " JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()"
                " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)"
                " WHERE i.indisunique GROUP BY i.indexrelid, t.relname"
            )
        }
    return columns, unique


def test_both_databases_get_the_same_tables_columns_and_unique_keys(
    tmp_path: Path, postgres_cluster: object
) -> None:
    sqlite_path = tmp_path / "schema.db"
    migrate(sqlite_path)
    url = postgres_cluster.new_database()  # type: ignore[attr-defined]
    try:
        pg_columns, pg_unique = _postgresql_schema(url)
    finally:
        postgres_cluster.drop(url)  # type: ignore[attr-defined]
    lite_columns, lite_unique = _sqlite_schema(sqlite_path)
    assert set(pg_columns) == set(lite_columns)
    for table, columns in lite_columns.items():
        assert pg_columns[table] == columns, table
    assert pg_unique == lite_unique


def test_the_migration_history_has_the_same_names_on_both(postgres_cluster: object) -> None:
    import psycopg

    url = postgres_cluster.new_database()  # type: ignore[attr-defined]
    try:
        with psycopg.connect(url) as conn:
            names = [
                row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")
            ]
        assert migrate(url) == []  # already at the newest migration
    finally:
        postgres_cluster.drop(url)  # type: ignore[attr-defined]
    assert names == [p.name for p in migration_files()]


async def test_rows_read_by_name_and_by_position(store: Store) -> None:
    user_id = await _player(store, "Rowan")
    row = await store.read.users.fetchone("SELECT id, username FROM users WHERE id = ?", (user_id,))
    assert row["id"] == row[0] == user_id
    assert row["username"] == row[1] == "Rowan"
    assert list(row.keys()) == ["id", "username"]
    assert {k: row[k] for k in row.keys()} == {"id": user_id, "username": "Rowan"}


async def test_a_constraint_violation_is_an_integrity_error_on_both(store: Store) -> None:
    await _player(store, "Ivy")
    with pytest.raises(sqlite3.IntegrityError):
        await _player(store, "ivy")  # usernames are unique without case on both databases
    assert await store.read.users.taken("IVY", None) == "username"


async def test_a_failed_write_rolls_back_and_leaves_the_connection_clean(store: Store) -> None:
    """A unique-key error (the idempotency key of a concurrent duplicate) rolls the whole
    transaction back, raises the IntegrityError the action path handles, and leaves every
    pooled connection usable (PostgreSQL: the driver's own BEGIN/ROLLBACK)."""
    alice = await _player(store, "alice")

    async def put(uow: UnitOfWork, key: str) -> None:
        await uow.idempotency.put(
            alice, key, fingerprint="f", action_id=None, status_code=200, body="{}", now=NOW
        )

    async with store.write(alice) as uow:
        await put(uow, "key-1")
    for _ in range(3):  # more than once: every pooled connection must come back usable
        with pytest.raises(sqlite3.IntegrityError):
            async with store.write(alice) as uow:
                await uow.events.append(alice, "test.ping", {}, NOW)
                await put(uow, "key-1")
    assert await store.read.events.since(alice, 0) == []
    assert await store.player_version(alice) == 2
    async with store.write(alice) as uow:
        await put(uow, "key-2")
        await uow.events.append(alice, "test.ping", {}, NOW)
    assert [e["version"] for e in await store.read.events.since(alice, 0)] == [3]


async def test_a_failed_statement_can_be_rolled_back_to_a_savepoint(store: Store) -> None:
    """A statement's error is raised by that statement, and the transaction can go on after
    `ROLLBACK TO SAVEPOINT` (what `foreign_key_problem` does on PostgreSQL)."""
    alice = await _player(store, "alice")
    async with store.write(alice) as uow:
        await uow.events.append(alice, "test.ping", {}, NOW)
        await uow.events.execute("SAVEPOINT before_dup")
        with pytest.raises(sqlite3.IntegrityError):
            await uow.users.create(username="ALICE", email=None, password_hash=None, now=NOW)
        await uow.events.execute("ROLLBACK TO SAVEPOINT before_dup")
        await uow.events.append(alice, "test.pong", {}, NOW)
    assert [e["type"] for e in await store.read.events.since(alice, 0)] == [
        "test.ping",
        "test.pong",
    ]


async def test_each_player_has_their_own_version(store: Store) -> None:
    alice = await _player(store, "alice")
    bob = await _player(store, "bob")
    assert await store.player_version(alice) == 1 == await store.player_version(bob)
    for _ in range(3):
        async with store.write(alice) as uow:
            await uow.events.append(alice, "test.ping", {}, NOW)
    async with store.write(bob) as uow:
        await uow.events.append(bob, "test.ping", {}, NOW)
        assert uow.version == 2
    assert await store.player_version(alice) == 4
    assert await store.player_version(bob) == 2
    assert [e["version"] for e in await store.read.events.since(alice, 0)] == [2, 3, 4]
    assert [e["version"] for e in await store.read.events.since(alice, 3)] == [4]
    assert [e["version"] for e in await store.read.events.since(bob, 0)] == [2]


async def test_a_version_neutral_write_bumps_nothing(store: Store) -> None:
    alice = await _player(store, "alice")
    async with store.write(alice, bump_version=False) as uow:
        assert uow.version == 0 and uow.player_version == 1
    assert await store.player_version(alice) == 1


async def test_a_rolled_back_write_leaves_the_version(store: Store) -> None:
    alice = await _player(store, "alice")
    with pytest.raises(RuntimeError, match="boom"):
        async with store.write(alice) as uow:
            await uow.events.append(alice, "test.ping", {}, NOW)
            raise RuntimeError("boom")
    assert await store.player_version(alice) == 1
    assert await store.read.events.since(alice, 0) == []


async def test_a_write_acts_for_one_player(store: Store) -> None:
    alice = await _player(store, "alice")
    bob = await _player(store, "bob")
    async with store.write(alice) as uow:
        with pytest.raises(RuntimeError, match=f"acts for player {alice}, not {bob}"):
            await uow.act_as(bob)
        await uow.lock_players(bob, alice)  # the rare two-player write: locks, in id order
        written = uow.version
    # bob's counter moves to the version this write stamps on his rows (his cursors see them,
    # and his own next write comes after them), even though alice's counter was ahead
    assert written == 2
    assert await store.player_version(bob) == written
    assert await store.player_version(alice) == written


async def test_export_lists_every_owned_table_on_both(store: Store) -> None:
    alice = await _player(store, "alice")
    async with store.write(alice) as uow:
        await uow.events.append(alice, "test.ping", {"n": 1}, NOW)
    exported = await store.read.accounts.export(alice)
    assert exported["users"][0]["username"] == "alice"
    assert exported["events"][0]["payload"] == {"n": 1}
    assert "idempotency_keys" not in exported
    assert "password_hash" not in exported["users"][0]


async def test_ping_reports_the_database(store: Store) -> None:
    assert await store.ping() is True
    assert store.kind in ("sqlite", "postgresql")


async def test_on_postgresql_two_players_writes_do_not_wait_on_each_other(
    store: Store,
) -> None:
    if store.kind != "postgresql":
        pytest.skip("SQLite has one writer by design")
    alice = await _player(store, "alice")
    bob = await _player(store, "bob")
    holding = asyncio.Event()
    release = asyncio.Event()

    async def alice_slow() -> None:
        async with store.write(alice) as uow:
            await uow.events.append(alice, "test.slow", {}, NOW)
            holding.set()
            await release.wait()

    slow = asyncio.create_task(alice_slow())
    await holding.wait()
    # Bob commits while Alice's transaction is still open…
    async with asyncio.timeout(5):
        async with store.write(bob) as uow:
            await uow.events.append(bob, "test.fast", {}, NOW)
    assert await store.player_version(bob) == 2
    # …but Alice's second write queues behind her first (her version row is locked).
    second = asyncio.create_task(_bump(store, alice))
    await asyncio.sleep(0.3)
    assert not second.done()
    release.set()
    await slow
    assert await second == 3


async def _bump(store: Store, user_id: int) -> int:
    async with store.write(user_id) as uow:
        await uow.events.append(user_id, "test.next", {}, NOW)
        return uow.version


def test_an_old_database_keeps_its_cursors(tmp_path: Path) -> None:
    """0012 seeds every player's counter with the old global version: above all their rows."""
    old = tmp_path / "old-migrations"
    old.mkdir()
    for path in migration_files():
        if path.name < "0012":
            (old / path.name).write_bytes(path.read_bytes())
    db = tmp_path / "old.db"
    migrate(db, old)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO users (id, username, created_at, row_version) VALUES (7, 'old', ?, 40)",
            (NOW,),
        )
        conn.execute("UPDATE meta SET value = 57 WHERE key = 'version'")
    assert migrate(db)[:1] == ["0012_player_versions.sql"]  # later migrations may follow

    async def next_version() -> int:
        store = Store(db)
        try:
            return await _bump(store, 7)
        finally:
            await store.close()

    assert asyncio.run(next_version()) == 58


def test_the_sqlite_path_never_imports_psycopg(tmp_path: Path) -> None:
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from purrr_server.store import Store, migrate\n"
        f"db = Path({str(tmp_path / 'p.db')!r})\n"
        "migrate(db)\n"
        "async def main():\n"
        "    store = Store(db)\n"
        "    async with store.write() as uow:\n"
        "        await uow.users.create(username='x', email=None, password_hash=None, now='n')\n"
        "    await store.ping()\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
        "assert not [m for m in sys.modules if m.startswith('psycopg')], sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


async def test_a_write_touching_another_player_is_new_to_both_of_them(store: Store) -> None:
    """A room round or a territory challenge writes another player's rows and events: their
    cursors must see it, whichever of the two players is further ahead."""
    alice = await _player(store, "alice")
    bob = await _player(store, "bob")
    for _ in range(5):
        async with store.write(bob) as uow:
            await uow.events.append(bob, "test.ping", {}, NOW)
    bob_cursor = await store.player_version(bob)  # 6, ahead of alice's 1
    async with store.write(alice) as uow:
        await uow.lock_players(bob)
        await uow.events.append(bob, "test.told", {}, NOW)
        await uow.events.append(alice, "test.told", {}, NOW)
        assert uow.version == bob_cursor + 1
    assert [e["type"] for e in await store.read.events.since(bob, bob_cursor)] == ["test.told"]
    assert await store.player_version(alice) == await store.player_version(bob) == bob_cursor + 1
    # The other way round: a player behind is simply bumped past their own cursor.
    async with store.write(bob) as uow:
        await uow.lock_players(alice)
        await uow.events.append(alice, "test.told", {}, NOW)
    alice_events = await store.read.events.since(alice, bob_cursor + 1)
    assert [e["type"] for e in alice_events] == ["test.told"]
