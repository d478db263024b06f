"""How game objects look on the wire: the cat JSON every endpoint returns."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from purrr_core import Cat, advance, level_progress, mood_label
from purrr_core.status import CarePlan, care_plan
from purrr_core.timeflow import TICK

#: Bookkeeping of lazy time passing; meaningless to clients.
INTERNAL_FIELDS = frozenset({"decay_carry", "decayed_at"})
#: Entries of each memo below before it starts again (each holds a cat and its JSON).
MEMO_SIZE = 2048
#: (id of a stored cat, ticks it is advanced by) → (that cat, the advanced cat)
_advanced: dict[tuple[int, int], tuple[Cat, Cat]] = {}
#: id of a cat → (the cat, its JSON fields that depend on the cat alone)
_fixed: dict[int, tuple[Cat, dict[str, Any], dict[str, Any], dict[str, Any] | None, CarePlan]] = {}


@cache
def _phenotype(genotype: str) -> dict[str, Any] | None:
    """The cat's looks, when purrr_core.genetics is installed and the genotype parses."""
    try:
        from purrr_core import genetics
    except ImportError:
        return None
    try:
        return genetics.phenotype(genetics.parse_genotype(genotype)).model_dump(mode="json")
    except ValueError:
        return None


def cat_json(cat: Cat, now: datetime) -> dict[str, Any]:
    """The cat brought to `now`, with its mood label, care status, level progress and phenotype.

    What depends on the cat alone (its fields, level progress, phenotype, care plan) is computed
    once per cat object, and `advance` once per cat and tick count: cats read from the store are
    shared objects (`purrr_server.store.cats`), and a cat only changes state at whole ticks.
    Mood and care status depend on `now` and are computed every time (from the care plan)."""
    cat = _advance(cat, now)
    fields, progress, phenotype, care = _fixed_parts(cat)
    out = dict(fields)
    out["mood_label"] = mood_label(cat, now)
    out["care"] = care.at(now)
    out["level_progress"] = dict(progress)
    if cat.genotype:
        out["phenotype"] = phenotype
    return out


def _advance(cat: Cat, now: datetime) -> Cat:
    ticks = (now - cat.decayed_at) // TICK
    if ticks <= 0:
        return cat
    key = (id(cat), ticks)
    hit = _advanced.get(key)
    if hit is not None and hit[0] is cat:
        return hit[1]
    advanced = advance(cat, now)
    if len(_advanced) >= MEMO_SIZE:
        _advanced.clear()
    _advanced[key] = (cat, advanced)  # holding `cat` keeps its id from being reused
    return advanced


def _fixed_parts(
    cat: Cat,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None, CarePlan]:
    hit = _fixed.get(id(cat))
    if hit is not None and hit[0] is cat:
        return hit[1], hit[2], hit[3], hit[4]
    fields = cat.model_dump(mode="json", exclude=set(INTERNAL_FIELDS))
    progress = level_progress(cat)
    phenotype = _phenotype(cat.genotype) if cat.genotype else None
    if len(_fixed) >= MEMO_SIZE:
        _fixed.clear()
    care = care_plan(cat)
    _fixed[id(cat)] = (cat, fields, progress, phenotype, care)
    return fields, progress, phenotype, care


#: The counter holding quest XP claimed without a cat (services/quests.py).
ACCOUNT_XP = "account_xp"


async def player_json(session: Any, user_id: int) -> dict[str, int]:
    """The player's level (`player_level`, `player_xp`, `player_xp_to_next`): the XP of their
    cats plus the quest XP claimed without a cat (docs/rules.md "Levels")."""
    from purrr_core.levels import player_progress

    cats: list[Cat] = await session.cats.for_user(user_id, limit=1_000_000)
    counters: dict[str, int] = await session.counters.all(user_id)
    return player_progress(sum(c.experience for c in cats), counters.get(ACCOUNT_XP, 0))
