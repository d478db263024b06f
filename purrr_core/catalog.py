"""The content catalogue: rule tables shipped as JSON in `purrr_core/data`, validated into frozen models."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

TimeOfDay = Literal["morning", "afternoon", "evening", "night"]
SCHEDULE_LEVELS = {"high": 1.2, "moderate": 1.0, "low": 0.8}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Personality(_Frozen):
    id: str
    name: str
    energy_use: float
    energy_gain: float
    happiness_baseline: int
    #: Scales happiness lost to care the cat dislikes (a bath): calm personalities mind less.
    dislike_factor: float = 1.0
    happiness: dict[str, float]
    xp: dict[str, float]
    growth: dict[str, int]
    schedule: dict[TimeOfDay, Literal["high", "moderate", "low"]]

    def happiness_multiplier(self, kind: str) -> float:
        return self.happiness.get(kind, 1.0)

    def xp_multiplier(self, kind: str) -> float:
        return self.xp.get(kind, 1.0)

    def activity_level(self, hour: int) -> float:
        """Energy level factor by time of day (morning 6–12, afternoon 12–18, evening 18–22, night)."""
        return self.level_in(time_of_day(hour))

    def level_in(self, period: TimeOfDay) -> float:
        """Energy level factor in `period` of the day (the personality's schedule)."""
        return SCHEDULE_LEVELS[self.schedule[period]]


class Food(_Frozen):
    id: str
    satiation: int
    happiness: int
    energy: int
    #: Health and mood restored per portion (chicken: lean protein; milk calms).
    health: int = 0
    mood: int = 0
    #: The feed XP multiplier (premium cat food: a complete diet).
    xp: float = 1.0
    #: Catnip and honeysuckle: scaled by the cat's response to that stimulant, and may excite.
    stimulant: Literal["catnip", "honeysuckle"] | None = None


class Grooming(_Frozen):
    id: str
    cleanliness: int
    happiness: int
    health: int
    xp: int


class PlayKind(_Frozen):
    id: str
    energy: int
    happiness: int
    satiation: int
    xp: int
    stat: str


class TrainingCommand(_Frozen):
    id: str
    difficulty: int
    energy: int
    xp: int


class StimulantResponse(_Frozen):
    id: str
    weight: int
    catnip: float
    honeysuckle: float


class MoodFactor(_Frozen):
    at_zero: float
    span: float


class StimulantRule(_Frozen):
    threshold: float
    energy: float
    happiness: float
    excited_minutes: int


class FeedRule(_Frozen):
    xp_per_portion: float


class PlayRule(_Frozen):
    stat_chance_per_10_min: float


class PetRule(_Frozen):
    happiness: float
    mood: float
    social_chance: float
    xp: float


class RestRule(_Frozen):
    refused_at_energy: int
    energy: float
    happiness: float
    xp: float


class TrainSuccess(_Frozen):
    base: float
    skill_divisor: float
    difficulty_divisor: float
    mood_divisor: float
    min: float
    max: float


class TrainRule(_Frozen):
    training_base: int
    training_per_difficulty: int
    intelligence_from_difficulty: int
    happiness: float
    failure_xp_divisor: float
    success: TrainSuccess


class TreatRule(_Frozen):
    calm_happiness: float
    xp: float


class CareRules(_Frozen):
    """The numbers the care actions use (`care.json` → `rules`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    full_at: int
    mood_factor: MoodFactor
    stimulant: StimulantRule
    feed: FeedRule
    play: PlayRule
    pet: PetRule
    rest: RestRule
    train: TrainRule
    treat: TreatRule


class Unlock(_Frozen):
    counter: str
    required: int
    description: str


class SpecialCat(_Frozen):
    id: str
    name: str
    title: str | None = None
    breed: str
    personality_type: str
    sex: Literal["male", "female"]
    rarity: str
    level: int
    unlock: Unlock
    game_bonuses: dict[str, float]
    nightwatch: dict[str, Any]


def time_of_day(hour: int) -> TimeOfDay:
    if 6 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 22:
        return "evening"
    return "night"


@cache
def load(name: str) -> Any:
    """The raw JSON table `purrr_core/data/<name>.json` (cached; read once per process)."""
    return json.loads(
        resources.files("purrr_core.data").joinpath(f"{name}.json").read_text("utf-8")
    )


def _table(model: type[_Frozen], name: str, key: str) -> dict[str, Any]:
    return {row["id"]: model.model_validate(row) for row in load(name)[key]}


@cache
def personalities() -> dict[str, Personality]:
    return _table(Personality, "personalities", "personalities")


@cache
def foods() -> dict[str, Food]:
    return _table(Food, "foods", "foods")


@cache
def portions() -> dict[str, float]:
    return dict(load("foods")["portions"])


@cache
def grooming_kinds() -> dict[str, Grooming]:
    return _table(Grooming, "care", "grooming")


@cache
def play_kinds() -> dict[str, PlayKind]:
    return _table(PlayKind, "care", "play")


@cache
def training_commands() -> dict[str, TrainingCommand]:
    return _table(TrainingCommand, "care", "training")


@cache
def stimulant_responses() -> dict[str, StimulantResponse]:
    return _table(StimulantResponse, "care", "stimulant_responses")


@cache
def care_rules() -> CareRules:
    return CareRules.model_validate(load("care")["rules"])


@cache
def special_cats() -> dict[str, SpecialCat]:
    return _table(SpecialCat, "special_cats", "special_cats")


def personality(personality_id: str) -> Personality:
    from purrr_core.errors import choose_one

    table = personalities()
    if personality_id not in table:
        raise choose_one("personality", personality_id, tuple(table))
    return table[personality_id]
