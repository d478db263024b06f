"""The patrol engine: plan a night, deploy a patrol, catch it up tick by tick, recall it.

Each tick's chances come from its own `random.Random` seeded by (patrol seed, tick index), and a
tick reads only the patrol state left by the previous tick, so advancing to 06:00 in one call gives
exactly the patrol that stepping every 30 minutes gives.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import cache, lru_cache

from purrr_core import clock
from purrr_core.catalog import TimeOfDay, personality, time_of_day
from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.nightwatch.models import (
    Alert,
    AlertLevel,
    AlertType,
    CatResult,
    Encounter,
    Night,
    NightWatchConfig,
    Patrol,
    PatrolCat,
    PatrolEvent,
    Stray,
    Zone,
)
from purrr_core.nightwatch.rules import rules

HALF_HOUR = 30.0


# --- the clock -------------------------------------------------------------------------------


def local_time(now: datetime, config: NightWatchConfig) -> datetime:
    """`now` on the player's clock the night window is read in (aware, in `config.tz`)."""
    if now.utcoffset() is None:
        raise InvalidRequest("times must be timezone-aware (UTC)", details={"field": "now"})
    return clock.local(now, config.tz)


def in_window(now: datetime, config: NightWatchConfig | None = None) -> bool:
    """True when patrols may be deployed: from start_hour:00 up to (not including) end_hour:00."""
    config = config or NightWatchConfig()
    local = local_time(now, config)
    minute = local.hour * 60 + local.minute
    start, end = config.start_hour * 60, config.end_hour * 60
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def check_window(now: datetime, config: NightWatchConfig | None = None) -> None:
    """Refuse outside the night window, saying the hours."""
    config = config or NightWatchConfig()
    if not in_window(now, config):
        local = local_time(now, config)
        raise Conflict(
            f"Night patrols can only be deployed between {config.window_text()} "
            f"(it is {local:%H:%M})",
            details={
                "window": {
                    "start": f"{config.start_hour:02d}:00",
                    "end": f"{config.end_hour:02d}:00",
                },
                "local_time": f"{local:%H:%M}",
            },
        )


def window_end(now: datetime, config: NightWatchConfig) -> datetime:
    """The next end of the night window after `now` (aware UTC; a summer-time change during the
    night makes it an hour longer or shorter, as the player's clock says)."""
    local = local_time(now, config)
    end = clock.at_local(local.date(), config.end_hour, config.tz)
    if end <= now:
        end = clock.at_local(local.date() + timedelta(days=1), config.end_hour, config.tz)
    return end


def night_date(now: datetime, config: NightWatchConfig | None = None) -> date:
    """The evening date a night belongs to (03:00 on the 24th belongs to the night of the 23rd)."""
    config = config or NightWatchConfig()
    local = local_time(now, config)
    if local.hour < 12:
        return (local - timedelta(days=1)).date()
    return local.date()


# --- the night -------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    names = [name for name, weight in weights.items() if weight > 0]
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def plan_night(day: date, seed: int) -> Night:
    """The conditions of the night of `day`: season, weather, bobcat activity (seeded, pure)."""
    table = rules()
    rng = random.Random(f"night:{seed}:{day.isoformat()}")
    season = table.season_of(day.month)
    weather = table.weather[_weighted(rng, season.weather)]
    mating = table.is_mating_season(day.month)
    season_multiplier = float(table.mating_season["multiplier"]) if mating else 1.0
    return Night(
        date=day,
        season=season.id,
        weather=weather.id,
        mating_season=mating,
        season_multiplier=season_multiplier,
        weather_multiplier=weather.activity,
        bobcat_activity=round(table.threat.base_activity * weather.activity * season_multiplier, 4),
        detection_factor=weather.detection,
        rescue_need=weather.rescue_need,
    )


# --- roles and team strength ---------------------------------------------------------------


def default_role(personality_type: str) -> str:
    """The role a personality is suited to (and gets the fit bonus in)."""
    return rules().personality_roles[personality_type]


