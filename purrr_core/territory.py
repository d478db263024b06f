"""Territory (SPEC §1.6): claim rules, challenges for held territory, furniture bonuses."""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.catalog import load
from purrr_core.errors import Conflict, choose_one
from purrr_core.models import Cat


class Territory(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    location: str = Field(min_length=1, max_length=100)
    holder_cat_id: int
    bonus_multiplier: float
    furniture: tuple[str, ...] = ()

    def bonuses(self) -> dict[str, float]:
        """Rest and climbing bonuses from installed furniture."""
        table = {row["id"]: row for row in load("territory")["furniture"]}
        return {
            "rest": round(sum(table[f]["rest_bonus"] for f in self.furniture), 3),
            "climbing": round(sum(table[f]["climbing_bonus"] for f in self.furniture), 3),
        }


def territory_types() -> dict[str, float]:
    return {row["id"]: row["bonus"] for row in load("territory")["types"]}


def check_can_claim(cat: Cat) -> None:
    req = load("territory")["claim_requirements"]
    if cat.level < req["min_level"]:
        raise Conflict(
            f"{cat.name} must be level {req['min_level']} to claim a territory (is {cat.level})"
        )
    if cat.energy < req["min_energy"]:
        raise Conflict(
            f"{cat.name} needs energy {req['min_energy']} to claim a territory (has {cat.energy})"
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
    cat: Cat, territory_type: str, location: str, holder: Cat | None, rng: random.Random
) -> dict[str, Any]:
    """Claim a territory; if `holder` holds it, a challenge decides by stats, personality and chance."""
    types = territory_types()
    if territory_type not in types:
        raise choose_one("territory type", territory_type, tuple(types))
    check_can_claim(cat)
    result: dict[str, Any] = {"challenge": holder is not None}
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
        bonus_multiplier=types[territory_type],
    ).model_dump()
    return result


def install_furniture(territory: Territory, furniture_id: str) -> Territory:
    table = [row["id"] for row in load("territory")["furniture"]]
    if furniture_id not in table:
        raise choose_one("furniture", furniture_id, table)
    return territory.model_copy(update={"furniture": (*territory.furniture, furniture_id)})
