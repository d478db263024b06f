"""Withdrawals that settle (docs/economy.md): new states and the payout's details.

`status` gains `processing` (sent to the payout provider, amount debited), `settled`, `failed`
(amount refunded) and `rejected` (by the operator); the unused `completed` goes. New columns:
`provider` and `payout_id` (the provider's acknowledgement), `submitted_at`, `finished_at` and
`failure_reason`. SQLite cannot change a CHECK constraint in place, so the table is rebuilt from
its current definition (https://www.sqlite.org/lang_altertable.html#otheralter), keeping its
rows, its indexes and its id counter.
"""

from __future__ import annotations

import sqlite3

OLD_CHECK = "CHECK (status IN ('pending', 'completed', 'cancelled'))"
NEW_CHECK = (
    "CHECK (status IN ('pending', 'processing', 'settled', 'failed', 'cancelled', 'rejected'))"
)
NEW_COLUMNS = (
    "provider TEXT",
    "payout_id TEXT",
    "submitted_at TEXT",
    "finished_at TEXT",
    "failure_reason TEXT",
)


def upgrade(conn: sqlite3.Connection) -> None:
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'withdrawals'"
    ).fetchone()
    if OLD_CHECK not in sql:
        raise RuntimeError(f"unexpected withdrawals table: {sql}")
    columns = [row[1] for row in conn.execute("PRAGMA table_info(withdrawals)")]
    indexes = [
        row[0]
        for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'withdrawals' AND type = 'index'"
            " AND sql IS NOT NULL"
        )
    ]
    sequence = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'withdrawals'").fetchone()
    created = sql.replace(OLD_CHECK, NEW_CHECK)
    head, _, _ = created.rpartition(")")
    created = head.rstrip() + ",\n    " + ",\n    ".join(NEW_COLUMNS) + "\n)"
    created = created.replace('"withdrawals"', "withdrawals", 1)
    created = created.replace("withdrawals", "withdrawals_new", 1)
    conn.execute(created)
    listed = ", ".join(columns)
    selected = ", ".join(
        "CASE status WHEN 'completed' THEN 'settled' ELSE status END" if c == "status" else c
        for c in columns
    )
    conn.execute(f"INSERT INTO withdrawals_new ({listed}) SELECT {selected} FROM withdrawals")
    conn.execute("DROP TABLE withdrawals")
    conn.execute("ALTER TABLE withdrawals_new RENAME TO withdrawals")
    for statement in indexes:
        conn.execute(statement)
    conn.execute(
        "CREATE INDEX withdrawals_open ON withdrawals(status, id)"
        " WHERE status IN ('pending', 'processing')"
    )
    if sequence is not None:
        changed = conn.execute(
            "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'withdrawals'",
            (sequence[0],),
        ).rowcount
        if not changed:
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('withdrawals', ?)", (sequence[0],)
            )
