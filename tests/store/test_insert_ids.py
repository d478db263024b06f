"""Every INSERT into a table with an integer `id` asks for it back (`RETURNING id`).

`Repository.insert` returns the new row's id only when the statement says `RETURNING id` (the one
form both SQLite and PostgreSQL run), and sync maps inserted rows by that id: an INSERT without it
hands its caller 0, which a later foreign key or a synced row then trips over."""

from __future__ import annotations

import re
from pathlib import Path

import purrr_server.store as store_package
from purrr_server.store import Store
from purrr_server.store.migrate import migration_files

STORE = Path(store_package.__file__).parent
INSERT = re.compile(r"self\.insert\(\s*((?:\"[^\"]*\"\s*)+)", re.S)
TABLE = re.compile(r"INSERT\s+INTO\s+(\w+)", re.I)


def _tables_with_an_id() -> set[str]:
    tables: set[str] = set()
    for path in migration_files():
        if path.suffix != ".sql":
            continue
        for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", path.read_text(), re.S):
            if re.search(r"^\s*id INTEGER PRIMARY KEY", body, re.M):
                tables.add(name)
    return tables


def test_every_insert_into_a_table_with_an_id_returns_it() -> None:
    with_id = _tables_with_an_id()
    assert {"cats", "rooms", "territories", "oauth_clients"} <= with_id
    missing = []
    for path in sorted(STORE.glob("*.py")):
        for match in INSERT.finditer(path.read_text()):
            sql = "".join(re.findall(r"\"([^\"]*)\"", match.group(1)))
            table = TABLE.search(sql)
            explicit_id = re.search(r"\(\s*id\s*,", sql)  # the caller chose the id
            if (
                table
                and table.group(1) in with_id
                and not explicit_id
                and "RETURNING id" not in sql
            ):
                missing.append(f"{path.name}: {sql[:70]}")
    assert missing == [], "add RETURNING id to: " + "; ".join(missing)


async def test_insert_ids_are_the_new_rows_in_insertion_order(store: Store) -> None:
    """On SQLite the ids come from the cursor (no `RETURNING`, which costs a temporary table
    per statement): they must be exactly the rows inserted, in the order inserted."""
    async with store.write(7) as uow:
        first = await uow.events.append_many(7, [("a", {}), ("b", {}), ("c", {})], "now")
        second = await uow.events.append_many(7, [("d", {"n": 1})], "now")
        one = await uow.events.insert(
            "INSERT INTO events (user_id, version, type, payload, created_at)"
            " VALUES (?, ?, 'e', '{}', 'now') RETURNING id",
            (7, uow.version),
        )
        none = await uow.events.conn.insert_ids(
            "INSERT INTO events (user_id, version, type, payload, created_at)"
            " SELECT user_id, version, type, payload, created_at FROM events WHERE user_id = ?"
            " RETURNING id",
            (999,),
        )
        rows = await uow.events.fetchall(
            "SELECT id, type FROM events WHERE user_id = 7 ORDER BY id"
        )
    assert [r["type"] for r in rows] == ["a", "b", "c", "d", "e"]
    assert first + second + [one] == [r["id"] for r in rows]
    assert first == [first[0], first[0] + 1, first[0] + 2]
    assert none == []


async def test_an_insert_that_a_conflict_clause_skips_has_no_id(store: Store) -> None:
    """A conflict clause keeps `RETURNING` on SQLite too (rows it skips leave no new rowid)."""
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if store.kind == "sqlite" else "SERIAL PRIMARY KEY"
    async with store.write(7) as uow:
        await uow.events.conn.execute(f"CREATE TEMPORARY TABLE t (id {serial}, v TEXT UNIQUE)")
        sql = "INSERT INTO t (v) VALUES (?) ON CONFLICT (v) DO NOTHING RETURNING id"
        added = await uow.events.insert(sql, ("a",))
        skipped = await uow.events.insert(sql, ("a",))
        both = await uow.events.conn.insert_ids(
            "INSERT INTO t (v) VALUES (?), (?), (?) ON CONFLICT (v) DO NOTHING RETURNING id",
            ("b", "a", "c"),
        )
        rows = await uow.events.fetchall("SELECT id, v FROM t ORDER BY id")
        await uow.events.conn.execute("DROP TABLE t")
    assert skipped == 0
    assert [added, *both] == [r["id"] for r in rows]
    assert [r["v"] for r in rows] == ["a", "b", "c"]


def test_sqlite_reads_ids_from_the_cursor_only_where_they_are_certain() -> None:
    from purrr_server.store.drivers.sqlite import _without_returning

    assert _without_returning("INSERT INTO t (v) VALUES (?), (?) RETURNING id") == (
        "INSERT INTO t (v) VALUES (?), (?)"
    )
    assert _without_returning("INSERT INTO t (v) SELECT v FROM u RETURNING  id ") == (
        "INSERT INTO t (v) SELECT v FROM u"
    )
    for kept in (
        "INSERT INTO t (v) VALUES (?) ON CONFLICT (v) DO NOTHING RETURNING id",
        "INSERT INTO t (v) VALUES (?) ON CONFLICT (v) DO UPDATE SET n = n + 1 RETURNING id",
        "INSERT OR IGNORE INTO t (v) VALUES (?) RETURNING id",
        "REPLACE INTO t (v) VALUES (?) RETURNING id",
        "INSERT INTO t (v) VALUES (?) RETURNING id, v",
        "INSERT INTO t (v) VALUES (?)",
        "INSERT INTO t (id, v) VALUES (5, ?), (9, ?) RETURNING id",
        "INSERT INTO t (v, ID) SELECT v, id FROM u RETURNING id",
        "INSERT INTO t VALUES (NULL, ?) RETURNING id",
    ):
        assert _without_returning(kept) is None, kept


def test_every_table_with_an_id_numbers_it_by_rowid(tmp_path: Path) -> None:
    """What SQLite's `insert_ids` takes for granted: every `id` column is the table's rowid
    (`INTEGER PRIMARY KEY`, not in a `WITHOUT ROWID` table), so `lastrowid` is the new id."""
    import sqlite3

    from purrr_server.store.migrate import migrate

    database = tmp_path / "schema.db"
    migrate(database)
    conn = sqlite3.connect(database)
    try:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        not_rowid = []
        for table in tables:
            columns = {row[1]: row for row in conn.execute(f'PRAGMA table_info("{table}")')}
            if "id" not in columns:
                continue
            _, _, kind, _, _, primary = columns["id"]
            keys = sum(1 for row in columns.values() if row[5])
            rowid = conn.execute(
                "SELECT COUNT(*) FROM pragma_index_list(?) WHERE origin = 'pk'", (table,)
            ).fetchone()[0]
            if kind.upper() != "INTEGER" or primary != 1 or keys != 1 or rowid:
                not_rowid.append(table)
    finally:
        conn.close()
    assert "cats" in tables and not_rowid == []