def resolve_role(cat: PatrolCat, requested: str | None = None) -> str:
    """The cat's role: forced by a special ability, else requested, else its personality's default."""
    table = rules()
    wanted = requested or cat.role
    if wanted is not None and wanted not in table.roles:
        raise choose_one("role", wanted, tuple(table.roles))
    ability = table.special_abilities.get(cat.special_id or "")
    if ability is not None and ability.forced_role is not None:
        if wanted is not None and wanted != ability.forced_role:
            raise InvalidRequest(
                f"{cat.name} is always a {ability.forced_role}; it cannot patrol as {wanted}",
                details={"field": "roles", "cat_id": cat.id, "value": wanted},
            )
        return ability.forced_role
    return wanted or default_role(cat.personality_type)


def energy_cost(cat: PatrolCat) -> int:
    """Energy a cat spends to go on patrol (scaled by its personality's energy use)."""
    return round(rules().energy["deploy_cost"] * personality(cat.personality_type).energy_use)


def effectiveness(cat: PatrolCat, role: str, hour: int) -> float:
    """How much a cat adds to its role: level · stats · personality fit · night schedule · energy
    · condition (a hungry, sick, dirty or unhappy cat patrols worse)."""
    return _effectiveness(cat, role, time_of_day(hour))


@lru_cache(maxsize=4096)
def _effectiveness(cat: PatrolCat, role: str, period: TimeOfDay) -> float:
    # cached: a simulated year asks the same question for the same cat thousands of times
    table = rules()
    eff = table.effectiveness
    level_factor = eff.level_base + eff.level_step * cat.level
    stats = table.roles[role].stats
    stat_factor = sum(int(getattr(cat, s)) for s in stats) / len(stats) / eff.stat_scale
    fit = table.fit_bonus if default_role(cat.personality_type) == role else 1.0
    schedule = personality(cat.personality_type).level_in(period)
    energy = eff.energy_base + cat.energy / eff.energy_scale
    value = level_factor * stat_factor * fit * schedule * energy * cat.condition
    ability = table.special_abilities.get(cat.special_id or "")
    if ability is not None:
        value *= ability.role_multiplier(role)
    return value


@dataclass(frozen=True)
class Team:
    """The patrol's strength at one time of day, zones and night included."""

    power: dict[str, float]
    by_cat: dict[int, float]
    detection: float
    coordination: float
    protection: float
    healing: float
    shelter_capacity: int
    npc_zone: float
    alert_speed: float

    def others(self, role: str) -> float:
        return sum(v for r, v in self.power.items() if r != role)


def team_strength(patrol: Patrol, hour: int) -> Team:
    """Sum the cats' effectiveness by role and fold in zones, special abilities and weather."""
    table = rules()
    res = table.resolution
    power = dict.fromkeys(table.roles, 0.0)
    by_cat: dict[int, float] = {}
    detection_raw = coordination_raw = 0.0
    # special senses close that share of the gap to certainty (Luna 0.4: 60 % → 76 %)
    detection_gap = coordination_gap = 1.0
    for cat in patrol.cats:
        role = patrol.roles[cat.id]
        value = effectiveness(cat, role, hour)
        by_cat[cat.id] = value
        power[role] += value
        ability = table.special_abilities.get(cat.special_id or "")
        if ability is not None:
            detection_gap *= 1 - ability.detection_bonus
            coordination_gap *= 1 - ability.coordination_bonus
    detection_raw += res.scout_weight * power["scout"]
    coordination_raw += res.alarm_weight * power["alarm"]
    protection = healing = npc_zone = 0.0
    alert_speed = 1.0
    capacity = 0
    for zone in patrol.zones:
        detection_raw += zone.effect("detection_range") * res.zone_detection_per_meter
        coordination_raw += zone.effect("response") * res.zone_response_weight
        npc_zone += zone.effect("response")
        protection += zone.effect("protection")
        healing += zone.effect("healing")
        effects = table.zones[zone.type].effects
        capacity += int(effects.get("shelters", 0) + effects.get("emergency_capacity", 0))
        alert_speed *= effects.get("alert_speed", 1.0)
    return Team(
        power=power,
        by_cat=by_cat,
        detection=(1 - math.exp(-detection_raw) * detection_gap) * patrol.night.detection_factor,
        coordination=1 - math.exp(-coordination_raw) * coordination_gap,
        protection=min(1.0, protection),
        healing=healing,
        shelter_capacity=capacity,
        npc_zone=npc_zone,
        alert_speed=alert_speed,
    )


