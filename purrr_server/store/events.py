"""Events: what happened to a player's world, in the player's version order (live stream and
polling; a stream resumes after the last version it saw, `Last-Event-ID`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from purrr_server.store.base import Repository, dumps


class EventRepository(Repository):
    async def append(self, user_id: int, event_type: str, payload: dict[str, Any], now: str) -> int:
        return await self.insert(
            "INSERT INTO events (user_id, version, type, payload, created_at, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, self.version, event_type, dumps(payload), now, self.version),
        )

    async def append_many(
        self, user_id: int, events: Sequence[tuple[str, dict[str, Any]]], now: str
    ) -> list[int]:
        """`append` for each (type, payload), in one statement (an action's events)."""
        version = self.version
        return await self.insert_many(
            "events",
            ("user_id", "version", "type", "payload", "created_at", "row_version"),
            [(user_id, version, kind, dumps(payload), now, version) for kind, payload in events],
        )

    async def since(self, user_id: int, version: int, limit: int = 500) -> list[dict[str, Any]]:
        """The user's events with a version above `version`, oldest first."""
        rows = await self.fetchall(
            "SELECT id, version, type, payload, created_at FROM events"
            " WHERE user_id = ? AND version > ? ORDER BY version, id LIMIT ?",
            (user_id, version, limit),
        )
        return [
            {
                "id": r["id"],
                "version": r["version"],
                "type": r["type"],
                "payload": json.loads(r["payload"]),
                "created_at": r["created_at"],
            }
            for r in rows
        ]

    async def player_version(self, user_id: int) -> int:
        """The player's last committed version (their events and sync cursor)."""
        row = await self.fetchone(
            "SELECT version FROM player_versions WHERE user_id = ?", (user_id,)
        )
        return int(row[0]) if row else 0

    async def highest_version(self) -> int:
        """The highest version of any player."""
        row = await self.fetchone("SELECT MAX(version) FROM player_versions")
        return int(row[0]) if row and row[0] is not None else 0
