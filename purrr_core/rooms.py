"""Multiplayer rooms (SPEC §9): room types and the rules of the activities played in them.

A room gathers players, one cat each. A round of its activity is played for every cat present
(`play_round`), seeded by the caller's `random.Random` and timed by `now`:

- **contest**: one event is drawn; each cat scores its stats by the event's weights, plus its
  level, times its condition (`purrr_core.pacing.condition`) and its personality's competitive
  factor (territorial cats are better at competitive play), plus luck. Places pay coins.
- **romp** (playground): no ranking; every cat gains happiness, XP of kind `social`, a little of
  the social stat and a few coins.
- **patrol**: a joint Night Watch: the cats patrol one whole night together under the Night Watch
  rules (`purrr_core.nightwatch.run_night`); its coins are shared between the cats.

Every happiness gain in a room is scaled by the personality's `social` happiness factor (social
butterflies prefer multiplayer activities). Numbers come from `purrr_core/data/rooms.json`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.catalog import load, personality
from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.levels import gain_xp
from purrr_core.models import Cat
from purrr_core.pacing import condition, happiness_gain, stat_gain
from purrr_core.timeflow import advance

Activity = Literal["contest", "romp", "patrol"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RoomType(_Frozen):
    id: str
    name: str
    description: str
    activity: Activity
    min_cats: int = Field(ge=2)
    max_players: int = Field(ge=2)
    cooldown_seconds: int = Field(ge=0)


class ContestEvent(_Frozen):
    id: str
    name: str
    weights: dict[str, float]


class ByOutcome(_Frozen):
    first: int
    placed: int
    entered: int

    def get(self, outcome: str) -> int:
        return int(getattr(self, outcome))


class ContestRules(_Frozen):
    events: tuple[ContestEvent, ...]
    level_points: float
    luck: float = Field(ge=0)
    competitive: dict[str, float]
    prizes: tuple[int, ...]
    participation_coins: int = Field(ge=0)
    happiness: ByOutcome
    xp: ByOutcome
    energy_cost: int = Field(ge=0)


class RompRules(_Frozen):
    happiness: int
    xp: int
    coins: int = Field(ge=0)
    social_points: int = Field(ge=0)
    energy_cost: int = Field(ge=0)


class RoomRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    min_energy: int = Field(ge=0, le=100)
    types: tuple[RoomType, ...]
    contest: ContestRules
    romp: RompRules


@cache
def rules() -> RoomRules:
    return RoomRules.model_validate(load("rooms"))


def room_types() -> dict[str, RoomType]:
    return {t.id: t for t in rules().types}


def room_type(type_id: str) -> RoomType:
    """The room type `type_id`, or VALIDATION_ERROR listing the types."""
    types = room_types()
    if type_id not in types:
        raise choose_one("room type", type_id, tuple(types))
    return types[type_id]


class Entrant(_Frozen):
    """A player's cat in a room."""

    user_id: int
    player: str
    cat: Cat


class Placing(_Frozen):
    """What one cat did and earned in a round."""

    user_id: int
    player: str
    cat_id: int
    cat_name: str
    personality_type: str
    #: Contest place (1 = winner); None in a romp or patrol.
    place: int | None = None
    score: float | None = None
    coins: int = 0
    happiness_gained: int = 0
    xp_gained: int = 0
    energy_spent: int = 0
    leveled_up: dict[str, Any] | None = None
    #: Patrol only: bobcats this cat deterred, strays it saved.
    bobcats_deterred: int | None = None
    strays_saved: int | None = None


class Round(_Frozen):
    """One played round: its activity, what it was (event, patrol summary), each cat's placing
    (best first in a contest) and the cats after it."""

    activity: Activity
    event: dict[str, str] | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    placings: tuple[Placing, ...]
    cats: tuple[Cat, ...]

    def view(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"cats"})


