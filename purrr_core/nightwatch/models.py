"""Night Watch data: the cats on patrol, the night, zones, and what happened (encounters, strays…)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.models import Cat
from purrr_core.nightwatch.rewards import patrol_reward
from purrr_core.nightwatch.rules import rules
from purrr_core.pacing import condition

PatrolStatus = Literal["active", "completed", "recalled"]
AlertType = Literal["bobcat_sighting", "stray_in_danger", "emergency"]
AlertLevel = Literal["low", "medium", "high", "critical"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NightWatchConfig(_Frozen):
    """Server-configurable limits: the night window (local hours), deployment limit, tick length,
    and the player's time zone (`tz`) the window is read in (purrr_core.clock)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    start_hour: int = Field(default_factory=lambda: rules().window.start_hour, ge=0, le=23)
    end_hour: int = Field(default_factory=lambda: rules().window.end_hour, ge=0, le=23)
    max_cats: int = Field(default_factory=lambda: rules().window.max_cats, ge=1)
    tick_minutes: int = Field(default_factory=lambda: rules().window.tick_minutes, ge=5, le=120)
    #: The player's time zone: the window's hours and the time-of-day schedules are read in it.
    tz: tzinfo = UTC

    def window_text(self) -> str:
        return f"{self.start_hour:02d}:00 and {self.end_hour:02d}:00"


class PatrolCat(_Frozen):
    """What the patrol needs to know about a cat, snapshotted at deployment."""

    id: int
    name: str
    personality_type: str
    level: int = Field(ge=1, le=50)
    energy: int = Field(ge=0, le=100)
    strength: int = Field(50, ge=0, le=100)
    agility: int = Field(50, ge=0, le=100)
    intelligence: int = Field(50, ge=0, le=100)
    charisma: int = Field(50, ge=0, le=100)
    social: int = Field(50, ge=0, le=100)
    special_id: str | None = None
    #: The role the player asked for; None means the personality's default role.
    role: str | None = None
    #: Fitness at deployment (hunger, health, cleanliness, happiness: purrr_core.pacing.condition).
    condition: float = Field(1.0, gt=0, le=1)

    @classmethod
    def from_cat(cls, cat: Cat, role: str | None = None) -> PatrolCat:
        """The patrol snapshot of a `purrr_core.Cat`."""
        return cls(
            id=cat.id,
            name=cat.name,
            personality_type=cat.personality_type,
            level=cat.level,
            energy=cat.energy,
            strength=cat.strength,
            agility=cat.agility,
            intelligence=cat.intelligence,
            charisma=cat.charisma,
            social=cat.social,
            special_id=cat.special_id,
            role=role,
            condition=round(condition(cat), 4),
        )


class Night(_Frozen):
    """One night's conditions: drawn once from the date and a seed."""

    date: date
    season: str
    weather: str
    mating_season: bool
    season_multiplier: float
    weather_multiplier: float
    #: Chance of a bobcat encounter per 30 minutes (before the area factor).
    bobcat_activity: float
    detection_factor: float
    rescue_need: float


class Zone(_Frozen):
    """A protection zone: bought with coins, it changes every patrol of its owner."""

    id: int = 0
    type: str
    name: str
    location: str
    radius: int
    cost: int = 0

    def coverage(self) -> float:
        """How strongly the zone acts: 0.625 at radius 25, 0.75 at 50, 1.0 at 100, 1.5 at 200."""
        table = rules().zone_radius
        return table["coverage_base"] + table["coverage_per_meter"] * self.radius

    def effect(self, name: str) -> float:
        return rules().zones[self.type].effects.get(name, 0.0) * self.coverage()


class Encounter(_Frozen):
    tick: int
    at: datetime
    activity_level: str
    activity: float
    threat_level: str
    early_warning: bool
    deter_chance: float
    deterred: bool
    cats_protected: int
    injuries: int
    injuries_prevented: int
    injured_cat_ids: tuple[int, ...] = ()
    alert_id: int | None = None


