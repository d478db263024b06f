"""The cat: one pydantic model, the single description used by the rules, the API and `--json`."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CORE_STATS = ("happiness", "energy", "hunger", "mood", "health", "cleanliness")
ADVANCED_STATS = ("intelligence", "strength", "agility", "charisma", "training", "social")
STAT_RANGES: dict[str, tuple[int, int]] = {
    **dict.fromkeys(CORE_STATS + ADVANCED_STATS, (0, 100)),
    "level": (1, 50),
}
#: Health never falls below this: neglect hurts, but cats never die (SPEC §1.2).
HEALTH_FLOOR = 10

Sex = Literal["male", "female"]
Stat = int


#: The zero-width joiner binds emoji into one picture (🐈‍⬛ is 🐈 + ZWJ + ⬛): allowed in names,
#: unlike other invisible format characters (bidi overrides and the like).
ZERO_WIDTH_JOINER = "\u200d"


class Fatigue(BaseModel):
    """How tired a cat is of one action (see purrr_core.pacing): a level and when it was set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: float = Field(ge=0)
    at: datetime


def clean_name(value: str) -> str:
    """Trim a cat's name and refuse empty, over-long or control-character names."""
    name = value.strip()
    if not 1 <= len(name) <= 100:
        raise ValueError("name must be 1–100 characters after trimming")
    if any(unicodedata.category(ch).startswith("C") and ch != ZERO_WIDTH_JOINER for ch in name):
        raise ValueError("name must not contain control characters")
    return name


class Cat(BaseModel):
    """A cat with every field of SPEC §1.1. Stats are integers kept within their ranges."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int = 0
    name: str
    species: Literal["cat"] = "cat"
    breed: str = "domestic_shorthair"
    personality_type: str
    special_id: str | None = None

    # genetics (filled by purrr_core.genetics)
    genotype: str | None = None
    sex: Sex = "female"
    sire_id: int | None = None
    dam_id: int | None = None
    generation: int = Field(0, ge=0)
    coi: float = Field(0.0, ge=0.0, le=1.0)
    mutations: list[str] = Field(default_factory=list)
    stimulant_response: str = "catnip_responder"

    # core stats
    happiness: Stat = Field(50, ge=0, le=100)
    energy: Stat = Field(100, ge=0, le=100)
    hunger: Stat = Field(0, ge=0, le=100, description="Satiation: 100 = full, 0 = starving.")
    mood: Stat = Field(50, ge=0, le=100)
    health: Stat = Field(100, ge=0, le=100)
    cleanliness: Stat = Field(100, ge=0, le=100)
    level: Stat = Field(1, ge=1, le=50)
    experience: int = Field(0, ge=0)

    # advanced stats
    intelligence: Stat = Field(50, ge=0, le=100)
    strength: Stat = Field(50, ge=0, le=100)
    agility: Stat = Field(50, ge=0, le=100)
    charisma: Stat = Field(50, ge=0, le=100)
    training: Stat = Field(0, ge=0, le=100)
    social: Stat = Field(50, ge=0, le=100)

    # state and care clock
    is_resting: bool = False
    excited_until: datetime | None = None
    description: str = ""
    is_public: bool = False
    born_at: datetime
    breeding_cooldown_until: datetime | None = None
    last_care_at: datetime | None = None
    last_fed_at: datetime | None = None
    last_played_at: datetime | None = None
    last_groomed_at: datetime | None = None
    last_treat_at: datetime | None = None
    #: Per-action fatigue (pet, rest, treat, play, train, groom, games): repeats wear thin.
    fatigue: dict[str, Fatigue] = Field(default_factory=dict)
    #: Time passing is applied in whole ticks up to this instant (see purrr_core.timeflow).
    decayed_at: datetime
    #: Fractions of a stat point (in thousandths) carried between ticks, so decay composes exactly.
    decay_carry: dict[str, int] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    version: int = Field(1, ge=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    def evolve(self, **changes: Any) -> Cat:
        """A copy with `changes` applied; stats are clamped to their ranges and the result validated."""
        for key, value in changes.items():
            if key in STAT_RANGES:
                low, high = STAT_RANGES[key]
                value = max(low, min(high, round(value)))
                if key == "health":
                    value = max(HEALTH_FLOOR, value)
                changes[key] = value
        return Cat.model_validate({**self.model_dump(), **changes})

    def stats(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in CORE_STATS}

    def advanced_stats(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ADVANCED_STATS}