def check_fit(cat: Cat, now: datetime) -> None:
    """Refuse (CONFLICT) a cat too tired to take part in a room (`min_energy`)."""
    need = rules().min_energy
    energy = advance(cat, now).energy
    if energy < need:
        raise Conflict(
            f"{cat.name} (#{cat.id}) is too tired for a room (energy {energy}, needs {need}); "
            "let it rest first (`purrr cats rest`)",
            details={"cat_id": cat.id, "energy": energy, "min_energy": need},
        )


def is_fit(cat: Cat, now: datetime) -> bool:
    return advance(cat, now).energy >= rules().min_energy


def contest_score(cat: Cat, event: ContestEvent) -> float:
    """The deterministic part of a cat's contest score for `event` (before luck)."""
    table = rules().contest
    skill = sum(weight * float(getattr(cat, stat)) for stat, weight in event.weights.items())
    skill += table.level_points * cat.level
    return skill * condition(cat) * table.competitive.get(cat.personality_type, 1.0)


def _energy(cat: Cat, cost: int) -> int:
    return min(cat.energy, round(cost * personality(cat.personality_type).energy_use))


def _reward(
    cat: Cat, *, happiness: int, xp: int, kind: str, energy: int, social: int = 0
) -> tuple[Cat, int, int, dict[str, Any] | None]:
    """The cat after a room round: happiness (social factor, soft cap), XP, energy spent.

    Returns the cat, the happiness and XP it gained and its level-up (if any)."""
    factor = personality(cat.personality_type).happiness_multiplier("social")
    gained = round(happiness_gain(cat.happiness, happiness * factor))
    changes: dict[str, Any] = {
        "happiness": cat.happiness + gained,
        "energy": cat.energy - energy,
    }
    if social:
        changes["social"] = cat.social + round(stat_gain(cat.social, social))
    after, effects = gain_xp(cat.evolve(**changes), xp, kind)
    leveled = effects.get("leveled_up")
    return (
        after,
        gained,
        int(str(effects["xp_gained"])),
        leveled if isinstance(leveled, dict) else None,
    )


def _ordered(entrants: Sequence[Entrant], now: datetime) -> list[Entrant]:
    """The entrants brought to `now`, in a fixed order (draws must not depend on join order)."""
    ids = [e.cat.id for e in entrants]
    if len(set(ids)) != len(ids):
        raise InvalidRequest("a cat can take part once per round", details={"cat_ids": ids})
    return [
        e.model_copy(update={"cat": advance(e.cat, now)})
        for e in sorted(entrants, key=lambda e: (e.cat.id, e.user_id))
    ]


def _check_count(kind: RoomType, entrants: Sequence[Entrant]) -> None:
    if len(entrants) < kind.min_cats:
        raise Conflict(
            f"a {kind.name.lower()} round needs at least {kind.min_cats} fit cats in the room "
            f"(there are {len(entrants)}); wait for more players to join",
            details={"needed": kind.min_cats, "present": len(entrants)},
        )


def play_round(
    type_id: str, entrants: Sequence[Entrant], now: datetime, rng: random.Random
) -> Round:
    """Play one round of the room type's activity for `entrants` (each fit, see `check_fit`)."""
    kind = room_type(type_id)
    _check_count(kind, entrants)
    ordered = _ordered(entrants, now)
    if kind.activity == "contest":
        return _contest(ordered, rng)
    if kind.activity == "romp":
        return _romp(ordered)
    return _patrol(ordered, now, rng)


