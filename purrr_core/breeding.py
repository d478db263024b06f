"""Breeding sessions: methods, who may breed, and the litter a finished breeding gives.

Coat genetics, COI, heritable stats, personality and mutations live in `purrr_core.genetics`;
this module is the game around them (SPEC §3, docs/breeding.md): a breeding is started with a
method (success chance, coin cost, duration), refused with a clear error when the pair may not
breed, and completed lazily and deterministically from its stored seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from purrr_core.adoption import adopt
from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.genetics import (
    MIN_COMPATIBILITY,
    apply_mutation,
    inbreeding_penalty,
    inherit_personality,
    inherit_stats,
    parse_genotype,
    roll_mutation,
    sample_offspring,
)
from purrr_core.models import ADVANCED_STATS, Cat


@dataclass(frozen=True, slots=True)
class BreedingMethod:
    """How a breeding is done: its success chance, its price in coins and how long it takes."""

    name: str
    success: Fraction
    cost: int
    duration: timedelta


METHODS: Mapping[str, BreedingMethod] = MappingProxyType(
    {
        "natural": BreedingMethod("natural", Fraction(3, 5), 0, timedelta(hours=24)),
        "ai_assisted": BreedingMethod("ai_assisted", Fraction(4, 5), 100, timedelta(hours=24)),
        "genetic_enhancement": BreedingMethod(
            "genetic_enhancement", Fraction(19, 20), 250, timedelta(hours=24)
        ),
    }
)
DEFAULT_METHOD = "natural"
#: Both parents rest this long after a breeding ends (successful or not).
COOLDOWN = timedelta(hours=72)
#: Kittens born from a breeding grow up in this much game time; adopted cats are adults.
ADULT_AGE = timedelta(days=7)
#: Kittens per successful litter and their relative weights (a litter of 2-3 is the most common).
LITTER_WEIGHTS: Mapping[int, int] = MappingProxyType({1: 2, 2: 3, 3: 3, 4: 2})


def breeding_method(name: str | None) -> BreedingMethod:
    """The method called `name` (default natural); an unknown name lists the choices."""
    key = name or DEFAULT_METHOD
    if key not in METHODS:
        raise choose_one("method", key, tuple(METHODS))
    return METHODS[key]


def is_adult(cat: Cat, now: datetime) -> bool:
    """Adopted cats (no known parents) are adults; bred kittens after ADULT_AGE."""
    if cat.sire_id is None and cat.dam_id is None:
        return True
    return now - cat.born_at >= ADULT_AGE


def adult_at(cat: Cat) -> datetime:
    """When a bred kitten becomes an adult (adopted cats already are)."""
    return cat.born_at + ADULT_AGE


def _who(cat: Cat) -> str:
    return f"{cat.name} (cat {cat.id})"


def check_pair(sire: Cat, dam: Cat) -> None:
    """Refuse a pair that can never breed: one cat twice, a female sire or a male dam."""
    if sire.id == dam.id:
        raise InvalidRequest(
            f"{_who(sire)} cannot be both sire and dam; choose two cats",
            details={"sire_id": sire.id, "dam_id": dam.id},
        )
    for cat, role, sex in ((sire, "sire", "male"), (dam, "dam", "female")):
        if cat.sex != sex:
            raise InvalidRequest(
                f"the {role} must be {sex}, but {_who(cat)} is {cat.sex}",
                details={"field": f"{role}_id", "value": cat.id, "sex": cat.sex},
            )


def check_ready(cat: Cat, now: datetime) -> None:
    """Refuse a cat that cannot breed yet: a kitten, or resting after its last breeding."""
    if not is_adult(cat, now):
        ready = adult_at(cat)
        raise Conflict(
            f"{_who(cat)} is still a kitten; it can breed from {ready.isoformat()}",
            details={"cat_id": cat.id, "adult_at": ready.isoformat()},
        )
    until = cat.breeding_cooldown_until
    if until is not None and until > now:
        raise Conflict(
            f"{_who(cat)} is resting after a breeding until {until.isoformat()}",
            details={"cat_id": cat.id, "breeding_cooldown_until": until.isoformat()},
        )


def check_free(cat: Cat, *, on_patrol: bool, breeding_id: int | None) -> None:
    """Refuse a cat that is out on a Night Watch patrol or already in a pending breeding."""
    if on_patrol:
        raise Conflict(
            f"{_who(cat)} is on a Night Watch patrol; recall it or wait until it ends",
            details={"cat_id": cat.id, "reason": "on_patrol"},
        )
    if breeding_id is not None:
        raise Conflict(
            f"{_who(cat)} is already in breeding {breeding_id}",
            details={"cat_id": cat.id, "breeding_id": breeding_id},
        )


def check_compatibility(score: int, coi: Fraction) -> None:
    """Breeding is blocked below MIN_COMPATIBILITY (SPEC §3)."""
    if score < MIN_COMPATIBILITY:
        raise InvalidRequest(
            f"compatibility {score} is below the minimum of {MIN_COMPATIBILITY}"
            + (f" (the kittens' COI would be {coi})" if coi else ""),
            details={"compatibility": score, "minimum": MIN_COMPATIBILITY, "coi": str(coi)},
        )


def check_breedable(
    sire: Cat,
    dam: Cat,
    now: datetime,
    score: int,
    coi: Fraction,
    *,
    on_patrol: Set[int] = frozenset(),
    breeding: Mapping[int, int] = MappingProxyType({}),
) -> None:
    """Every refusal in order: the pair, then each cat (patrol, pending breeding, age,
    cooldown), then compatibility. `breeding` maps cat id -> its pending breeding."""
    check_pair(sire, dam)
    for cat in (sire, dam):
        check_free(cat, on_patrol=cat.id in on_patrol, breeding_id=breeding.get(cat.id))
        check_ready(cat, now)
    check_compatibility(score, coi)


def blocked_reason(
    sire: Cat,
    dam: Cat,
    now: datetime,
    score: int,
    coi: Fraction,
    *,
    on_patrol: Set[int] = frozenset(),
    breeding: Mapping[int, int] = MappingProxyType({}),
) -> str | None:
    """Why this pair cannot breed right now (the first refusal's message), or None."""
    try:
        check_breedable(sire, dam, now, score, coi, on_patrol=on_patrol, breeding=breeding)
    except (InvalidRequest, Conflict) as refusal:
        return refusal.message
    return None


def compatibility_input(cat: Cat, offspring_count: int) -> dict[str, Any]:
    """The cat as `purrr_core.genetics.compatibility` reads it."""
    return {
        "breed": cat.breed, "generation": cat.generation, "genotype": cat.genotype,
        "personality_type": cat.personality_type, "offspring_count": offspring_count,
        **cat.advanced_stats(),
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Litter:
    """What a finished breeding gave: success, the kittens (ids 0) and their mutations."""

    success: bool
    kittens: tuple[Cat, ...]
    mutations: tuple[dict[str, Any], ...]


def _kitten_breed(sire: Cat, dam: Cat) -> str:
    return sire.breed if sire.breed == dam.breed else "mixed_breed"


def breed_litter(
    sire: Cat,
    dam: Cat,
    *,
    seed: int,
    success: Fraction,
    coi: Fraction,
    born_at: datetime,
    name_prefix: str,
) -> Litter:
    """Roll a breeding's outcome from its seed: success, litter size, then each kitten.

    Each kitten: genotype sampled from the parents (`sample_offspring`), a rare flagged mutation,
    advanced stats inherited with the parents' F and the kitten's COI (whose inbreeding penalty
    lowers them), a personality tendency, generation = max(parents) + 1. Same seed, same litter.
    """
    rng = random.Random(seed)
    if rng.random() >= success:
        return Litter(False, (), ())
    sizes, weights = zip(*LITTER_WEIGHTS.items(), strict=True)
    size = rng.choices(sizes, weights=weights)[0]
    sire_g, dam_g = parse_genotype(sire.genotype or ""), parse_genotype(dam.genotype or "")
    kittens: list[Cat] = []
    mutations: list[dict[str, Any]] = []
    for number in range(1, size + 1):
        genotype = sample_offspring(sire_g, dam_g, rng)
        mutation = roll_mutation(rng)
        flags: list[str] = []
        if mutation is not None:
            genotype = apply_mutation(genotype, mutation)
            flags.append(
                f"{mutation.kind}: {mutation.locus} {mutation.allele} ({mutation.description})"
            )
            mutations.append({"kitten": number, **mutation.model_dump()})
        stats = inherit_stats(
            sire.advanced_stats(), dam.advanced_stats(), sire.coi, dam.coi, rng, coi=coi
        )
        personality = inherit_personality(sire.personality_type, dam.personality_type, rng)
        kitten = adopt(
            f"{name_prefix}-{number}",
            personality,
            now=born_at,
            rng=rng,
            sex=genotype.sex,
            breed=_kitten_breed(sire, dam),
            genotype=genotype.format(),
        )
        kittens.append(
            kitten.evolve(
                sire_id=sire.id,
                dam_id=dam.id,
                generation=max(sire.generation, dam.generation) + 1,
                coi=float(coi),
                mutations=flags,
                **{k: stats[k] for k in ADVANCED_STATS if k in stats},
            )
        )
    return Litter(True, tuple(kittens), tuple(mutations))


def inbreeding_summary(coi: Fraction) -> dict[str, Any]:
    """The kittens' COI, exactly and as a number, with its documented penalty."""
    penalty = inbreeding_penalty(coi)
    return {"coi": float(coi), "coi_fraction": str(coi), "inbreeding": penalty.model_dump()}
