"""Care interactions (who, what, when, how it felt): the raw material of behaviour insights."""

from __future__ import annotations

from typing import Any

from purrr_server.store.base import Repository


class InteractionRepository(Repository):
    async def append(self, user_id: int, cat_id: int, interaction: dict[str, Any], now: str) -> int:
        """Store `effects["interaction"]` of a care action."""
        return await self.insert(
            "INSERT INTO interactions (user_id, cat_id, type, activity, kind, hour,"
            " happiness_delta, mood_before, created_at, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                cat_id,
                interaction["type"],
                interaction["activity"],
                interaction["kind"],
                interaction["hour"],
                interaction["happiness_delta"],
                interaction.get("mood_before"),
                now,
                self.version,
            ),
        )

    async def for_cat(self, user_id: int, cat_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            "SELECT id, cat_id, type, activity, kind, hour, happiness_delta, mood_before,"
            " created_at, row_version FROM interactions WHERE user_id = ? AND cat_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (user_id, cat_id, limit),
        )
        return [dict(row) for row in rows]
