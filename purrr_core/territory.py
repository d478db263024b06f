"""Territory (SPEC §1.6, docs/territory.md): claims, seeded challenges for held ground, furniture
and the perks a holder enjoys (better rest and climbing). Numbers live in `territory.json`."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.catalog import load
from purrr_core.errors import Conflict, choose_one
from purrr_core.models import Cat
from purrr_core.timeflow import advance


class Territory(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    location: str = Field(min_length=1, max_length=100)
    holder_cat_id: int
    bonus_multiplier: float
    furniture: tuple[str, ...] = ()

    def bonuses(self) -> dict[str, float]:
        """Rest and climbing bonuses from installed furniture."""
        table = _furniture()
        return {
            "rest": round(sum(table[f]["rest_bonus"] for f in self.furniture), 3),
            "climbing": round(sum(table[f]["climbing_bonus"] for f in self.furniture), 3),
        }


class Perks(BaseModel):
    """What holding a territory gives its cat: multipliers on rest energy and on climbing play
    (happiness and XP). A cat without territory has factors of 1."""

    model_config = ConfigDict(frozen=True)

    rest: float = 1.0
    climbing: float = 1.0

    def climbing_for(self, game: str) -> float:
        """The climbing factor if `game` is a climbing game, else 1."""
        return self.climbing if game in load("territory")["perks"]["climbing_games"] else 1.0


NO_PERKS = Perks()


def _furniture() -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in load("territory")["furniture"]}


def territory_types() -> dict[str, float]:
    return {row["id"]: row["bonus"] for row in load("territory")["types"]}


def furniture_ids() -> tuple[str, ...]:
    return tuple(_furniture())


def check_type(territory_type: str) -> float:
    """The bonus multiplier of `territory_type`, or 'unknown territory type …; choose one of …'."""
    types = territory_types()
    if territory_type not in types:
        raise choose_one("territory type", territory_type, tuple(types))
    return types[territory_type]


def check_can_claim(cat: Cat) -> None:
    req = load("territory")["claim_requirements"]
    if cat.level < req["min_level"]:
        raise Conflict(
            f"{cat.name} must be level {req['min_level']} to claim a territory (is {cat.level})",
            details={"cat_id": cat.id, "level": cat.level, "needed": req["min_level"]},
        )
    if cat.energy < req["min_energy"]:
        raise Conflict(
            f"{cat.name} needs energy {req['min_energy']} to claim a territory "
            f"(has {cat.energy}); let it rest first",
            details={"cat_id": cat.id, "energy": cat.energy, "needed": req["min_energy"]},
        )


def check_room(cat: Cat, held: int) -> None:
    """Refuse a claim by a cat already holding as many territories as a cat may."""
    limit = load("territory")["limits"]["territories_per_cat"]
    if held >= limit:
        raise Conflict(
            f"{cat.name} already holds {held} territor{'y' if held == 1 else 'ies'} "
            f"(a cat holds at most {limit}); release one first",
            details={"cat_id": cat.id, "held": held, "limit": limit},
        )


def challenge_strength(cat: Cat) -> float:
    """Stats that win a territory dispute (weights in territory.json); territorial cats fight
    harder (the table's personality multiplier)."""
    rule = load("territory")["challenge"]
    base = sum(weight * getattr(cat, stat) for stat, weight in rule["weights"].items())
    return float(base * rule["personality"].get(cat.personality_type, 1.0))


def _luck(rng: random.Random) -> float:
    low, high = load("territory")["challenge"]["luck"]
    return rng.uniform(low, high)


def claim(
    cat: Cat,
    territory_type: str,
    location: str,
    holder: Cat | None,
    rng: random.Random,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Claim a territory; if `holder` holds it, a challenge decides by stats, personality and a
    seeded luck factor for each side. With `now`, both cats are first brought to that time and
    the result's `cat` is the claimant after paying the claim's energy (won or lost)."""
    bonus = check_type(territory_type)
    if now is not None:
        cat = advance(cat, now)
        holder = advance(holder, now) if holder is not None else None
    check_can_claim(cat)
    result: dict[str, Any] = {"challenge": holder is not None}
    if now is not None:
        cost = load("territory")["claim_requirements"]["energy_cost"]
        result["cat"] = cat.evolve(
            energy=cat.energy - cost, updated_at=now, version=cat.version + 1
        )
        result["energy_spent"] = cost
    if holder is not None:
        mine = challenge_strength(cat) * _luck(rng)
        theirs = challenge_strength(holder) * _luck(rng)
        result.update(challenger_score=round(mine, 2), holder_score=round(theirs, 2))
        if mine <= theirs:
            result["won"] = False
            return result
    result["won"] = True
    result["territory"] = Territory(
        type=territory_type,
        location=location,
        holder_cat_id=cat.id,
        bonus_multiplier=bonus,
    ).model_dump()
    return result


def install_furniture(territory: Territory, furniture_id: str) -> Territory:
    """`territory` with `furniture_id` installed: one piece of each kind, up to the limit."""
    table = furniture_ids()
    if furniture_id not in table:
        raise choose_one("furniture", furniture_id, table)
    if furniture_id in territory.furniture:
        raise Conflict(
            f"this {territory.type} already has a {furniture_id}; "
            "each piece of furniture is installed once per territory",
            details={"furniture": furniture_id, "installed": list(territory.furniture)},
        )
    limit = load("territory")["limits"]["furniture_per_territory"]
    if len(territory.furniture) >= limit:
        raise Conflict(
            f"this {territory.type} is full ({limit} pieces of furniture)",
            details={"installed": list(territory.furniture), "limit": limit},
        )
    return territory.model_copy(update={"furniture": (*territory.furniture, furniture_id)})


def perks(territory: Territory | None, personality_type: str) -> Perks:
    """What `territory` gives a holder of `personality_type` (NO_PERKS without territory)."""
    if territory is None:
        return NO_PERKS
    bonus = territory.bonuses()
    home = load("territory")["perks"]["personality"].get(personality_type, 0.0)
    base = territory.bonus_multiplier + home
    return Perks(rest=round(base + bonus["rest"], 3), climbing=round(base + bonus["climbing"], 3))