# --- deployment ------------------------------------------------------------------------------


def _check_no_active_patrol(active_patrol: Patrol | None, config: NightWatchConfig) -> None:
    """Refuse a second patrol while one is under way, naming it, its cats and how to free them.

    One patrol per player at a time: strays and bobcat encounters are drawn per patrol, so
    splitting a team into one-cat patrols would multiply the draws and out-earn the same cats
    working together.
    """
    if active_patrol is None or not active_patrol.active:
        return
    names = ", ".join(cat.name for cat in active_patrol.cats)
    until = local_time(active_patrol.ends_at, config)
    raise Conflict(
        f"patrol #{active_patrol.id} is already under way with {names} (until {until:%H:%M}); "
        "recall it with `purrr nightwatch recall` or wait for it to end",
        details={
            "field": "cat_ids",
            "patrol_id": active_patrol.id,
            "cat_ids": [cat.id for cat in active_patrol.cats],
            "ends_at": active_patrol.ends_at.isoformat(),
        },
    )


def start_patrol(
    cats: Sequence[PatrolCat],
    *,
    now: datetime,
    seed: int,
    roles: Mapping[int, str] | None = None,
    area: str = "neighborhood",
    zones: Iterable[Zone] = (),
    config: NightWatchConfig | None = None,
    active_patrol: Patrol | None = None,
    night: Night | None = None,
    reputation: int = 0,
) -> Patrol:
    """Deploy `cats` now, after checking the window, the player's active patrol, the limit,
    duplicates, energy and roles.

    The patrol runs from `now` to the end of the night window in fixed ticks; nothing is simulated
    until `advance_patrol` is called with a later time. `active_patrol` is the player's patrol
    under way, if any: a player runs one patrol at a time (see `_check_no_active_patrol`).
    `reputation` is the player's: bobcats are bolder against a renowned watch (`Threat.scale`).
    """
    config = config or NightWatchConfig()
    table = rules()
    roles = dict(roles or {})
    check_window(now, config)
    _check_no_active_patrol(active_patrol, config)
    if not cats:
        raise InvalidRequest("choose at least one cat to deploy", details={"field": "cat_ids"})
    ids = [cat.id for cat in cats]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidRequest(
            f"each cat can be deployed once; repeated: {', '.join(map(str, duplicates))}",
            details={"field": "cat_ids", "duplicates": duplicates},
        )
    if len(cats) > config.max_cats:
        raise InvalidRequest(
            f"at most {config.max_cats} cats can go on one patrol (asked for {len(cats)})",
            details={"field": "cat_ids", "max": config.max_cats, "count": len(cats)},
        )
    tired = [c for c in cats if c.energy < max(table.energy["min_energy"], energy_cost(c))]
    if tired:
        need = table.energy["min_energy"]
        names = ", ".join(f"{c.name} (#{c.id}, energy {c.energy})" for c in tired)
        raise Conflict(
            f"too tired to patrol (needs energy {need}): {names}; let them rest first",
            details={"field": "cat_ids", "tired": [c.id for c in tired], "min_energy": need},
        )
    strangers = sorted(set(roles) - set(ids))
    if strangers:
        raise InvalidRequest(
            f"roles given for cats not in this patrol: {', '.join(map(str, strangers))}",
            details={"field": "roles", "cat_ids": strangers},
        )
    if area not in table.areas:
        raise choose_one("area", area, tuple(table.areas))
    resolved = {cat.id: resolve_role(cat, roles.get(cat.id)) for cat in cats}
    ends_at = window_end(now, config)
    night = night or plan_night(night_date(now, config), seed)
    zones = tuple(zones)
    patrol = Patrol(
        seed=seed,
        area=area,
        cats=tuple(cats),
        roles=resolved,
        zones=zones,
        night=night,
        threat=table.threat.scale(reputation),
        tick_minutes=config.tick_minutes,
        timezone=clock.zone_name(config.tz),
        utc_offset_minutes=_offset_minutes(now, config.tz),
        tick_hours=_tick_hours(now, ends_at, config),
        ends_local=f"{clock.local(ends_at, config.tz):%H:%M}",
        started_at=now,
        ends_at=ends_at,
    )
    hour = local_time(now, config).hour
    team = team_strength(patrol, hour)
    results = {
        cat.id: CatResult(
            cat_id=cat.id,
            name=cat.name,
            role=resolved[cat.id],
            effectiveness=round(team.by_cat[cat.id], 3),
            energy_spent=energy_cost(cat),
        )
        for cat in cats
    }
    roster = ", ".join(f"{c.name} ({resolved[c.id]})" for c in cats)
    event = PatrolEvent(
        at=now,
        tick=0,
        kind="deployed",
        message=f"Deployed {len(cats)} cat(s) to the {table.areas[area].name.lower()}: {roster}. "
        f"{night.weather.capitalize()} {night.season} night"
        + (", mating season" if night.mating_season else "")
        + ".",
    )
    return patrol.model_copy(update={"results": results, "events": (event,)})


