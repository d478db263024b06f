"""Whole-account operations (GDPR): export every row a user owns, or erase them all.

Both discover the user-owned tables from the schema (every table with a `user_id` column), so
tables added by later migrations are covered without touching this module.
"""

from __future__ import annotations

import json
from typing import Any

from purrr_server.store.base import Repository, Session

#: Columns never exported: secrets are stored only as hashes, and even those stay private.
SECRET_SUFFIXES = ("_hash",)
#: Tables never exported: bookkeeping that holds other requests' stored responses.
PRIVATE_TABLES = frozenset({"idempotency_keys"})


def decode_json(value: Any) -> Any:
    """A JSON column's value decoded (an object or list); any other value as it is."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _public_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: decode_json(v) for k, v in row.items() if not k.endswith(SECRET_SUFFIXES)}


async def export_user(session: Session, user_id: int) -> dict[str, Any]:
    """Every row owned by `user_id`, table by table (plain SQL: both databases)."""
    return await session.accounts.export(user_id)


def _row_dict(row: Any) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}


class AccountRepository(Repository):
    async def export(self, user_id: int) -> dict[str, Any]:
        """Every row owned by `user_id` (secret columns and private tables left out), table by
        table; rows in id order, or by their columns where a table has no id."""
        users = await self.fetchall("SELECT * FROM users WHERE id = ?", (user_id,))
        out: dict[str, Any] = {"users": [_public_row(_row_dict(r)) for r in users]}
        for table in await self.table_names():
            if table in PRIVATE_TABLES:
                continue
            columns = await self.columns(table)
            if "user_id" not in columns:
                continue
            order = "id" if "id" in columns else ", ".join(str(i + 1) for i in range(len(columns)))
            rows = await self.fetchall(
                f"SELECT * FROM {table} WHERE user_id = ? ORDER BY {order}", (user_id,)
            )
            out[table] = [_public_row(_row_dict(r)) for r in rows]
        return out

    async def user_tables(self) -> list[str]:
        """Every table with a `user_id` column."""
        return [name for name in await self.table_names() if "user_id" in await self.columns(name)]

    async def erase(self, user_id: int) -> dict[str, int]:
        """Delete everything `user_id` owns, then the account; rows deleted per table."""
        deleted: dict[str, int] = {}
        # Register and login run before anyone is logged in, so their Idempotency-Key records
        # are filed under user 0; they hold this user's name and e-mail in the stored response.
        anonymous = await self.execute(
            "DELETE FROM idempotency_keys WHERE user_id = 0 AND action_id IN"
            " (SELECT id FROM actions WHERE user_id = ?)",
            (user_id,),
        )
        for table in await self.user_tables():
            deleted[table] = await self.execute(
                f"DELETE FROM {table} WHERE user_id = ?", (user_id,)
            )
        deleted["idempotency_keys"] = deleted.get("idempotency_keys", 0) + anonymous
        deleted["users"] = await self.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return deleted