def _contest(entrants: list[Entrant], rng: random.Random) -> Round:
    table = rules().contest
    event = table.events[rng.randrange(len(table.events))]
    scored = [
        (round(contest_score(e.cat, event) + rng.uniform(0, table.luck), 2), e) for e in entrants
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1].cat.id))
    paid = min(len(table.prizes), len(scored) - 1)  # the last cat never takes a prize
    placings: list[Placing] = []
    cats: list[Cat] = []
    for index, (score, entrant) in enumerate(scored):
        place = index + 1
        outcome = "first" if place == 1 else "placed" if place <= paid else "entered"
        coins = table.prizes[index] if place <= paid else table.participation_coins
        cat, happy, xp, leveled = _reward(
            entrant.cat,
            happiness=table.happiness.get(outcome),
            xp=table.xp.get(outcome),
            kind="games",
            energy=_energy(entrant.cat, table.energy_cost),
        )
        cats.append(cat)
        placings.append(
            _placing(
                entrant,
                cat,
                place=place,
                score=score,
                coins=coins,
                happiness_gained=happy,
                xp_gained=xp,
                leveled_up=leveled,
            )
        )
    return Round(
        activity="contest",
        event={"id": event.id, "name": event.name},
        placings=tuple(placings),
        cats=tuple(cats),
    )


def _placing(entrant: Entrant, after: Cat, **fields: Any) -> Placing:
    return Placing(
        user_id=entrant.user_id,
        player=entrant.player,
        cat_id=entrant.cat.id,
        cat_name=entrant.cat.name,
        personality_type=entrant.cat.personality_type,
        energy_spent=entrant.cat.energy - after.energy,
        **fields,
    )


def _romp(entrants: list[Entrant]) -> Round:
    table = rules().romp
    placings: list[Placing] = []
    cats: list[Cat] = []
    for entrant in entrants:
        cat, happy, xp, leveled = _reward(
            entrant.cat,
            happiness=table.happiness,
            xp=table.xp,
            kind="social",
            energy=_energy(entrant.cat, table.energy_cost),
            social=table.social_points,
        )
        cats.append(cat)
        placings.append(
            _placing(
                entrant,
                cat,
                coins=table.coins,
                happiness_gained=happy,
                xp_gained=xp,
                leveled_up=leveled,
            )
        )
    return Round(activity="romp", placings=tuple(placings), cats=tuple(cats))


def _patrol(entrants: list[Entrant], now: datetime, rng: random.Random) -> Round:
    """A joint Night Watch: the Night Watch engine runs the whole night for all the cats."""
    from purrr_core.nightwatch import (
        PatrolCat,
        apply_result,
        energy_cost,
        night_date,
        patrol_reward,
        run_night,
    )
    from purrr_core.nightwatch import (
        rules as nightwatch_rules,
    )

    need = nightwatch_rules().energy["min_energy"]
    team = [PatrolCat.from_cat(e.cat) for e in entrants]
    tired = [c for c in team if c.energy < max(need, energy_cost(c))]
    if tired:
        names = ", ".join(f"{c.name} (#{c.id}, energy {c.energy})" for c in tired)
        raise Conflict(
            f"too tired for a night patrol (needs energy {need}): {names}; let them rest first",
            details={"tired": [c.id for c in tired], "min_energy": need},
        )
    patrol = run_night(team, night_date(now), rng.getrandbits(48))
    total = patrol_reward(patrol)
    share, rest = divmod(total, len(entrants))
    best = max(patrol.results.values(), key=lambda r: (r.effectiveness, -r.cat_id)).cat_id
    placings: list[Placing] = []
    cats: list[Cat] = []
    for entrant in entrants:
        result = patrol.results[entrant.cat.id]
        spent = entrant.cat.evolve(energy=entrant.cat.energy - result.energy_spent)
        cat, effects = apply_result(spent, result)
        cats.append(cat)
        leveled = effects.get("leveled_up")
        placings.append(
            _placing(
                entrant,
                cat,
                coins=share + (rest if entrant.cat.id == best else 0),
                xp_gained=int(str(effects["xp_gained"])),
                leveled_up=leveled if isinstance(leveled, dict) else None,
                bobcats_deterred=result.bobcats_deterred,
                strays_saved=result.strays_saved,
            )
        )
    summary = {k: v for k, v in patrol.summary().items() if k != "xp"}
    summary.update(night=patrol.night.model_dump(mode="json"), area=patrol.area)
    return Round(activity="patrol", summary=summary, placings=tuple(placings), cats=tuple(cats))
