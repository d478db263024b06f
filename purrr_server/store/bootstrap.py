"""Synchronous start-up writes (standard sqlite3): the local player and its bearer token.

These run before any event loop exists (from `create_app` or the CLI), hence synchronous sqlite3.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from purrr_server.store.migrate import connect

LOCAL_USERNAME = "local"


def token_known(db_path: Path, token_hash: str) -> bool:
    """Whether a bearer token with this digest exists."""
    with closing(connect(db_path)) as conn:
        row = conn.execute("SELECT 1 FROM tokens WHERE token_hash = ?", [token_hash]).fetchone()
        return row is not None


def add_local_token(db_path: Path, token_hash: str, now: str) -> int:
    """Create the local player if needed and give it a new token; return the player's id."""
    with closing(connect(db_path)) as conn, conn:
        conn.execute("BEGIN IMMEDIATE")
        user_id = _local_user_id(conn, now)
        conn.execute(
            "INSERT INTO tokens (user_id, token_hash, kind, created_at) VALUES (?, ?, 'local', ?)",
            (user_id, token_hash, now),
        )
        return user_id


def _local_user_id(conn: sqlite3.Connection, now: str) -> int:
    row = conn.execute("SELECT id FROM users WHERE is_local = 1 ORDER BY id LIMIT 1").fetchone()
    if row is not None:
        return int(row[0])
    cursor = conn.execute(
        "INSERT INTO users (username, role, tier, is_local, created_at)"
        " VALUES (?, 'admin', 'enterprise', 1, ?)",
        (LOCAL_USERNAME, now),
    )
    return int(cursor.lastrowid or 0)
