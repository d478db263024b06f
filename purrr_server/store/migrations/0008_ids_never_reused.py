"""Ids are never reused: every table with an `id INTEGER PRIMARY KEY` gets `AUTOINCREMENT`.

Without it SQLite hands out max(id) + 1, so releasing the newest cat gave its id to the next
one: a pending breeding then completed with the new cat as a parent, and the new cat inherited
the old one's history and insights (rows that name a cat by its id). With `AUTOINCREMENT` an id
is used once per database, whatever is deleted later.

Each table is rebuilt the way https://www.sqlite.org/lang_altertable.html#otheralter describes
(the runner turns foreign keys off and checks them before committing): create the new table
from the table's own current definition with `AUTOINCREMENT` added, copy every row, drop the
old table, rename, recreate its indexes and triggers. Reading the current definition rather
than repeating it here keeps columns that later migrations add.

The counter of each table (`sqlite_sequence`) then starts above every id the table ever had as
far as the database remembers: its rows, its tombstones, and the rows elsewhere that still name
one of its ids (a released cat's actions, interactions, games and breedings).
"""

from __future__ import annotations

import re
import sqlite3

#: One row by construction (`CHECK (id = 1)`): nothing to reuse.
SKIP = frozenset({"sync_link"})
_ID_COLUMN = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b(?!\s+AUTOINCREMENT)", re.IGNORECASE)
_CREATE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:\"?)(\w+)(?:\"?)", re.IGNORECASE)
#: Other columns that hold a table's ids (beyond tombstones and `<table>.id` itself).
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "cats": (
        ("actions", "cat_id"),
        ("interactions", "cat_id"),
        ("game_results", "cat_id"),
        ("breedings", "sire_id"),
        ("breedings", "dam_id"),
    ),
    "night_patrols": (("community_alerts", "patrol_id"),),
    "actions": (("idempotency_keys", "action_id"), ("sync_outbox", "action_id")),
}


def _tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ).fetchall()
    return [(name, sql) for name, sql in rows if name not in SKIP and _ID_COLUMN.search(sql)]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _high_water(conn: sqlite3.Connection, table: str) -> int:
    """The largest id `table` is known to have used."""
    sources = [(table, "id")]
    if table == "users":
        sources += [
            (other, "user_id")
            for (other,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if "user_id" in _columns(conn, other)
        ]
    else:
        sources += list(REFERENCES.get(table, ()))
    highest = 0
    for other, column in sources:
        if column not in _columns(conn, other):
            continue
        row = conn.execute(f'SELECT MAX("{column}") FROM "{other}"').fetchone()
        highest = max(highest, int(row[0] or 0))
    if "tombstones" in {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}:
        row = conn.execute(
            "SELECT MAX(row_id) FROM tombstones WHERE table_name = ?", (table,)
        ).fetchone()
        highest = max(highest, int(row[0] or 0))
    if table == "cats":  # parents named inside the cats' own data
        for field in ("sire_id", "dam_id"):
            row = conn.execute(
                f"SELECT MAX(CAST(json_extract(data, '$.{field}') AS INTEGER)) FROM cats"
                " WHERE json_valid(data)"
            ).fetchone()
            highest = max(highest, int(row[0] or 0))
    return highest


def _rebuild(conn: sqlite3.Connection, table: str, sql: str) -> None:
    temporary = f"{table}__autoincrement"
    created = _CREATE.sub(f'CREATE TABLE "{temporary}"', sql, count=1)
    created = _ID_COLUMN.sub("id INTEGER PRIMARY KEY AUTOINCREMENT", created, count=1)
    companions = [
        row[0]
        for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        )
    ]
    columns = ", ".join(f'"{c}"' for c in _columns(conn, table))
    conn.execute(created)
    conn.execute(f'INSERT INTO "{temporary}" ({columns}) SELECT {columns} FROM "{table}"')
    conn.execute(f'DROP TABLE "{table}"')
    conn.execute(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for statement in companions:
        conn.execute(statement)


def _seed(conn: sqlite3.Connection, table: str, highest: int) -> None:
    if highest <= 0:
        return
    changed = conn.execute(
        "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (highest, table)
    ).rowcount
    if not changed:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))


def upgrade(conn: sqlite3.Connection) -> None:
    tables = _tables(conn)
    marks = {table: _high_water(conn, table) for table, _ in tables}
    for table, sql in tables:
        _rebuild(conn, table, sql)
    for table, highest in marks.items():
        _seed(conn, table, highest)
