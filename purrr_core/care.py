"""Care actions (SPEC §1.4): pure functions `(cat, request, now, rng) -> (new cat, effects)`.

Every action first brings the cat to `now`, then applies its table-driven effects scaled by
personality and mood, grants XP, and reports exactly what changed plus the interaction it was.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from purrr_core import catalog, clock, pacing
from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.levels import gain_xp
from purrr_core.models import ADVANCED_STATS, CORE_STATS, Cat
from purrr_core.territory import NO_PERKS, Perks
from purrr_core.timeflow import advance

Effects = dict[str, Any]


def rules() -> catalog.CareRules:
    """The care numbers (`purrr_core/data/care.json` → `rules`)."""
    return catalog.care_rules()


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _one_of(kind: str, value: str, table: dict[str, Any]) -> str:
    if value not in table:
        raise choose_one(kind, value, tuple(table))
    return value


class FeedRequest(_Request):
    food_item: str = "premium_cat_food"
    quantity: int = Field(1, ge=1, le=10)
    portion: Literal["small", "normal", "large"] = "normal"

    @field_validator("food_item")
    @classmethod
    def _food(cls, v: str) -> str:
        return _one_of("food", v, catalog.foods())


class PlayRequest(_Request):
    game: str = "ball_toss"
    duration: int = Field(10, ge=1, le=120, description="Minutes of play; effects scale with it.")

    @field_validator("game")
    @classmethod
    def _game(cls, v: str) -> str:
        return _one_of("play game", v, catalog.play_kinds())


class GroomRequest(_Request):
    kind: str = "brushing"

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return _one_of("grooming kind", v, catalog.grooming_kinds())


class PetRequest(_Request):
    pass


class RestRequest(_Request):
    pass


class TrainRequest(_Request):
    command: str

    @field_validator("command")
    @classmethod
    def _command(cls, v: str) -> str:
        return _one_of("command", v, catalog.training_commands())


class TreatRequest(_Request):
    kind: Literal["catnip", "honeysuckle"]


def _mood_factor(cat: Cat) -> float:
    """A content cat enjoys care more: 0.8 at mood 0 up to 1.2 at mood 100 (the table's numbers)."""
    factor = rules().mood_factor
    return factor.at_zero + factor.span * cat.mood / 100


def whole(delta: float) -> int:
    """A change in whole points, halves rounded away from zero (−2.5 → −3, 2.5 → 3), so the
    same change lands the same on every starting value."""
    return int(math.copysign(math.floor(abs(delta) + 0.5), delta))


def landed(cat: Cat, stat: str, delta: float) -> int:
    """The change `delta` to `stat` as it lands: happiness and advanced-stat gains are soft-capped
    near the top (purrr_core.pacing), then rounded to whole points."""
    current = getattr(cat, stat)
    if stat == "happiness":
        delta = pacing.happiness_gain(current, delta)
    elif stat in ADVANCED_STATS:
        delta = pacing.stat_gain(current, delta)
    return whole(delta)


def apply_care(cat: Cat, changes: dict[str, float], now: datetime, extra: dict[str, Any]) -> Cat:
    """Apply stat deltas (soft-capped, whole points) and the `extra` fields, stamp the care times,
    bump the version."""
    update: dict[str, Any] = {k: getattr(cat, k) + landed(cat, k, v) for k, v in changes.items()}
    update.update(extra)
    update.update(updated_at=now, last_care_at=now, version=cat.version + 1)
    return cat.evolve(**update)


def finish_care(
    before: Cat,
    after: Cat,
    action: str,
    activity: str,
    kind: str,
    xp: float,
    now: datetime,
    extra: Effects | None = None,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    """Grant the XP, then report what changed since `before` and the interaction it was."""
    after, xp_effects = gain_xp(after, xp, kind)
    changed = {
        s: getattr(after, s) - getattr(before, s)
        for s in CORE_STATS + ADVANCED_STATS
        if getattr(after, s) != getattr(before, s)
    }
    effects: Effects = {
        "action": action,
        "changes": changed,
        **xp_effects,
        **(extra or {}),
        "new_stats": after.stats(),
        "interaction": {
            "type": action,
            "activity": activity,
            "kind": kind,
            "hour": clock.local_hour(now, tz),
            "happiness_delta": after.happiness - before.happiness,
            "mood_before": before.mood,
        },
    }
    return after, effects


def stimulant_factor(cat: Cat, stimulant: str) -> float:
    """The cat's response to catnip or honeysuckle (dual: the stronger of the two)."""
    response = catalog.stimulant_responses()[cat.stimulant_response]
    if stimulant == "dual":
        return max(response.catnip, response.honeysuckle)
    return float(getattr(response, stimulant))


def excite(changes: dict[str, float], extra: dict[str, Any], factor: float, now: datetime) -> bool:
    """A stimulant above the threshold excites the cat: adds energy and happiness to `changes`,
    sets `excited_until` in `extra`, and returns True; otherwise changes nothing."""
    rule = rules().stimulant
    if factor <= rule.threshold:
        return False
    changes["energy"] = changes.get("energy", 0) + rule.energy * factor
    changes["happiness"] = changes.get("happiness", 0) + rule.happiness * factor
    extra["excited_until"] = now + timedelta(minutes=rule.excited_minutes)
    return True


def _paced(cat: Cat, key: str, now: datetime) -> tuple[float, dict[str, Any]]:
    """The action's freshness now and the `extra` that records one more use of it."""
    return pacing.freshness(cat, key, now), {"fatigue": pacing.tire(cat, key, now)}


def _chance_points(rng: random.Random, cat: Cat, stat: str, tries: int, chance: float) -> int:
    """Points won in `tries` draws of `chance`, which shrinks near the stat's soft cap."""
    chance *= pacing.stat_gain(getattr(cat, stat), 1.0)
    return sum(1 for _ in range(tries) if rng.random() < chance)


def feed(
    cat: Cat,
    req: FeedRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    """Effects follow what the cat actually eats: a nearly full cat eats (and gains) little.
    Catnip and honeysuckle are stimulants: paced like treats, they may excite the cat."""
    cat = advance(cat, now)
    full_at = rules().full_at
    if cat.hunger >= full_at:
        raise Conflict(
            f"{cat.name} is full (satiation {cat.hunger}/100); feed again when it drops below {full_at}",
            details={"cat_id": cat.id, "hunger": cat.hunger},
        )
    food = catalog.foods()[req.food_item]
    pers = catalog.personality(cat.personality_type)
    amount = catalog.portions()[req.portion] * req.quantity
    extra: dict[str, Any] = {"last_fed_at": now, "is_resting": False}
    # Satiation scales with the portion only (the original wrongly scaled it by energy).
    nominal = food.satiation * amount
    satiation = min(100 - cat.hunger, round(nominal))
    changes: dict[str, float] = {"hunger": satiation}
    factor = 1.0
    excited = False
    if food.stimulant:
        factor = stimulant_factor(cat, food.stimulant)
        eaten, paced = _paced(cat, "treat", now)
        extra.update(paced, last_treat_at=now)
        if eaten > 0:
            excited = excite(changes, extra, factor * eaten, now)
    else:
        eaten = satiation / nominal if nominal else 1.0
    changes["happiness"] = changes.get("happiness", 0) + eaten * (
        food.happiness * amount * factor * pers.happiness_multiplier("care") * _mood_factor(cat)
    )
    changes["energy"] = changes.get("energy", 0) + eaten * (
        food.energy * amount * factor * pers.energy_gain
    )
    for stat in ("health", "mood"):
        if getattr(food, stat):
            changes[stat] = eaten * getattr(food, stat) * amount
    after = apply_care(cat, changes, now, extra)
    xp = rules().feed.xp_per_portion * req.quantity * eaten * food.xp
    after, effects = finish_care(cat, after, "feed", food.id, "care", xp, now, tz=tz)
    effects.update(
        hunger_restored=after.hunger - cat.hunger,
        happiness_gained=after.happiness - cat.happiness,
        energy_gained=after.energy - cat.energy,
        eaten=round(eaten, 3),
    )
    if food.stimulant:
        effects.update(stimulant_response=cat.stimulant_response, excited=excited)
    return after, effects


def play(
    cat: Cat,
    req: PlayRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    cat = advance(cat, now)
    game = catalog.play_kinds()[req.game]
    pers = catalog.personality(cat.personality_type)
    scale = req.duration / 10
    cost = round(-game.energy * scale * pers.energy_use)
    if cat.energy < cost:
        raise Conflict(
            f"{cat.name} is too tired to play {game.id} for {req.duration} min "
            f"(energy {cat.energy}, needs {cost}); let it rest or play for less time",
            details={"cat_id": cat.id, "energy": cat.energy, "needed": cost},
        )
    fresh, extra = _paced(cat, "play", now)
    activity_level = pers.activity_level(clock.local_hour(now, tz))
    climbing = perks.climbing_for(game.id)
    happiness = (
        game.happiness * scale * pers.happiness_multiplier("play") * _mood_factor(cat) * climbing
    )
    changes: dict[str, float] = {
        "energy": -cost,
        "happiness": happiness * activity_level * fresh,
        "hunger": game.satiation * scale,
    }
    # Each 10 minutes of play may train the game's stat by one point (30 % when fresh).
    chance = rules().play.stat_chance_per_10_min * fresh
    stat_points = _chance_points(rng, cat, game.stat, max(1, round(scale)), chance)
    if stat_points:
        extra[game.stat] = getattr(cat, game.stat) + stat_points
    extra.update(last_played_at=now, is_resting=False)
    after = apply_care(cat, changes, now, extra)
    after, effects = finish_care(
        cat,
        after,
        "play",
        game.id,
        "play",
        game.xp * scale * fresh * climbing,
        now,
        {"duration": req.duration, "freshness": round(fresh, 3)},
        tz=tz,
    )
    effects.update(
        energy_spent=cat.energy - after.energy, happiness_gained=after.happiness - cat.happiness
    )
    return after, effects


def groom(
    cat: Cat,
    req: GroomRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    cat = advance(cat, now)
    kind = catalog.grooming_kinds()[req.kind]
    pers = catalog.personality(cat.personality_type)
    fresh, extra = _paced(cat, "groom", now)
    happiness = float(kind.happiness)
    if happiness > 0:
        happiness *= pers.happiness_multiplier("care") * fresh
    else:
        happiness *= pers.dislike_factor  # calm cats mind a bath less
    changes = {"cleanliness": kind.cleanliness, "happiness": happiness, "health": kind.health}
    extra.update(last_groomed_at=now, is_resting=False)
    after = apply_care(cat, changes, now, extra)
    after, effects = finish_care(
        cat,
        after,
        "groom",
        kind.id,
        "care",
        kind.xp * fresh,
        now,
        {"freshness": round(fresh, 3)},
        tz=tz,
    )
    effects["cleanliness_gained"] = after.cleanliness - cat.cleanliness
    return after, effects


def pet(
    cat: Cat,
    req: PetRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    cat = advance(cat, now)
    pers = catalog.personality(cat.personality_type)
    rule = rules().pet
    fresh, extra = _paced(cat, "pet", now)
    happiness = rule.happiness * pers.happiness_multiplier("social") * _mood_factor(cat) * fresh
    if _chance_points(rng, cat, "social", 1, rule.social_chance * fresh):
        extra["social"] = cat.social + 1
    after = apply_care(cat, {"happiness": happiness, "mood": rule.mood * fresh}, now, extra)
    after, effects = finish_care(
        cat,
        after,
        "pet",
        "petting",
        "social",
        rule.xp * fresh,
        now,
        {"freshness": round(fresh, 3)},
        tz=tz,
    )
    effects["happiness_gained"] = after.happiness - cat.happiness
    return after, effects


def rest(
    cat: Cat,
    req: RestRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    cat = advance(cat, now)
    rule = rules().rest
    if cat.energy >= rule.refused_at_energy:
        raise Conflict(
            f"{cat.name} is not tired (energy {cat.energy}/100)",
            details={"cat_id": cat.id, "energy": cat.energy},
        )
    pers = catalog.personality(cat.personality_type)
    fresh, extra = _paced(cat, "rest", now)
    energy = rule.energy * pers.energy_gain * fresh * perks.rest
    happiness = rule.happiness * pers.happiness_multiplier("solitude") * fresh
    extra["is_resting"] = True
    after = apply_care(cat, {"energy": energy, "happiness": happiness}, now, extra)
    after, effects = finish_care(
        cat,
        after,
        "rest",
        "nap",
        "solitude",
        rule.xp * fresh,
        now,
        {"freshness": round(fresh, 3)},
        tz=tz,
    )
    effects.update(energy_gained=after.energy - cat.energy, resting=True)
    return after, effects


def train(
    cat: Cat,
    req: TrainRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    cat = advance(cat, now)
    command = catalog.training_commands()[req.command]
    pers = catalog.personality(cat.personality_type)
    cost = round(-command.energy * pers.energy_use)
    if cat.energy < cost:
        raise Conflict(
            f"{cat.name} is too tired to train (energy {cat.energy}, needs {cost})",
            details={"cat_id": cat.id, "energy": cat.energy, "needed": cost},
        )
    fresh, extra = _paced(cat, "train", now)
    chance = success_chance(cat, command.difficulty)
    success = rng.random() < chance
    rule = rules().train
    changes: dict[str, float] = {"energy": -cost}
    if success:
        points = rule.training_base + command.difficulty // rule.training_per_difficulty
        changes["training"] = points * fresh
        changes["intelligence"] = int(command.difficulty >= rule.intelligence_from_difficulty)
        changes["intelligence"] *= fresh
        changes["happiness"] = rule.happiness * pers.happiness_multiplier("training") * fresh
    extra["is_resting"] = False
    after = apply_care(cat, changes, now, extra)
    xp = (command.xp if success else command.xp / rule.failure_xp_divisor) * fresh
    after, effects = finish_care(
        cat,
        after,
        "train",
        command.id,
        "training",
        xp,
        now,
        {"success": success, "success_chance": round(chance, 3), "freshness": round(fresh, 3)},
        tz=tz,
    )
    return after, effects


def success_chance(cat: Cat, difficulty: int) -> float:
    """Training success: smarter, better-trained, happier cats learn harder commands."""
    rule = rules().train.success
    raw = (
        rule.base
        + (cat.intelligence + cat.training) / rule.skill_divisor
        - difficulty / rule.difficulty_divisor
        + cat.mood / rule.mood_divisor
    )
    return max(rule.min, min(rule.max, raw))


def treat(
    cat: Cat,
    req: TreatRequest,
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    cat = advance(cat, now)
    factor = stimulant_factor(cat, req.kind)
    fresh, extra = _paced(cat, "treat", now)
    changes: dict[str, float] = {}
    extra["last_treat_at"] = now
    rule = rules().treat
    excited = excite(changes, extra, factor * fresh, now)
    if excited:
        extra["is_resting"] = False
    else:
        changes["happiness"] = rule.calm_happiness * fresh
    after = apply_care(cat, changes, now, extra)
    after, effects = finish_care(
        cat,
        after,
        "treat",
        req.kind,
        "care",
        rule.xp * fresh,
        now,
        {
            "stimulant_response": cat.stimulant_response,
            "factor": factor,
            "excited": excited,
            "freshness": round(fresh, 3),
        },
        tz=tz,
    )
    effects.update(
        energy_gained=after.energy - cat.energy, happiness_gained=after.happiness - cat.happiness
    )
    return after, effects


Action = Callable[[Cat, Any, datetime, random.Random, Perks, tzinfo], tuple[Cat, Effects]]

#: The care actions by name, with the request model each takes.
ACTIONS: dict[str, tuple[type[_Request], Action]] = {
    "feed": (FeedRequest, feed),
    "play": (PlayRequest, play),
    "groom": (GroomRequest, groom),
    "pet": (PetRequest, pet),
    "rest": (RestRequest, rest),
    "train": (TrainRequest, train),
    "treat": (TreatRequest, treat),
}


def parse_request(action: str, args: dict[str, Any]) -> _Request:
    """Validate `args` for `action`, raising InvalidRequest that names the bad field and value."""
    if action not in ACTIONS:
        raise choose_one("action", action, tuple(ACTIONS))
    model = ACTIONS[action][0]
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or action
        raise InvalidRequest(
            f"invalid {field} {first.get('input')!r}: {first['msg']}",
            details={
                "field": field,
                "value": first.get("input"),
                "errors": [
                    {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in exc.errors()
                ],
            },
        ) from None


def perform(
    cat: Cat,
    action: str,
    args: dict[str, Any],
    now: datetime,
    rng: random.Random,
    perks: Perks = NO_PERKS,
    tz: tzinfo = UTC,
) -> tuple[Cat, Effects]:
    """Run care action `action` with raw `args` (as received from the API); `perks` are those of
    the territory the cat holds (purrr_core.territory.perks); `tz` is the player's time zone
    (activity schedules, the interaction's hour: purrr_core.clock)."""
    request = parse_request(action, args)
    return ACTIONS[action][1](cat, request, now, rng, perks, tz)
