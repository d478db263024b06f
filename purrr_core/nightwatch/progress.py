"""A player's running Night Watch record: totals, reputation, score, specializations, achievements."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from purrr_core.errors import Conflict
from purrr_core.levels import gain_xp, percent_done
from purrr_core.models import Cat
from purrr_core.nightwatch.engine import is_fast_response
from purrr_core.nightwatch.models import Alert, CatResult, Patrol
from purrr_core.nightwatch.rules import rules


class _Frozen(BaseModel):
    # "ignore": stored JSON carries the computed fields (levels, score…) back in
    model_config = ConfigDict(frozen=True, extra="ignore")


def role_level(role_xp: int) -> int:
    """Specialization level from role XP: level n needs 20·(n−1)² XP (level 20 at 7 220)."""
    table = rules().specialization
    return min(table["max_level"], 1 + math.isqrt(role_xp // table["xp_per_level_squared"]))


class Specialization(_Frozen):
    """One cat's Night Watch career (SPEC §2 guardian specialization)."""

    cat_id: int
    role_xp: dict[str, int] = Field(default_factory=dict)
    patrols: int = 0
    strays_saved: int = 0
    bobcats_deterred: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def levels(self) -> dict[str, int]:
        return {role: role_level(xp) for role, xp in self.role_xp.items()}

    def _ranked(self) -> list[str]:
        return [r for r, xp in sorted(self.role_xp.items(), key=lambda kv: (-kv[1], kv[0])) if xp]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def primary_role(self) -> str | None:
        ranked = self._ranked()
        return ranked[0] if ranked else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def secondary_role(self) -> str | None:
        ranked = self._ranked()
        return ranked[1] if len(ranked) > 1 else None


class EarnedAchievement(_Frozen):
    id: str
    name: str
    earned_at: datetime


