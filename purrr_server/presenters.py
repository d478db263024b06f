"""How game objects look on the wire: the cat JSON every endpoint returns."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from purrr_core import Cat, advance, care_status, level_progress, mood_label

#: Bookkeeping of lazy time passing; meaningless to clients.
INTERNAL_FIELDS = frozenset({"decay_carry", "decayed_at"})


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
    """The cat brought to `now`, with its mood label, care status, level progress and phenotype."""
    cat = advance(cat, now)
    out = cat.model_dump(mode="json", exclude=set(INTERNAL_FIELDS))
    out["mood_label"] = mood_label(cat, now)
    out["care"] = care_status(cat, now)
    out["level_progress"] = level_progress(cat)
    if cat.genotype:
        out["phenotype"] = _phenotype(cat.genotype)
    return out


#: The counter holding quest XP claimed without a cat (services/quests.py).
ACCOUNT_XP = "account_xp"


async def player_json(session: Any, user_id: int) -> dict[str, int]:
    """The player's level (`player_level`, `player_xp`, `player_xp_to_next`): the XP of their
    cats plus the quest XP claimed without a cat (docs/rules.md "Levels")."""
    from purrr_core.levels import player_progress

    cats: list[Cat] = await session.cats.for_user(user_id, limit=1_000_000)
    counters: dict[str, int] = await session.counters.all(user_id)
    return player_progress(sum(c.experience for c in cats), counters.get(ACCOUNT_XP, 0))