class Stray(_Frozen):
    id: int
    tick: int
    at: datetime
    name: str
    condition: int = Field(ge=1, le=100)
    needs_rescue: bool
    rescue_chance: float | None = None
    rescued: bool = False
    sheltered: bool = False

    @property
    def saved(self) -> bool:
        """Saved means taken to safety: rescued from danger, or sheltered."""
        return self.rescued or self.sheltered


class Alert(_Frozen):
    id: int
    type: AlertType
    level: AlertLevel
    message: str
    raised_at: datetime
    expires_at: datetime
    npc_responders: int = 0
    npc_response_minutes: int | None = None
    responded_at: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        return self.responded_at is None and now < self.expires_at


class PatrolEvent(_Frozen):
    at: datetime
    tick: int
    kind: str
    message: str


class CatResult(_Frozen):
    """Per cat: the role it played and what it earned so far (cat XP before personality scaling)."""

    cat_id: int
    name: str
    role: str
    effectiveness: float
    energy_spent: int
    xp: int = 0
    role_xp: int = 0
    bobcats_deterred: int = 0
    strays_saved: int = 0
    injuries: int = 0
    health_lost: int = 0


class Patrol(_Frozen):
    """A patrol: its inputs (cats, area, zones, night, seed) and everything simulated so far."""

    id: int = 0
    seed: int
    area: str
    cats: tuple[PatrolCat, ...]
    roles: dict[int, str]
    zones: tuple[Zone, ...]
    night: Night
    #: Deterrence difficulty multiplier from the player's reputation at deployment (≥ 1).
    threat: float = Field(1.0, ge=1)
    tick_minutes: int
    #: The player's time zone at deployment (purrr_core.clock.zone_name) and its offset from UTC
    #: then; clients show the patrol's times with them.
    timezone: str = "UTC"
    utc_offset_minutes: int = 0
    #: The local hour each tick starts at (time-of-day schedules), fixed at deployment.
    tick_hours: tuple[int, ...] = ()
    #: `ends_at` on the player's clock (HH:MM), for messages.
    ends_local: str = ""
    started_at: datetime
    ends_at: datetime
    status: PatrolStatus = "active"
    ended_at: datetime | None = None
    ticks_done: int = 0
    shelter_used: int = 0
    encounters: tuple[Encounter, ...] = ()
    strays: tuple[Stray, ...] = ()
    alerts: tuple[Alert, ...] = ()
    events: tuple[PatrolEvent, ...] = ()
    results: dict[int, CatResult] = Field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status == "active"

    def until(self) -> str:
        """When the patrol ends on the player's clock: `06:00 Europe/Berlin`."""
        if self.ends_local:
            return f"{self.ends_local} {self.timezone}"
        offset = timedelta(minutes=self.utc_offset_minutes)  # stored before ends_local
        return f"{(self.ends_at + offset):%H:%M} {self.timezone}"

    def summary(self) -> dict[str, Any]:
        """Headline numbers of the patrol so far (`coins_earned`: see `patrol_reward`) and the
        `personalities` of its cats (personality quests match on them)."""
        strays = self.strays
        return {
            "encounters": len(self.encounters),
            "deterred": sum(e.deterred for e in self.encounters),
            "injuries": sum(e.injuries for e in self.encounters),
            "injuries_prevented": sum(e.injuries_prevented for e in self.encounters),
            "strays_found": len(strays),
            "strays_needing_rescue": sum(s.needs_rescue for s in strays),
            "strays_rescued": sum(s.rescued for s in strays),
            "strays_sheltered": sum(s.sheltered for s in strays),
            "strays_saved": sum(s.saved for s in strays),
            "alerts": len(self.alerts),
            "xp": {cat_id: r.xp for cat_id, r in self.results.items()},
            "coins_earned": patrol_reward(self),
            "personalities": sorted({cat.personality_type for cat in self.cats}),
            #: False for a patrol that ended before a tick completed (it counts for nothing).
            "counted": self.ticks_done > 0,
        }
