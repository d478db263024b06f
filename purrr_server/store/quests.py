"""Quest progress (one row per player and quest) and player counters."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from purrr_core.quests import QuestProgress, QuestState
from purrr_server.store.base import Repository, dumps


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class QuestProgressRepository(Repository):
    async def load(self, user_id: int) -> QuestState:
        rows = await self.fetchall(
            "SELECT quest_id, period, progress, completed_at, claimed_at FROM quest_progress"
            " WHERE user_id = ?",
            (user_id,),
        )
        return QuestState(
            quests={
                row["quest_id"]: QuestProgress(
                    period=row["period"],
                    progress={k: Decimal(v) for k, v in json.loads(row["progress"]).items()},
                    completed_at=row["completed_at"],
                    claimed_at=row["claimed_at"],
                )
                for row in rows
            }
        )

    async def save(self, user_id: int, before: QuestState, after: QuestState) -> None:
        """Write the quests whose progress changed."""
        for quest_id, row in after.quests.items():
            if before.quests.get(quest_id) == row:
                continue
            await self.execute(
                "INSERT INTO quest_progress (user_id, quest_id, period, progress, completed_at,"
                " claimed_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, quest_id) DO UPDATE SET period = excluded.period,"
                " progress = excluded.progress, completed_at = excluded.completed_at,"
                " claimed_at = excluded.claimed_at, row_version = excluded.row_version",
                (
                    user_id,
                    quest_id,
                    row.period,
                    dumps({k: str(v) for k, v in row.progress.items()}),
                    _stamp(row.completed_at),
                    _stamp(row.claimed_at),
                    self.version,
                ),
            )

    async def community_totals(self, quest_ids: list[str]) -> dict[str, Decimal]:
        """Everyone's progress on each community quest (sum over players and requirements)."""
        totals = {quest_id: Decimal(0) for quest_id in quest_ids}
        if not quest_ids:
            return totals
        marks = ",".join("?" * len(quest_ids))
        rows = await self.fetchall(
            f"SELECT quest_id, progress FROM quest_progress WHERE quest_id IN ({marks})", quest_ids
        )
        for row in rows:
            totals[row["quest_id"]] += sum(
                (Decimal(v) for v in json.loads(row["progress"]).values()), Decimal(0)
            )
        return totals


class CounterRepository(Repository):
    async def all(self, user_id: int) -> dict[str, int]:
        rows = await self.fetchall(
            "SELECT counter, value FROM player_counters WHERE user_id = ?", (user_id,)
        )
        return {row["counter"]: int(row["value"]) for row in rows}

    async def add(self, user_id: int, counter: str, amount: int) -> None:
        await self.execute(
            "INSERT INTO player_counters (user_id, counter, value, row_version) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, counter) DO UPDATE SET value = player_counters.value + excluded.value,"
            " row_version = excluded.row_version",
            (user_id, counter, amount, self.version),
        )
