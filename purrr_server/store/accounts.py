"""Whole-account operations (GDPR): export every row a user owns, or erase them all.

Both discover the user-owned tables from the schema (every table with a `user_id` column), so
tables added by later migrations are covered without touching this module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from purrr_server.store.base import Repository

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


def export_user(db_path: Path, user_id: int) -> dict[str, Any]:
    """Every row owned by `user_id`, table by table (sync; run it in a worker thread)."""
    import sqlite_utils  # only here: exports are rare, start-up is not

    db = sqlite_utils.Database(db_path)
    try:
        users = db["users"].rows_where("id = ?", [user_id])
        out: dict[str, Any] = {"users": [_public_row(r) for r in users]}
        for table in db.tables:
            if table.name in PRIVATE_TABLES or "user_id" not in table.columns_dict:
                continue
            rows = table.rows_where("user_id = ?", [user_id], order_by="rowid")
            out[table.name] = [_public_row(r) for r in rows]
        return out
    finally:
        db.close()


class AccountRepository(Repository):
    async def user_tables(self) -> list[str]:
        """Every table with a `user_id` column."""
        rows = await self.fetchall(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
            " WHERE m.type = 'table' AND c.name = 'user_id' ORDER BY m.name"
        )
        return [row[0] for row in rows]

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
