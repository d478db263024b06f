"""Territories (0014): the ground each cat holds, its furniture, and who holds a place."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from purrr_server.store.base import Repository, dumps

_FIELDS = (
    "t.id, t.user_id, t.cat_id, t.type, t.location, t.furniture, t.claimed_at,"
    " c.name AS cat_name, c.data AS cat_data"
)
_JOIN = " FROM territories t JOIN cats c ON c.id = t.cat_id AND c.user_id = t.user_id"


def location_key(location: str) -> str:
    """How places are compared: trimmed, case-folded, inner spaces collapsed."""
    return " ".join(location.split()).casefold()


def _row(row: sqlite3.Row) -> dict[str, Any]:
    cat = json.loads(row["cat_data"])
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "cat_id": row["cat_id"],
        "type": row["type"],
        "location": row["location"],
        "furniture": list(json.loads(row["furniture"])),
        "claimed_at": row["claimed_at"],
        "cat_name": row["cat_name"],
        "cat_level": int(cat.get("level", 1)),
        "cat_personality": str(cat.get("personality_type", "")),
    }


class TerritoryRepository(Repository):
    async def get(self, territory_id: int) -> dict[str, Any] | None:
        """Territory `territory_id`, whoever holds it (challenges name other players' ground)."""
        row = await self.fetchone(f"SELECT {_FIELDS}{_JOIN} WHERE t.id = ?", (territory_id,))
        return _row(row) if row else None

    async def at(self, territory_type: str, location: str) -> dict[str, Any] | None:
        """The territory at this place, if anyone holds it."""
        row = await self.fetchone(
            f"SELECT {_FIELDS}{_JOIN} WHERE t.type = ? AND t.location_key = ?",
            (territory_type, location_key(location)),
        )
        return _row(row) if row else None

    async def for_user(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            f"SELECT {_FIELDS}{_JOIN} WHERE t.user_id = ? ORDER BY t.id", (user_id,)
        )
        return [_row(row) for row in rows]

    async def held_by_others(self, user_id: int, limit: int) -> list[dict[str, Any]]:
        """Ground other players' cats hold (what this player may challenge), newest first."""
        rows = await self.fetchall(
            f"SELECT {_FIELDS}{_JOIN} WHERE t.user_id <> ? ORDER BY t.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_row(row) for row in rows]

    async def for_cat(self, user_id: int, cat_id: int) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            f"SELECT {_FIELDS}{_JOIN} WHERE t.user_id = ? AND t.cat_id = ? ORDER BY t.id",
            (user_id, cat_id),
        )
        return [_row(row) for row in rows]

    async def add(
        self, user_id: int, cat_id: int, territory_type: str, location: str, now: str
    ) -> int:
        return await self.insert(
            "INSERT INTO territories (user_id, cat_id, type, location, location_key, furniture,"
            " claimed_at, row_version) VALUES (?, ?, ?, ?, ?, '[]', ?, ?) RETURNING id",
            (user_id, cat_id, territory_type, location, location_key(location), now, self.version),
        )

    async def set_furniture(self, user_id: int, territory_id: int, furniture: list[str]) -> None:
        await self.execute(
            "UPDATE territories SET furniture = ?, row_version = ? WHERE id = ? AND user_id = ?",
            (dumps(furniture), self.version, territory_id, user_id),
        )

    async def remove(self, user_id: int, territory_id: int, now: str) -> bool:
        """Delete a territory row of `user_id` (released or lost) and record the deletion."""
        deleted = await self.execute(
            "DELETE FROM territories WHERE id = ? AND user_id = ?", (territory_id, user_id)
        )
        if deleted:
            await self.tombstone("territories", territory_id, user_id, now)
        return deleted > 0
