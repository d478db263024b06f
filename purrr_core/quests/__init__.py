"""Quests (SPEC §5): daily, seasonal, personality, achievement and community quests as data.

Actions anywhere call `record_event(state, QuestEvent(...), now)`; players `claim` completed
quests once per period.
"""

from purrr_core.quests._catalog import (
    Quest,
    QuestType,
    Requirement,
    Rewards,
    event_types,
    quest,
    quests,
    seasons,
)
from purrr_core.quests._engine import (
    QuestEvent,
    QuestProgress,
    QuestState,
    claim,
    current,
    period_key,
    quest_view,
    quest_views,
    record_event,
    resets_at,
    season_of,
)

__all__ = [
    "Quest",
    "QuestEvent",
    "QuestProgress",
    "QuestState",
    "QuestType",
    "Requirement",
    "Rewards",
    "claim",
    "current",
    "event_types",
    "period_key",
    "quest",
    "quest_view",
    "quest_views",
    "quests",
    "record_event",
    "resets_at",
    "season_of",
    "seasons",
]
