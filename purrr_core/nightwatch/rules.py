"""The Night Watch rule tables (`purrr_core/data/nightwatch.json`) as frozen, typed models."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.catalog import load, special_cats


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Role(_Frozen):
    id: str
    name: str
    description: str
    stats: tuple[str, ...]


class Area(_Frozen):
    id: str
    name: str
    bobcat_factor: float
    stray_factor: float


class ZoneType(_Frozen):
    id: str
    name: str
    cost: int
    effects: dict[str, float]


class Season(_Frozen):
    id: str
    months: tuple[int, ...]
    weather: dict[str, float]


class Weather(_Frozen):
    id: str
    activity: float
    detection: float
    rescue_need: float


class AchievementRule(_Frozen):
    id: str
    name: str
    description: str
    counter: str
    required: int


class WindowDefaults(_Frozen):
    start_hour: int
    end_hour: int
    max_cats: int
    tick_minutes: int


class Effectiveness(_Frozen):
    level_base: float
    level_step: float
    stat_scale: float
    energy_base: float
    energy_scale: float


class ReputationScale(_Frozen):
    per_100_reputation: float = Field(ge=0)
    max: float = Field(ge=1)


class Threat(_Frozen):
    base_activity: float
    reputation_scale: ReputationScale
    activity_levels: dict[str, float]
    activity_weights: dict[str, float]
    mating_activity_weights: dict[str, float]
    activity_jitter: float
    labels: tuple[dict[str, Any], ...]

    def scale(self, reputation: int) -> float:
        """How much harder bobcats are to deter for a player with this reputation (≥ 1)."""
        rule = self.reputation_scale
        return min(rule.max, 1 + rule.per_100_reputation * max(0, reputation) / 100)

    def label(self, activity: float) -> str:
        """Threat label for an activity value: > 0.7 critical, > 0.4 high, else medium."""
        for row in self.labels:
            if activity > float(row["above"]):
                return str(row["label"])
        return str(self.labels[-1]["label"])


class Resolution(_Frozen):
    difficulty: float
    detection_weight: float
    coordination_weight: float
    support_weight: float
    zone_detection_per_meter: float
    zone_response_weight: float
    scout_weight: float
    alarm_weight: float
    injury_chance: float
    injury_health_loss: int
    injury_prevention_detection: float
    injury_prevention_healer: float
    injury_prevention_protection: float
    stray_counts: dict[int, float]
    stray_found_base: float
    stray_found_detection: float
    rescue_healer_weight: float
    rescue_coordination_weight: float
    rescue_support_weight: float
    rescue_condition_base: float
    needs_rescue_condition: tuple[int, int]
    healthy_condition: tuple[int, int]
    danger_below: int
    npc_response_base: float
    npc_response_coordination: float
    npc_response_zone: float
    npc_minutes: tuple[int, int]
    alert_expires_minutes: int
    fast_response_minutes: int


class CoinRewards(_Frozen):
    """Coins a settled patrol earns: per bobcat deterred, per stray saved, for a full night."""

    deterred: int = Field(ge=0)
    stray_saved: int = Field(ge=0)
    patrol_completed: int = Field(ge=0)


class SpecialAbility(_Frozen):
    forced_role: str | None = None
    protection_multiplier: float = 1.0
    detection_bonus: float = 0.0
    coordination_bonus: float = 0.0

    def role_multiplier(self, role: str) -> float:
        """The special cat's own boost in a role: Bandit guards ×2, Luna scouts, RyCat alarms."""
        return {
            "guardian": self.protection_multiplier,
            "scout": 1 + self.detection_bonus,
            "alarm": 1 + self.coordination_bonus,
        }.get(role, 1.0)


class Rules(_Frozen):
    """Everything the engine reads, validated once per process."""

    window: WindowDefaults
    energy: dict[str, int]
    roles: dict[str, Role]
    personality_roles: dict[str, str]
    fit_bonus: float
    effectiveness: Effectiveness
    areas: dict[str, Area]
    zones: dict[str, ZoneType]
    zone_radius: dict[str, float]
    home_base: dict[str, Any]
    seasons: tuple[Season, ...]
    mating_season: dict[str, Any]
    weather: dict[str, Weather]
    threat: Threat
    resolution: Resolution
    stray_names: tuple[str, ...]
    xp: dict[str, dict[str, dict[str, int]]]
    specialization: dict[str, int]
    coin_rewards: CoinRewards
    reputation: dict[str, int]
    protection_level: dict[str, int]
    score: dict[str, int]
    achievements: dict[str, AchievementRule]
    special_abilities: dict[str, SpecialAbility] = Field(default_factory=dict)

    def season_of(self, month: int) -> Season:
        return next(s for s in self.seasons if month in s.months)

    def is_mating_season(self, month: int) -> bool:
        return month in self.mating_season["months"]


def _strip_docs(value: Any) -> Any:
    """Drop the `_doc`-style commentary keys the JSON carries for human readers."""
    if isinstance(value, dict):
        return {k: _strip_docs(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_strip_docs(v) for v in value]
    return value


def _by_id(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {row["id"]: row for row in rows}


@cache
def rules() -> Rules:
    """The validated Night Watch tables (cached; read once per process)."""
    raw: dict[str, Any] = _strip_docs(load("nightwatch"))
    for key in ("roles", "areas", "zones", "weather", "achievements"):
        raw[key] = _by_id(raw[key])
    raw["special_abilities"] = {
        cat_id: SpecialAbility.model_validate(spec.nightwatch)
        for cat_id, spec in special_cats().items()
    }
    return Rules.model_validate(raw)
