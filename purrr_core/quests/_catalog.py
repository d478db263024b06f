"""The quest table (`purrr_core/data/quests.json`) as frozen models."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.catalog import load
from purrr_core.errors import choose_one

QuestType = Literal["daily", "seasonal", "personality", "achievement", "community"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Requirement(_Frozen):
    """Count `event`s (their amounts) whose attributes include `match`, up to `target`."""

    id: str
    event: str
    target: Decimal = Field(gt=0)
    match: dict[str, str] = Field(default_factory=dict)


class Rewards(_Frozen):
    """What claiming a quest gives: XP, coins, crypto amounts and store items."""

    xp: int = 0
    coins: int = 0
    currency: dict[str, Decimal] = Field(default_factory=dict)
    items: dict[str, int] = Field(default_factory=dict)

    def view(self) -> dict[str, object]:
        return {
            "xp": self.xp,
            "coins": self.coins,
            "currency": {code: f"{amount:f}" for code, amount in self.currency.items()},
            "items": dict(self.items),
        }


class Quest(_Frozen):
    id: str
    type: QuestType
    name: str
    description: str
    requirements: list[Requirement]
    rewards: Rewards
    months: list[int] = Field(default_factory=list)
    personality: str | None = None
    community_target: int | None = None


@cache
def quests() -> dict[str, Quest]:
    """Every quest by id."""
    return {row["id"]: Quest.model_validate(row) for row in load("quests")["quests"]}


@cache
def event_types() -> dict[str, str]:
    """The events that can advance quests, with what each means."""
    return dict(load("quests")["events"])


@cache
def seasons() -> dict[str, list[int]]:
    return {name: list(months) for name, months in load("quests")["seasons"].items()}


def quest(quest_id: str) -> Quest:
    """The quest `quest_id`, or 'unknown quest …; choose one of …'."""
    table = quests()
    if quest_id not in table:
        raise choose_one("quest", quest_id, tuple(table))
    return table[quest_id]
