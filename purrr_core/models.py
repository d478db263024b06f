"""The cat: one pydantic model, the single description used by the rules, the API and `--json`."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

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


def clean_text(
    value: str,
    *,
    field: str = "name",
    max_length: int = 100,
    allow_empty: bool = False,
    multiline: bool = False,
) -> str:
    """Trim a label a player chose (cat, breed, zone, key or user name…) and refuse one that is
    empty, longer than `max_length` or holds control or format characters: ANSI escape
    sequences, bidirectional overrides, zero-width characters, lone surrogates. Labels reach
    other players' terminals (the leaderboard), so nothing in them may steer a terminal.
    `multiline` allows line breaks and tabs (descriptions)."""
    text = value.strip()
    low = 0 if allow_empty else 1
    if not low <= len(text) <= max_length:
        raise ValueError(f"{field} must be {low}–{max_length} characters after trimming")
    if text.isprintable():  # no Other (C*) character at all: the usual case, in C
        return text
    allowed = "\n\t" if multiline else ""
    if any(
        unicodedata.category(ch).startswith("C") and ch not in allowed and ch != ZERO_WIDTH_JOINER
        for ch in text
    ):
        raise ValueError(
            f"{field} must not contain control characters (escape sequences, zero-width or "
            "direction marks)"
        )
    return text


class Fatigue(BaseModel):
    """How tired a cat is of one action (see purrr_core.pacing): a level and when it was set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: float = Field(ge=0)
    at: datetime


def clean_name(value: str) -> str:
    """Trim a cat's name and refuse empty, over-long or control-character names."""
    return clean_text(value, field="name", max_length=100)


def _cleaner(
    max_length: int, *, allow_empty: bool = False, multiline: bool = False
) -> AfterValidator:
    def check(value: str) -> str:
        return clean_text(
            value,
            field="text",
            max_length=max_length,
            allow_empty=allow_empty,
            multiline=multiline,
        )

    return AfterValidator(check)


# Player-chosen labels, cleaned by `clean_text`: use these for every stored string a player
# names (breed, zone, key and user names, addresses…) in API and action models. The raw text
# may carry surrounding blanks; the trimmed text must fit.
#: 1–100 characters, one line, no control characters.
Label = Annotated[str, Field(max_length=300), _cleaner(100)]
#: The same, and may be empty (optional names such as an API key's).
LabelOrEmpty = Annotated[str, Field(max_length=300), _cleaner(100, allow_empty=True)]
#: 1–254 characters (e-mail addresses, wallet addresses).
LongLabel = Annotated[str, Field(max_length=500), _cleaner(254)]
#: Free text up to 2000 characters: line breaks and tabs allowed, other controls not.
Description = Annotated[
    str, Field(max_length=2200), _cleaner(2000, allow_empty=True, multiline=True)
]


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
