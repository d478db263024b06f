"""Numbered migrations (`NNNN_name.sql`), applied in order at start-up and recorded.

Each file runs in one `BEGIN IMMEDIATE` transaction together with its bookkeeping row, so a
migration is either fully applied or not at all. A file lock in the data directory keeps two
processes starting at once from racing each other.

A migration that rebuilds tables (SQLite cannot change a column's constraints in place) is a
Python file `NNNN_name.py` defining `upgrade(conn: sqlite3.Connection) -> None`. It runs with
foreign keys off (so dropping a parent table cannot cascade into its children), inside the same
kind of transaction, and `PRAGMA foreign_key_check` must come back clean before it commits —
the procedure of https://www.sqlite.org/lang_altertable.html#otheralter.

PostgreSQL (a `postgresql://` URL instead of a path) has the same history under the same names:
each migration's PostgreSQL form is `migrations/postgresql/NNNN_name.sql` (a Python migration's
form is SQL too, or only a comment when there is nothing to do). Each runs in one transaction
with its bookkeeping row, and a session advisory lock keeps two starting processes apart.
"""

from __future__ import annotations

import fcntl
import os
import re
import runpy
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[\w-]+\.(sql|py)$")


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The `NNNN_*.sql` files of `directory`, in numeric order."""
    return sorted((p for p in directory.iterdir() if _NAME.match(p.name)), key=lambda p: p.name)


def connect(path: Path) -> sqlite3.Connection:
    """A standard-library connection with the pragmas every connection uses."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def open_database(path: Path) -> sqlite_utils.Database:
    """A sqlite-utils handle (for schema work) on such a connection."""
    import sqlite_utils

    return sqlite_utils.Database(connect(path))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def applied_migrations(db: sqlite_utils.Database) -> set[str]:
    if "schema_migrations" not in db.table_names():
        return set()
    return {row["name"] for row in db["schema_migrations"].rows}


def pending_migrations(db_path: Path, directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The migrations not yet recorded, checked with the standard library only: a server start
    with nothing to migrate (every one-shot CLI command) never imports sqlite-utils."""
    files = migration_files(directory)
    if not db_path.exists():
        return files
    with closing(sqlite3.connect(db_path)) as conn:
        try:
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        except sqlite3.OperationalError:
            return files
    return [p for p in files if p.name not in done]


#: The database and its companions (SQLite creates -wal and -shm with the database's mode).
PRIVATE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def make_private(db_path: Path) -> None:
    """Create the database file readable by its owner only (0600), and take group and other
    access away from an existing one and its WAL/SHM files (older versions made them 0644)."""
    db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not db_path.exists():
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600))
    for suffix in PRIVATE_SUFFIXES:
        path = db_path.with_name(db_path.name + suffix)
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def postgresql_form(path: Path) -> Path:
    """Where migration `path`'s PostgreSQL form lives."""
    return path.parent / "postgresql" / f"{path.stem}.sql"


#: The advisory lock key of migrations (any constant; "purrr" in ASCII).
_MIGRATION_LOCK = 0x7075727272


def migrate_postgresql(url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet recorded in the PostgreSQL database at `url`."""
    import psycopg

    missing = [p.name for p in migration_files(directory) if not postgresql_form(p).exists()]
    if missing:
        raise RuntimeError(
            f"migrations without a PostgreSQL form: {', '.join(missing)} "
            f"(write {directory / 'postgresql'}/<same name>.sql)"
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            applied = []
            for path in migration_files(directory):
                if path.name in done:
                    continue
                script = postgresql_form(path).read_text()
                with conn.transaction():
                    if _has_statements(script):
                        conn.execute(script.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (%s, %s)",
                        (path.name, datetime.now(UTC).isoformat()),
                    )
                applied.append(path.name)
            return applied
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))


def _has_statements(script: str) -> bool:
    """Whether `script` holds more than comments and blank lines."""
    return any(line.strip() and not line.strip().startswith("--") for line in script.splitlines())


def migrate(
    target: Path | str, directory: Path = MIGRATIONS_DIR, *, baseline: bool = True
) -> list[str]:
    """Apply every migration of `directory` not yet recorded in the database (a SQLite file or
    a `postgresql://` URL); return their names. A new SQLite database of the package's own
    migrations starts from their baseline (`purrr_server.store.baseline`) unless `baseline` is
    false; the migrations after it are applied one by one."""
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        return migrate_postgresql(target, directory)
    db_path = Path(target)
    make_private(db_path)
    if not pending_migrations(db_path, directory):
        return []
    with _file_lock(db_path.with_name(db_path.name + ".migrate-lock")):
        db = open_database(db_path)
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = applied_migrations(db)
            applied = []
            if baseline and directory == MIGRATIONS_DIR and _is_empty(db.conn):
                applied = _apply_baseline(db.conn, migration_files(directory))
                done = set(applied)
            for path in migration_files(directory):
                if path.name in done:
                    continue
                _apply(db, path)
                applied.append(path.name)
            return applied
        finally:
            db.close()


def _is_empty(conn: sqlite3.Connection) -> bool:
    """Whether the database holds no table but the (empty) migrations bookkeeping."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if names - {"schema_migrations", "sqlite_autoindex_schema_migrations_1"}:
        return False
    return conn.execute("SELECT 1 FROM schema_migrations LIMIT 1").fetchone() is None


def _apply_baseline(conn: sqlite3.Connection, files: list[Path]) -> list[str]:
    """Make the empty database what the baseline's migrations would, in one transaction; the
    names it recorded. A baseline that is not the first of `files` in order is not used."""
    from purrr_server.store.baseline import read

    names, script = read()
    if not names or names != [path.name for path in files[: len(names)]]:
        return []
    _run_script(conn, script, names)
    return names


def _apply(db: sqlite_utils.Database, path: Path) -> None:
    if path.suffix == ".py":
        _apply_python(db.conn, path)
        return
    _run_script(db.conn, path.read_text(), [path.name])


def _run_script(conn: sqlite3.Connection, script: str, names: list[str]) -> None:
    """Run `script` and record the migrations `names` in one `BEGIN IMMEDIATE` transaction:
    all of it or, on any error, none of it."""
    stamp = datetime.now(UTC).isoformat()
    records = "".join(
        f"INSERT INTO schema_migrations (name, applied_at) VALUES ('{name}', '{stamp}');\n"
        for name in names
    )
    try:
        conn.executescript(f"BEGIN IMMEDIATE;\n{script}\n;{records}COMMIT;")
    except Exception:
        if conn.in_transaction:
            conn.rollback()
        raise


def _apply_python(conn: sqlite3.Connection, path: Path) -> None:
    upgrade = runpy.run_path(str(path))["upgrade"]
    isolation = conn.isolation_level
    conn.isolation_level = None  # explicit BEGIN/COMMIT only
    conn.execute("PRAGMA foreign_keys=OFF")  # takes effect outside a transaction only
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            upgrade(conn)
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"{path.name} left broken foreign keys: {broken[:5]}")
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (path.name, datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.isolation_level = isolation
