"""The action log: one row per applied action, with its arguments, seed and result."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository, dumps

_COLUMNS = (
    "id, user_id, cat_id, client_id, mutation_id, name, args, fingerprint, seed, status, result,"
    " created_at, version"
)


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """What the executor writes for one action."""

    user_id: int | None
    cat_id: int | None
    client_id: str | None
    mutation_id: int | None
    name: str
    args: dict[str, Any]
    fingerprint: str
    seed: int
    result: dict[str, Any]
    created_at: str


def action_json(row: sqlite3.Row) -> dict[str, Any]:
    """An action-log row as the API shows it."""
    out = dict(row)
    out["args"] = json.loads(row["args"])
    out["result"] = json.loads(row["result"])
    return out


class ActionRepository(Repository):
    async def append(self, record: ActionRecord) -> int:
        return await self.insert(
            "INSERT INTO actions (user_id, cat_id, client_id, mutation_id, name, args, fingerprint,"
            " seed, status, result, created_at, version, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?, ?) RETURNING id",
            (
                record.user_id,
                record.cat_id,
                record.client_id,
                record.mutation_id,
                record.name,
                dumps(record.args),
                record.fingerprint,
                record.seed,
                dumps(record.result),
                record.created_at,
                self.version,
                self.version,
            ),
        )

    async def by_mutation(
        self, user_id: int | None, client_id: str, mutation_id: int
    ) -> dict[str, Any] | None:
        """The action already applied for this sync mutation, if any."""
        # `user_id IS ?` is SQLite only: PostgreSQL rejects a parameter after IS.
        owner = "user_id IS NULL" if user_id is None else "user_id = ?"
        row = await self.fetchone(
            f"SELECT {_COLUMNS} FROM actions WHERE {owner} AND client_id = ? AND mutation_id = ?",
            (*([] if user_id is None else [user_id]), client_id, mutation_id),
        )
        return action_json(row) if row else None

    async def get(self, action_id: int) -> dict[str, Any] | None:
        row = await self.fetchone(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", (action_id,))
        return action_json(row) if row else None

    async def for_cat(
        self, user_id: int, cat_id: int, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The cat's action log, newest first."""
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM actions WHERE user_id = ? AND cat_id = ?"
            " ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, cat_id, limit, offset),
        )
        return [action_json(row) for row in rows]

    async def count_for_cat(self, user_id: int, cat_id: int) -> int:
        row = await self.fetchone(
            "SELECT COUNT(*) FROM actions WHERE user_id = ? AND cat_id = ?", (user_id, cat_id)
        )
        return int(row[0]) if row else 0