# --- ticks -----------------------------------------------------------------------------------


def tick_count(patrol: Patrol) -> int:
    """How many ticks the whole patrol has (the last one may be shorter)."""
    span = (patrol.ends_at - patrol.started_at).total_seconds()
    return max(1, math.ceil(span / (patrol.tick_minutes * 60)))


def tick_bounds(patrol: Patrol, tick: int) -> tuple[datetime, datetime]:
    """Start and end instants of tick `tick` (0-based); the last tick ends with the night."""
    step = timedelta(minutes=patrol.tick_minutes)
    start = patrol.started_at + step * tick
    return start, min(start + step, patrol.ends_at)


def _offset_minutes(now: datetime, tz: tzinfo) -> int:
    offset = clock.local(now, tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _tick_hours(start: datetime, end: datetime, config: NightWatchConfig) -> tuple[int, ...]:
    step = timedelta(minutes=config.tick_minutes)
    count = max(1, math.ceil((end - start) / step))
    return tuple(clock.local_hour(start + step * tick, config.tz) for tick in range(count))


def tick_hour(patrol: Patrol, tick: int) -> int:
    """The local hour tick `tick` starts at: fixed at deployment in the player's time zone
    (patrols stored before that kept only their offset from UTC)."""
    if tick < len(patrol.tick_hours):
        return patrol.tick_hours[tick]
    start = tick_bounds(patrol, tick)[0]
    return clock.local_hour(start, clock.fixed_zone(patrol.utc_offset_minutes))


def tick_rng(seed: int, tick: int) -> random.Random:
    """The tick's own random stream: independent of how (and how often) the patrol is read."""
    return random.Random(f"patrol:{seed}:{tick}")


@cache
def _xp_by_role(event: str) -> dict[str, tuple[int, int]]:
    """(cat XP, role XP) an event is worth to a cat in each role."""
    table = rules()
    cat_rule, role_rule = table.xp["cat"].get(event, {}), table.xp["role"].get(event, {})
    return {
        role: (cat_rule.get("all", 0) + cat_rule.get(role, 0), role_rule.get(role, 0))
        for role in table.roles
    }


@dataclass
class _Ledger:
    """Mutable accumulators for one catch-up, frozen back into the patrol at the end."""

    patrol: Patrol
    results: dict[int, dict[str, int]] = field(default_factory=dict)
    encounters: list[Encounter] = field(default_factory=list)
    strays: list[Stray] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    events: list[PatrolEvent] = field(default_factory=list)
    shelter_used: int = 0
    xp_events: Counter[str] = field(default_factory=Counter)

    @classmethod
    def open(cls, patrol: Patrol) -> _Ledger:
        counters = ("xp", "role_xp", "bobcats_deterred", "strays_saved", "injuries", "health_lost")
        return cls(
            patrol=patrol,
            results={i: {k: getattr(r, k) for k in counters} for i, r in patrol.results.items()},
            encounters=list(patrol.encounters),
            strays=list(patrol.strays),
            alerts=list(patrol.alerts),
            events=list(patrol.events),
            shelter_used=patrol.shelter_used,
        )

    def award(self, event: str, count: int = 1) -> None:
        """Count an XP-bearing event; its XP is shared out to the cats when the ledger closes."""
        self.xp_events[event] += count

    def share_xp(self) -> None:
        """Give every cat on patrol the cat XP and role XP the counted events are worth."""
        roles = self.patrol.roles
        for event, count in self.xp_events.items():
            gains = _xp_by_role(event)
            for cat_id, acc in self.results.items():
                xp, role_xp = gains[roles[cat_id]]
                acc["xp"] += count * xp
                acc["role_xp"] += count * role_xp
        self.xp_events.clear()

    def credit(self, counter: str, cat_ids: Iterable[int], amount: int = 1) -> None:
        for cat_id in cat_ids:
            self.results[cat_id][counter] += amount

    def note(self, at: datetime, tick: int, kind: str, message: str) -> None:
        self.events.append(PatrolEvent(at=at, tick=tick, kind=kind, message=message))

    def raise_alert(
        self,
        rng: random.Random,
        team: Team,
        at: datetime,
        kind: AlertType,
        level: AlertLevel,
        message: str,
    ) -> Alert:
        """Raise a community alert; NPC neighbours respond (offline) by coordination and zones."""
        res = rules().resolution
        chance = min(
            0.95,
            res.npc_response_base
            + res.npc_response_coordination * team.coordination
            + res.npc_response_zone * team.npc_zone,
        )
        responders = sum(rng.random() < chance for _ in range(3))
        low, high = res.npc_minutes
        minutes = rng.randint(low, high)
        alert = Alert(
            id=len(self.alerts) + 1,
            type=kind,
            level=level,
            message=message,
            raised_at=at,
            expires_at=at + timedelta(minutes=res.alert_expires_minutes),
            npc_responders=responders,
            npc_response_minutes=(
                max(1, round(minutes * (1 - 0.5 * team.coordination) * team.alert_speed))
                if responders
                else None
            ),
        )
        self.alerts.append(alert)
        self.award("alert_raised")
        return alert


def _roll_encounter(
    ledger: _Ledger, rng: random.Random, team: Team, tick: int, at: datetime
) -> None:
    """A bobcat appears: detect it, try to deter it, count injuries, raise an alert."""
    table = rules()
    threat, res, patrol = table.threat, table.resolution, ledger.patrol
    weights = (
        threat.mating_activity_weights if patrol.night.mating_season else threat.activity_weights
    )
    level = _weighted(rng, weights)
    jitter = rng.uniform(-threat.activity_jitter, threat.activity_jitter)
    activity = round(min(1.0, max(0.01, threat.activity_levels[level] + jitter)), 3)
    label = threat.label(activity)
    early = rng.random() < team.detection
    power = team.power
    strength = power["guardian"] * (
        1 + res.detection_weight * early + res.coordination_weight * team.coordination
    ) + res.support_weight * team.others("guardian")
    chance = 1 - math.exp(-strength / (res.difficulty * activity * patrol.threat))
    deterred = rng.random() < chance
    healer_cover = 1 - math.exp(-power["healer"])
    prevention = 1 - (
        (1 - res.injury_prevention_detection * early)
        * (1 - res.injury_prevention_healer * healer_cover)
        * (1 - res.injury_prevention_protection * team.protection)
    )
    injured: list[int] = []
    prevented = 0
    for cat in patrol.cats:
        if rng.random() >= res.injury_chance * activity:
            continue
        if deterred or rng.random() < prevention:
            prevented += 1
        else:
            injured.append(cat.id)
    ledger.award("encounter")
    if early:
        ledger.award("early_warning")
    if deterred:
        ledger.award("deterred")
        guardians = [c for c, r in patrol.roles.items() if r == "guardian"] or list(patrol.roles)
        ledger.credit("bobcats_deterred", guardians)
    ledger.award("injury_prevented", prevented)
    ledger.credit("injuries", injured)
    ledger.credit("health_lost", injured, res.injury_health_loss)
    outcome = "deterred" if deterred else "not deterred"
    names = {c.id: c.name for c in patrol.cats}
    hurt = f"; injured: {', '.join(names[i] for i in injured)}" if injured else ""
    message = (
        f"Bobcat ({label} threat, {level} activity {activity:.2f})"
        f"{' spotted early by the scouts' if early else ''} — {outcome}{hurt}"
    )
    if label == "critical":
        alert = ledger.raise_alert(
            rng,
            team,
            at,
            "emergency",
            "critical",
            f"Emergency: critical bobcat threat in the {patrol.area}",
        )
    else:
        alert_level: AlertLevel = (
            "high" if label == "high" else ("low" if level == "low" else "medium")
        )
        alert = ledger.raise_alert(
            rng,
            team,
            at,
            "bobcat_sighting",
            alert_level,
            f"Bobcat sighted in the {patrol.area} ({label} threat)",
        )
    ledger.encounters.append(
        Encounter(
            tick=tick,
            at=at,
            activity_level=level,
            activity=activity,
            threat_level=label,
            early_warning=early,
            deter_chance=round(chance, 4),
            deterred=deterred,
            cats_protected=len(patrol.cats) - len(injured),
            injuries=len(injured),
            injuries_prevented=prevented,
            injured_cat_ids=tuple(injured),
            alert_id=alert.id,
        )
    )
    ledger.note(at, tick, "encounter", message)


def _roll_strays(
    ledger: _Ledger, rng: random.Random, team: Team, tick: int, at: datetime, fraction: float
) -> None:
    """0–3 strays wander by; found ones are checked, rescued if they need it, and sheltered."""
    table = rules()
    res, patrol = table.resolution, ledger.patrol
    counts = res.stray_counts
    count = rng.choices(list(counts), weights=list(counts.values()))[0]
    if not count:
        return
    found_chance = min(
        1.0,
        (res.stray_found_base + res.stray_found_detection * team.detection)
        * table.areas[patrol.area].stray_factor
        * min(1.0, fraction),
    )
    power = team.power
    for _ in range(count):
        if rng.random() >= found_chance:
            continue
        name = _stray_name(rng, table.stray_names, {s.name for s in ledger.strays})
        needs = rng.random() < patrol.night.rescue_need
        low, high = res.needs_rescue_condition if needs else res.healthy_condition
        condition = rng.randint(low, high)
        rescue_chance: float | None = None
        rescued = False
        if needs:
            care = (
                res.rescue_healer_weight * power["healer"]
                + team.healing
                + res.rescue_coordination_weight * team.coordination
                + res.rescue_support_weight * team.others("healer")
            )
            rescue_chance = round(
                1 - math.exp(-care * (res.rescue_condition_base + condition / 100)), 4
            )
            rescued = rng.random() < rescue_chance
        sheltered = (rescued or not needs) and ledger.shelter_used < team.shelter_capacity
        if sheltered:
            ledger.shelter_used += 1
        stray = Stray(
            id=len(ledger.strays) + 1,
            tick=tick,
            at=at,
            name=name,
            condition=condition,
            needs_rescue=needs,
            rescue_chance=rescue_chance,
            rescued=rescued,
            sheltered=sheltered,
        )
        ledger.strays.append(stray)
        ledger.award("stray_found")
        if rescued:
            ledger.award("stray_rescued")
        if sheltered:
            ledger.award("stray_sheltered")
        if stray.saved:
            ledger.credit("strays_saved", patrol.roles)
        state = (
            "rescued and sheltered"
            if rescued and sheltered
            else "rescued"
            if rescued
            else "sheltered"
            if sheltered
            else "needs help, rescue failed"
            if needs
            else "healthy, no shelter space"
        )
        ledger.note(at, tick, "stray", f"Stray {name} found (condition {condition}) — {state}")
        if needs and not rescued:
            level: AlertLevel = "high" if condition < res.danger_below else "medium"
            ledger.raise_alert(
                rng,
                team,
                at,
                "stray_in_danger",
                level,
                f"Stray {name} in danger in the {patrol.area} (condition {condition})",
            )


def _stray_name(rng: random.Random, names: Sequence[str], taken: set[str]) -> str:
    """A name not yet used on this patrol (numbered once the list runs out)."""
    free = [n for n in names if n not in taken]
    if free:
        return rng.choice(free)
    base = rng.choice(names)
    return f"{base} {sum(t.startswith(base) for t in taken) + 1}"


def _run_tick(ledger: _Ledger, tick: int, start: datetime, end: datetime, team: Team) -> None:
    patrol = ledger.patrol
    fraction = (end - start).total_seconds() / 60 / HALF_HOUR
    rng = tick_rng(patrol.seed, tick)
    p30 = min(0.95, patrol.night.bobcat_activity * rules().areas[patrol.area].bobcat_factor)
    encounter_chance = 1 - (1 - p30) ** fraction
    ledger.award("tick")
    if rng.random() < encounter_chance:
        _roll_encounter(ledger, rng, team, tick, end)
    _roll_strays(ledger, rng, team, tick, end, fraction)


def advance_patrol(patrol: Patrol, now: datetime) -> Patrol:
    """Simulate every tick that has ended by `now`; finish the patrol at the end of the night."""
    if not patrol.active:
        return patrol
    total = tick_count(patrol)
    tick = patrol.ticks_done
    if tick < total and tick_bounds(patrol, tick)[1] > now:
        return patrol
    ledger = _Ledger.open(patrol)
    teams: dict[str, Team] = {}
    while tick < total:
        start, end = tick_bounds(patrol, tick)
        if end > now:
            break
        hour = tick_hour(patrol, tick)
        period = time_of_day(hour)
        if period not in teams:
            teams[period] = team_strength(patrol, hour)
        _run_tick(ledger, tick, start, end, teams[period])
        tick += 1
    update: dict[str, object] = {}
    if tick >= total:
        ledger.award("completed")
        ledger.note(patrol.ends_at, tick, "completed", "The night is over: patrol complete.")
        update.update(status="completed", ended_at=patrol.ends_at)
    return _close(patrol, ledger, tick, update)


def _close(patrol: Patrol, ledger: _Ledger, tick: int, update: dict[str, object]) -> Patrol:
    ledger.share_xp()
    results = {
        cat_id: patrol.results[cat_id].model_copy(update=acc)
        for cat_id, acc in ledger.results.items()
    }
    return patrol.model_copy(
        update={
            "ticks_done": tick,
            "shelter_used": ledger.shelter_used,
            "results": results,
            "encounters": tuple(ledger.encounters),
            "strays": tuple(ledger.strays),
            "alerts": tuple(ledger.alerts),
            "events": tuple(ledger.events),
            **update,
        }
    )


def recall(patrol: Patrol, now: datetime) -> Patrol:
    """Bring the patrol home now: ticks that ended are simulated, the tick under way is dropped."""
    caught_up = advance_patrol(patrol, now)
    if not caught_up.active:
        raise Conflict(
            f"this patrol already ended ({caught_up.status} at {caught_up.ended_at:%H:%M} UTC); "
            "there is nothing to recall",
            details={"status": caught_up.status, "patrol_id": patrol.id},
        )
    ledger = _Ledger.open(caught_up)
    ledger.note(now, caught_up.ticks_done, "recalled", "Recalled: the cats are heading home.")
    return _close(caught_up, ledger, caught_up.ticks_done, {"status": "recalled", "ended_at": now})


def respond_alert(alert: Alert, now: datetime) -> Alert:
    """The player answers a community alert (once, before it expires)."""
    if alert.responded_at is not None:
        raise Conflict(
            f"alert {alert.id} was already answered at {alert.responded_at:%H:%M}",
            details={"alert_id": alert.id},
        )
    if now >= alert.expires_at:
        raise Conflict(
            f"alert {alert.id} expired at {alert.expires_at:%H:%M}", details={"alert_id": alert.id}
        )
    if now < alert.raised_at:
        raise Conflict(f"alert {alert.id} has not been raised yet", details={"alert_id": alert.id})
    return alert.model_copy(update={"responded_at": now})


def is_fast_response(alert: Alert) -> bool:
    """A critical alert answered within the fast-response limit (Emergency Responder)."""
    if alert.responded_at is None or alert.level != "critical":
        return False
    limit = timedelta(minutes=rules().resolution.fast_response_minutes)
    return alert.responded_at - alert.raised_at <= limit