class NightWatchRecord(_Frozen):
    """The player's night-watch system: running totals, reputation and what has been earned."""

    patrols: int = 0
    encounters: int = 0
    deterred: int = 0
    strays_found: int = 0
    strays_rescued: int = 0
    strays_sheltered: int = 0
    strays_saved: int = 0
    strays_rehabilitated: int = 0
    injuries: int = 0
    reputation: int = 0
    alerts_responded: int = 0
    critical_fast_responses: int = 0
    #: Zones owned, the free Home Base included.
    zones: int = 1
    #: "season:threat_level" pairs with at least one bobcat deterred (Bobcat Expert).
    deter_combinations: tuple[str, ...] = ()
    achievements: tuple[EarnedAchievement, ...] = ()
    specializations: dict[int, Specialization] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def protection_level(self) -> int:
        table = rules().protection_level
        return min(table["max"], 1 + self.reputation // table["reputation_per_level"])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> int:
        """saved·100 + encounters·50 + reputation·10 + patrols·25 + achievements·500."""
        weights = rules().score
        return (
            self.strays_saved * weights["saved"]
            + self.encounters * weights["encounters"]
            + self.reputation * weights["reputation"]
            + self.patrols * weights["patrols"]
            + len(self.achievements) * weights["achievements"]
        )

    def counters(self) -> dict[str, int]:
        """Every counter an achievement criterion may name."""
        guardian = max(
            (s.levels.get("guardian", 0) for s in self.specializations.values()), default=0
        )
        return {
            "patrols": self.patrols,
            "encounters": self.encounters,
            "deterred": self.deterred,
            "strays_saved": self.strays_saved,
            "strays_rescued": self.strays_rescued,
            "strays_rehabilitated": self.strays_rehabilitated,
            "reputation": self.reputation,
            "alerts_responded": self.alerts_responded,
            "zones": self.zones,
            "critical_fast_responses": self.critical_fast_responses,
            "deter_combinations": len(self.deter_combinations),
            "guardian_level": guardian,
        }


def new_record() -> NightWatchRecord:
    """A fresh night-watch system (protection level 1, counters 0, Home Base owned)."""
    return NightWatchRecord()


def achievement_progress(record: NightWatchRecord) -> list[dict[str, Any]]:
    """All ten achievements with current / required / percent and when earned."""
    counters = record.counters()
    earned = {a.id: a.earned_at for a in record.achievements}
    rows = []
    for rule in rules().achievements.values():
        current = counters[rule.counter]
        rows.append(
            {
                "id": rule.id,
                "name": rule.name,
                "description": rule.description,
                "current": min(current, rule.required),
                "required": rule.required,
                "percent": percent_done(current, rule.required),
                "earned": rule.id in earned,
                "earned_at": earned.get(rule.id),
            }
        )
    return rows


def award_achievements(
    record: NightWatchRecord, now: datetime
) -> tuple[NightWatchRecord, list[EarnedAchievement]]:
    """Earn every achievement whose criterion the record now meets (each once)."""
    counters = record.counters()
    have = {a.id for a in record.achievements}
    new = [
        EarnedAchievement(id=rule.id, name=rule.name, earned_at=now)
        for rule in rules().achievements.values()
        if rule.id not in have and counters[rule.counter] >= rule.required
    ]
    if not new:
        return record, []
    return record.model_copy(update={"achievements": (*record.achievements, *new)}), new


def record_patrol(
    record: NightWatchRecord, patrol: Patrol, now: datetime
) -> tuple[NightWatchRecord, list[EarnedAchievement]]:
    """Add an ended patrol to the running totals; returns the record and newly earned achievements."""
    if patrol.active:
        raise Conflict("the patrol is still under way; record it when it has ended")
    if patrol.ticks_done == 0:  # recalled before a tick ended: it counts for nothing
        return record, []
    table = rules().reputation
    deterred = [e for e in patrol.encounters if e.deterred]
    saved = sum(s.saved for s in patrol.strays)
    reputation = (
        (table["patrol_completed"] if patrol.status == "completed" else 0)
        + table["deterred"] * len(deterred)
        + table["deterred_critical"] * sum(e.threat_level == "critical" for e in deterred)
        + table["stray_saved"] * saved
    )
    combos = set(record.deter_combinations) | {
        f"{patrol.night.season}:{e.threat_level}" for e in deterred
    }
    specs = dict(record.specializations)
    for cat_id, result in patrol.results.items():
        specs[cat_id] = _specialize(specs.get(cat_id) or Specialization(cat_id=cat_id), result)
    updated = record.model_copy(
        update={
            "patrols": record.patrols + 1,
            "encounters": record.encounters + len(patrol.encounters),
            "deterred": record.deterred + len(deterred),
            "strays_found": record.strays_found + len(patrol.strays),
            "strays_rescued": record.strays_rescued + sum(s.rescued for s in patrol.strays),
            "strays_sheltered": record.strays_sheltered + sum(s.sheltered for s in patrol.strays),
            "strays_saved": record.strays_saved + saved,
            "strays_rehabilitated": record.strays_rehabilitated
            + sum(s.rescued and s.sheltered for s in patrol.strays),
            "injuries": record.injuries + sum(e.injuries for e in patrol.encounters),
            "reputation": record.reputation + reputation,
            "deter_combinations": tuple(sorted(combos)),
            "specializations": specs,
        }
    )
    return award_achievements(updated, now)


def _specialize(spec: Specialization, result: CatResult) -> Specialization:
    role_xp = dict(spec.role_xp)
    role_xp[result.role] = role_xp.get(result.role, 0) + result.role_xp
    return spec.model_copy(
        update={
            "role_xp": role_xp,
            "patrols": spec.patrols + 1,
            "strays_saved": spec.strays_saved + result.strays_saved,
            "bobcats_deterred": spec.bobcats_deterred + result.bobcats_deterred,
        }
    )


def record_alert_response(
    record: NightWatchRecord, alert: Alert, now: datetime
) -> tuple[NightWatchRecord, list[EarnedAchievement]]:
    """Count an answered alert (and a fast critical one) toward reputation and achievements."""
    updated = record.model_copy(
        update={
            "alerts_responded": record.alerts_responded + 1,
            "critical_fast_responses": record.critical_fast_responses + is_fast_response(alert),
            "reputation": record.reputation + rules().reputation["alert_responded"],
        }
    )
    return award_achievements(updated, now)


def record_zone(
    record: NightWatchRecord, now: datetime
) -> tuple[NightWatchRecord, list[EarnedAchievement]]:
    """Count a newly built zone (Zone Master)."""
    return award_achievements(record.model_copy(update={"zones": record.zones + 1}), now)


def apply_result(cat: Cat, result: CatResult) -> tuple[Cat, dict[str, object]]:
    """Give a cat what its patrol earned: XP (scaled by personality for 'patrol') and injuries."""
    updated, effects = gain_xp(cat, result.xp, "patrol")
    if result.health_lost:
        updated = updated.evolve(health=updated.health - result.health_lost)
        effects = {**effects, "health_lost": result.health_lost}
    return updated, effects
