"""Multiplayer rooms (migration 0015): rooms, their members, played rounds and live events.

Rooms belong to the server, not to a player: only `room_members` has a `user_id`, and it is
declared local only in store/sync.py (rooms never sync; they exist on hosted servers).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from purrr_server.store.base import Repository, dumps


def _room(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "type": row["type"],
        "status": row["status"],
        "rounds": row["rounds"],
        "last_round_at": row["last_round_at"],
        "created_at": row["created_at"],
        "closed_at": row["closed_at"],
    }


def _member(row: sqlite3.Row) -> dict[str, Any]:
    cat = json.loads(row["data"])
    return {
        "room_id": row["room_id"],
        "user_id": row["user_id"],
        "player": row["username"],
        "cat_id": row["cat_id"],
        "cat_name": cat["name"],
        "personality_type": cat["personality_type"],
        "level": cat["level"],
        "joined_at": row["joined_at"],
    }


#: Present members whose cat still exists (a released cat leaves every room with it).
_PRESENT = (
    " FROM room_members m JOIN cats c ON c.id = m.cat_id AND c.user_id = m.user_id"
    " WHERE m.left_at IS NULL"
)
_MEMBERS = (
    "SELECT m.room_id, m.user_id, u.username, m.cat_id, m.joined_at, c.data"
    + _PRESENT.replace(" WHERE", " JOIN users u ON u.id = m.user_id WHERE")
)


class RoomRepository(Repository):
    # --- rooms ---

    async def get(self, room_id: int) -> dict[str, Any] | None:
        row = await self.fetchone("SELECT * FROM rooms WHERE id = ?", (room_id,))
        return _room(row) if row else None

    async def open_rooms(
        self, room_type: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Open rooms, oldest first (optionally of one type)."""
        where, params = "status = 'open'", []
        if room_type is not None:
            where += " AND type = ?"
            params.append(room_type)
        rows = await self.fetchall(
            f"SELECT * FROM rooms WHERE {where} ORDER BY id LIMIT ?", (*params, limit)
        )
        return [_room(r) for r in rows]

    async def create(self, room_type: str, now: str) -> int:
        return await self.insert(
            "INSERT INTO rooms (type, status, rounds, created_at, row_version)"
            " VALUES (?, 'open', 0, ?, ?) RETURNING id",
            (room_type, now, self.version),
        )

    async def close(self, room_id: int, now: str) -> None:
        await self.execute(
            "UPDATE rooms SET status = 'closed', closed_at = ?, row_version = ? WHERE id = ?",
            (now, self.version, room_id),
        )

    # --- members ---

    async def members(self, room_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The players present in each room (with their cat), in joining order."""
        found: dict[int, list[dict[str, Any]]] = {room_id: [] for room_id in room_ids}
        if not room_ids:
            return found
        marks = ",".join("?" * len(room_ids))
        rows = await self.fetchall(f"{_MEMBERS} AND m.room_id IN ({marks}) ORDER BY m.id", room_ids)
        for row in rows:
            found[row["room_id"]].append(_member(row))
        return found

    async def rooms_of(self, user_id: int) -> list[int]:
        """The rooms `user_id` is in now."""
        rows = await self.fetchall(
            f"SELECT m.room_id{_PRESENT} AND m.user_id = ? ORDER BY m.id", (user_id,)
        )
        return [int(r["room_id"]) for r in rows]

    async def room_of_cat(self, cat_id: int) -> int | None:
        row = await self.fetchone(f"SELECT m.room_id{_PRESENT} AND m.cat_id = ?", (cat_id,))
        return int(row["room_id"]) if row else None

    async def add_member(self, room_id: int, user_id: int, cat_id: int, now: str) -> int:
        return await self.insert(
            "INSERT INTO room_members (room_id, user_id, cat_id, joined_at, row_version)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (room_id, user_id, cat_id, now, self.version),
        )

    async def remove_member(self, room_id: int, user_id: int, now: str) -> int | None:
        """Mark the player as gone from the room; the cat they had there, or None."""
        row = await self.fetchone(
            "SELECT id, cat_id FROM room_members"
            " WHERE room_id = ? AND user_id = ? AND left_at IS NULL",
            (room_id, user_id),
        )
        if row is None:
            return None
        await self.execute(
            "UPDATE room_members SET left_at = ?, row_version = ? WHERE id = ?",
            (now, self.version, row["id"]),
        )
        return int(row["cat_id"])

    # --- rounds ---

    async def add_round(
        self, room_id: int, activity: str, seed: int, result: dict[str, Any], now: str
    ) -> int:
        """Record a played round; returns its number in the room (1, 2, …)."""
        room = await self.fetchone("SELECT rounds FROM rooms WHERE id = ?", (room_id,))
        number = (int(room["rounds"]) if room else 0) + 1
        await self.insert(
            "INSERT INTO room_rounds (room_id, round, activity, seed, result, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (room_id, number, activity, seed, dumps(result), now),
        )
        await self.execute(
            "UPDATE rooms SET rounds = ?, last_round_at = ?, row_version = ? WHERE id = ?",
            (number, now, self.version, room_id),
        )
        return number

    async def rounds(self, room_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The room's latest rounds, newest first."""
        rows = await self.fetchall(
            "SELECT round, activity, seed, result, created_at FROM room_rounds"
            " WHERE room_id = ? ORDER BY round DESC LIMIT ?",
            (room_id, limit),
        )
        return [
            {
                "round": r["round"],
                "activity": r["activity"],
                "seed": r["seed"],
                "created_at": r["created_at"],
                **json.loads(r["result"]),
            }
            for r in rows
        ]

    # --- live events ---

    async def add_event(
        self, room_id: int, event_type: str, payload: dict[str, Any], now: str
    ) -> int:
        return await self.insert(
            "INSERT INTO room_events (room_id, version, type, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (room_id, self.version, event_type, dumps(payload), now),
        )

    async def events_since(
        self, room_id: int, version: int, limit: int = 500
    ) -> list[dict[str, Any]]:
        """The room's events above `version`, oldest first. A room's cursor is its events' own
        sequence (the row id), not a player's version: every member's actions write to the one
        channel, and players' versions are separate counters."""
        rows = await self.fetchall(
            "SELECT id, type, payload, created_at FROM room_events"
            " WHERE room_id = ? AND id > ? ORDER BY id LIMIT ?",
            (room_id, version, limit),
        )
        return [
            {
                "id": r["id"],
                "version": r["id"],
                "type": r["type"],
                "room_id": room_id,
                "payload": json.loads(r["payload"]),
                "created_at": r["created_at"],
            }
            for r in rows
        ]
