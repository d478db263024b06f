"""Every INSERT into a table with an integer `id` asks for it back (`RETURNING id`).

`Repository.insert` returns the new row's id only when the statement says `RETURNING id` (the one
form both SQLite and PostgreSQL run), and sync maps inserted rows by that id: an INSERT without it
hands its caller 0, which a later foreign key or a synced row then trips over."""

from __future__ import annotations

import re
from pathlib import Path

import purrr_server.store as store_package
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
