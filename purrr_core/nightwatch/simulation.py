"""Many nights at once, on copies of the cats: the balance report and `purrr nightwatch simulate`."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from purrr_core import clock
from purrr_core.errors import InvalidRequest
from purrr_core.models import Cat
from purrr_core.nightwatch.engine import advance_patrol, plan_night, start_patrol
from purrr_core.nightwatch.models import NightWatchConfig, Patrol, PatrolCat, Zone
from purrr_core.nightwatch.progress import new_record, record_patrol
from purrr_core.nightwatch.rules import rules
from purrr_core.nightwatch.zones import home_base

DEFAULT_START = date(2026, 1, 1)
#: Simulated cats set out rested every night.
FULL_ENERGY = 100
#: `Patrol.summary()` numbers that the simulation adds up over its nights.
_SUMMED = (
    "strays_found",
    "strays_sheltered",
    "strays_saved",
    "injuries",
    "injuries_prevented",
    "alerts",
    "coins_earned",
)


class RateRow(BaseModel):
    """Counts and a rate for one slice of the simulation (a threat level, a season…)."""

    model_config = ConfigDict(extra="forbid")

    encounters: int = 0
    deterred: int = 0
    strays_needing_rescue: int = 0
    strays_rescued: int = 0

    @property
    def deter_rate(self) -> float | None:
        return round(self.deterred / self.encounters, 4) if self.encounters else None

    @property
    def rescue_rate(self) -> float | None:
        if not self.strays_needing_rescue:
            return None
        return round(self.strays_rescued / self.strays_needing_rescue, 4)

    def as_dict(self) -> dict[str, Any]:
        return {**self.model_dump(), "deter_rate": self.deter_rate, "rescue_rate": self.rescue_rate}


class SimulationSummary(BaseModel):
    """What `nights` seeded patrols of the same cats did (the cats themselves are not changed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nights: int
    seed: int
    area: str
    start: date
    cats: list[dict[str, Any]]
    encounters: int
    deterred: int
    deter_rate: float | None
    strays_found: int
    strays_needing_rescue: int
    strays_rescued: int
    rescue_rate: float | None
    strays_sheltered: int
    strays_saved: int
    injuries: int
    injuries_prevented: int
    alerts: int
    xp: dict[int, int]
    by_role: dict[str, dict[str, Any]]
    by_threat_level: dict[str, dict[str, Any]]
    by_season: dict[str, dict[str, Any]]
    by_weather: dict[str, dict[str, Any]]
    achievements: list[str]
    score: int
    #: Coins the nights would have paid (`patrol_reward`), in total.
    coins_earned: int


def night_seed(seed: int, night: int) -> int:
    """The seed of night `night` of a simulation (independent of the other nights)."""
    return random.Random(f"simulate:{seed}:{night}").getrandbits(48)


def _as_patrol_cat(cat: PatrolCat | Cat) -> PatrolCat:
    return cat if isinstance(cat, PatrolCat) else PatrolCat.from_cat(cat)


def deploy_instant(day: date, config: NightWatchConfig) -> datetime:
    """21:00 local (the window's start) on `day`, as an aware UTC instant."""
    return clock.at_local(day, config.start_hour, config.tz)


def run_night(
    cats: Sequence[PatrolCat],
    day: date,
    seed: int,
    *,
    roles: Mapping[int, str] | None = None,
    area: str = "neighborhood",
    zones: Iterable[Zone] = (),
    config: NightWatchConfig | None = None,
    reputation: int = 0,
) -> Patrol:
    """One whole night: deploy at the start of the window and run to its end."""
    config = config or NightWatchConfig()
    now = deploy_instant(day, config)
    patrol = start_patrol(
        cats,
        now=now,
        seed=seed,
        roles=roles,
        area=area,
        zones=zones,
        config=config,
        night=plan_night(day, seed),
        reputation=reputation,
    )
    return advance_patrol(patrol, patrol.ends_at)


def simulate(
    cats: Sequence[PatrolCat | Cat],
    nights: int,
    seed: int,
    *,
    roles: Mapping[int, str] | None = None,
    area: str = "neighborhood",
    zones: Iterable[Zone] | None = None,
    start: date = DEFAULT_START,
    config: NightWatchConfig | None = None,
    reputation: int = 0,
) -> SimulationSummary:
    """Patrol the same cats for `nights` nights from `start`; each night starts rested.

    Works on snapshots: nothing is written back to the cats, every night they set out with full
    energy, and they do not level up between nights, so the summary measures this team as it is.
    `zones` defaults to the free Home Base; `reputation` (the player's, fixed for the run) sets how
    bold the bobcats are.
    """
    if nights < 1:
        raise InvalidRequest("simulate at least one night", details={"field": "nights"})
    team = [_as_patrol_cat(c).model_copy(update={"energy": FULL_ENERGY}) for c in cats]
    zone_list = [home_base()] if zones is None else list(zones)
    table = rules()
    record = new_record()
    total = RateRow()
    by_threat = {label["label"]: RateRow() for label in table.threat.labels}
    by_season = {s.id: RateRow() for s in table.seasons}
    by_weather = {w: RateRow() for w in table.weather}
    by_role: dict[str, dict[str, Any]] = {}
    xp: dict[int, int] = {c.id: 0 for c in team}
    totals = dict.fromkeys(_SUMMED, 0)
    patrol: Patrol | None = None
    for night in range(nights):
        day = start + timedelta(days=night)
        patrol = run_night(
            team,
            day,
            night_seed(seed, night),
            roles=roles,
            area=area,
            zones=zone_list,
            config=config,
            reputation=reputation,
        )
        record, _ = record_patrol(record, patrol, patrol.ends_at)
        night_summary = patrol.summary()
        for key in _SUMMED:
            totals[key] += night_summary[key]
        rows = (total, by_season[patrol.night.season], by_weather[patrol.night.weather])
        for encounter in patrol.encounters:
            for row in (*rows, by_threat[encounter.threat_level]):
                row.encounters += 1
                row.deterred += encounter.deterred
        for stray in patrol.strays:
            if stray.needs_rescue:
                for row in rows:
                    row.strays_needing_rescue += 1
                    row.strays_rescued += stray.rescued
        for result in patrol.results.values():
            xp[result.cat_id] += result.xp
            slot = by_role.setdefault(
                result.role, {"cats": 0, "xp": 0, "role_xp": 0, "bobcats_deterred": 0}
            )
            slot["xp"] += result.xp
            slot["role_xp"] += result.role_xp
            slot["bobcats_deterred"] += result.bobcats_deterred
    assert patrol is not None
    for role in by_role:
        by_role[role]["cats"] = sum(r == role for r in patrol.roles.values())
    return SimulationSummary(
        nights=nights,
        seed=seed,
        area=area,
        start=start,
        cats=[
            {
                "id": c.id,
                "name": c.name,
                "personality_type": c.personality_type,
                "level": c.level,
                "role": patrol.roles[c.id],
            }
            for c in team
        ],
        encounters=total.encounters,
        deterred=total.deterred,
        deter_rate=total.deter_rate,
        strays_needing_rescue=total.strays_needing_rescue,
        strays_rescued=total.strays_rescued,
        rescue_rate=total.rescue_rate,
        xp=xp,
        by_role=by_role,
        by_threat_level={k: v.as_dict() for k, v in by_threat.items()},
        by_season={k: v.as_dict() for k, v in by_season.items()},
        by_weather={k: v.as_dict() for k, v in by_weather.items()},
        achievements=[a.name for a in record.achievements],
        score=record.score,
        **totals,
    )
