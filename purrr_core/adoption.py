"""New cats: adoption with a seeded genome and stimulant response, and the special cats."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from purrr_core import catalog
from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.levels import percent_done, stat_growth, xp_for_level
from purrr_core.models import Cat, clean_text


def roll_stimulant_response(rng: random.Random) -> str:
    """Catnip 70 %, honeysuckle 20 %, dual 8 %, non-responder 2 % (rolled once, at birth)."""
    table = catalog.stimulant_responses()
    return rng.choices(list(table), weights=[r.weight for r in table.values()])[0]


def _genome(sex: str | None, genotype: str | None, rng: random.Random) -> tuple[str, str]:
    """(sex, canonical genotype) from a given genotype or a seeded realistic one."""
    from purrr_core.genetics import parse_genotype, random_genotype

    if genotype is not None:
        try:
            parsed = parse_genotype(genotype)
        except ValueError as exc:
            raise InvalidRequest(
                str(exc), details={"field": "genotype", "value": genotype}
            ) from None
        if sex is not None and parsed.sex != sex:
            raise InvalidRequest(
                f"genotype {genotype!r} is {parsed.sex} but --sex says {sex}",
                details={"field": "sex", "value": sex},
            )
        return parsed.sex, parsed.format()
    chosen = sex or rng.choice(("male", "female"))
    return chosen, random_genotype(rng, chosen).format()


def adopt(
    name: str,
    personality_type: str,
    *,
    now: datetime,
    rng: random.Random,
    sex: str | None = None,
    breed: str | None = None,
    genotype: str | None = None,
    cat_id: int = 0,
) -> Cat:
    """A new adult cat with default stats (SPEC §1.1)."""
    catalog.personality(personality_type)
    if sex is not None and sex not in ("male", "female"):
        raise choose_one("sex", sex, ("male", "female"))
    chosen_sex, canonical = _genome(sex, genotype, rng)
    fields: dict[str, Any] = {
        "id": cat_id,
        "name": name,
        "personality_type": personality_type,
        "sex": chosen_sex,
        "genotype": canonical,
        "stimulant_response": roll_stimulant_response(rng),
        "born_at": now,
        "decayed_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if breed:
        try:
            fields["breed"] = clean_text(breed, field="breed", max_length=100)
        except ValueError as exc:
            raise InvalidRequest(str(exc), details={"field": "breed", "value": breed}) from None
    try:
        return Cat.model_validate(fields)
    except ValueError as exc:
        raise InvalidRequest(
            f"invalid cat: {exc.errors()[0]['msg']}",  # type: ignore[attr-defined]
            details={"field": "name", "value": name},
        ) from None


def special_cat(special_id: str, *, now: datetime, rng: random.Random, cat_id: int = 0) -> Cat:
    """One of the special cats, with its fixed identity, level and genome."""
    from purrr_core.genetics import SPECIAL_GENOTYPES

    table = catalog.special_cats()
    if special_id not in table:
        raise choose_one("special cat", special_id, tuple(table))
    spec = table[special_id]
    cat = adopt(
        spec.name,
        spec.personality_type,
        now=now,
        rng=rng,
        sex=spec.sex,
        breed=spec.breed,
        genotype=SPECIAL_GENOTYPES[special_id],
        cat_id=cat_id,
    )
    # on the XP curve at its level, with its stats grown level by level like any cat's
    grown = {stat: getattr(cat, stat) + n for stat, n in stat_growth(cat, spec.level).items()}
    return cat.evolve(
        special_id=special_id, level=spec.level, experience=xp_for_level(spec.level), **grown
    )


def adopt_special(
    special_id: str,
    counters: dict[str, int],
    owned: set[str],
    *,
    now: datetime,
    rng: random.Random,
    cat_id: int = 0,
) -> Cat:
    """A special cat for a player who has unlocked it (`counters`) and does not have it yet."""
    progress = {row["id"]: row for row in unlock_progress(counters)}
    if special_id not in progress:
        raise choose_one("special cat", special_id, tuple(progress))
    row = progress[special_id]
    if not row["unlocked"]:
        raise Conflict(
            f"{row['name']} is still locked: {row['condition']} "
            f"({row['current']}/{row['required']}, {row['percent']} %)",
            details={k: row[k] for k in ("id", "counter", "current", "required", "percent")},
        )
    if special_id in owned:
        raise Conflict(
            f"you already have {row['name']}; each special cat comes once",
            details={"id": special_id},
        )
    return special_cat(special_id, now=now, rng=rng, cat_id=cat_id)


def unlock_progress(counters: dict[str, int]) -> list[dict[str, Any]]:
    """For each special cat: `current / required / percent` toward its unlock."""
    out = []
    for spec in catalog.special_cats().values():
        current = counters.get(spec.unlock.counter, 0)
        out.append(
            {
                "id": spec.id,
                "name": spec.name,
                "rarity": spec.rarity,
                "condition": spec.unlock.description,
                "counter": spec.unlock.counter,
                "current": min(current, spec.unlock.required),
                "required": spec.unlock.required,
                "percent": percent_done(current, spec.unlock.required),
                "unlocked": current >= spec.unlock.required,
            }
        )
    return out
