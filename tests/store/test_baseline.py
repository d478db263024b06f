"""A new SQLite database is made from the migrations' baseline (purrr_server/store/baseline.py):
the file must be current, and a database made from it must hold exactly what replaying the
migrations one by one leaves."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from purrr_server.store import baseline
from purrr_server.store.migrate import MIGRATIONS_DIR, migrate, migration_files

ALL = [path.name for path in migration_files()]


def contents(db: Path) -> dict[str, Any]:
    """Everything a database holds that a migration decides: its schema, every table's rows
    (the migrations' own records by name only: their times differ), its integrity."""
    conn = sqlite3.connect(db)
    try:
        schema = set(
            conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql NOT NULL")
        )
        tables = [row[1] for row in schema if row[0] == "table"] + ["sqlite_sequence"]
        rows = {t: sorted(conn.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
        rows["schema_migrations"] = sorted(r[0] for r in rows["schema_migrations"])
        return {
            "schema": schema,
            "rows": rows,
            "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
            "foreign keys": conn.execute("PRAGMA foreign_key_check").fetchall(),
            "user_version": conn.execute("PRAGMA user_version").fetchone(),
        }
    finally:
        conn.close()


def replayed(tmp_path: Path) -> dict[str, Any]:
    db = tmp_path / "replayed.db"
    assert migrate(db, baseline=False) == ALL
    return contents(db)


def test_the_baseline_is_current() -> None:
    names, _ = baseline.read()
    assert names == ALL, "run `python -m purrr_server.store.baseline` after adding a migration"
    assert baseline.BASELINE.read_text() == baseline.generate(), (
        "baseline.sql is not what the migrations leave: run `python -m purrr_server.store.baseline`"
    )


def test_a_new_database_from_the_baseline_equals_one_migrated_step_by_step(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new.db"
    assert migrate(db) == ALL
    made = contents(db)
    assert made == replayed(tmp_path)
    assert made["integrity"] == [("ok",)] and made["foreign keys"] == []
    assert len(made["rows"]["sqlite_sequence"]) >= 15  # the counters migration 0008 set up
    assert migrate(db) == []


def test_migrations_newer_than_the_baseline_apply_on_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A baseline that was not regenerated after a migration was added still gives the same
    database: the newer migrations run after it, one by one."""
    older = tmp_path / "older"
    older.mkdir()
    for path in migration_files()[:8]:  # up to and including 0008's table rebuilds
        shutil.copy(path, older)
    stale = tmp_path / "baseline.sql"
    stale.write_text(baseline.generate(older))
    monkeypatch.setattr(baseline, "BASELINE", stale)
    assert baseline.read()[0] == ALL[:8]

    db = tmp_path / "new.db"
    assert migrate(db) == ALL
    assert contents(db) == replayed(tmp_path)


@pytest.mark.parametrize(
    "names", [["0001_other.sql"], ALL[1:3], [*ALL, "9999_not_there.sql"]], ids=repr
)
def test_a_baseline_that_names_other_migrations_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: list[str]
) -> None:
    wrong = tmp_path / "baseline.sql"
    wrong.write_text(f"-- migrations: {' '.join(names)}\nCREATE TABLE not_from_migrations (x);\n")
    monkeypatch.setattr(baseline, "BASELINE", wrong)
    db = tmp_path / "new.db"
    assert migrate(db) == ALL
    assert contents(db) == replayed(tmp_path)


def test_a_baseline_that_fails_leaves_an_empty_database_that_migrates_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = baseline.BASELINE
    broken = tmp_path / "baseline.sql"
    broken.write_text(good.read_text().replace("CREATE INDEX", "CREATE NONSENSE", 1))
    monkeypatch.setattr(baseline, "BASELINE", broken)
    db = tmp_path / "new.db"
    with pytest.raises(sqlite3.OperationalError):
        migrate(db)
    with sqlite3.connect(db) as conn:
        left = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert left == {"schema_migrations"}
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (0,)
    monkeypatch.setattr(baseline, "BASELINE", good)
    assert migrate(db) == ALL
    assert contents(db) == replayed(tmp_path)


def test_only_the_packages_own_migrations_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another directory of migrations (tests use them) is always replayed one by one, even
    when its files have the baseline's names."""
    own = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, own)
    marked = tmp_path / "baseline.sql"
    marked.write_text(baseline.BASELINE.read_text() + "CREATE TABLE from_the_baseline (x);\n")
    monkeypatch.setattr(baseline, "BASELINE", marked)
    db = tmp_path / "m.db"
    assert migrate(db, own) == ALL
    assert contents(db) == replayed(tmp_path)
    assert migrate(tmp_path / "package.db") == ALL
    assert "from_the_baseline" in {row[1] for row in contents(tmp_path / "package.db")["schema"]}
