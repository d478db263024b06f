"""Exact offspring distributions, and seeded sampling of one kitten from the same model.

Method: each locus segregates independently (no linkage is modelled). For every locus the
offspring genotype distribution is computed from the parents' two gametes each (four equally
likely combinations; for the X-linked O locus the sex comes with it) and collapsed at once to
the class the phenotype needs (B/b and B/bl are both "black"). The classes are then folded
through the phenotype pipeline in evaluation order as a convolution of integer weights, merging
equal states after every locus, so the state never grows beyond the number of distinct partial
phenotypes. The full product of gametes is never enumerated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import gcd

from purrr_core.genetics.genotype import SEXES, Genotype, GenotypeError, Sex, check_sex
from purrr_core.genetics.loci import LOCI, LOCUS, LOCUS_INDEX, Pair, Y
from purrr_core.genetics.phenotype import (
    EVAL_INDEX,
    STEPS,
    Key,
    Phenotype,
    State,
    final_key,
    initial_state,
    phenotype,
    phenotype_for_key,
    sort_label,
)

_SEX_RANK = {sex: rank for rank, sex in enumerate(SEXES)}
_O_INDEX = LOCUS_INDEX["O"]


@dataclass(frozen=True, slots=True)
class OffspringOutcome:
    """One merged entry of a litter's distribution: a sex, a phenotype and its exact chance."""

    sex: Sex
    probability: Fraction
    phenotype: Phenotype

    @property
    def p(self) -> float:
        """The probability as a float (for display and JSON)."""
        return float(self.probability)

    def to_contract(self) -> dict[str, object]:
        """The contract's offspring object."""
        return {
            "sex": self.sex,
            "probability": str(self.probability),
            "p": float(self.probability),
            "phenotype": self.phenotype.model_dump(),
        }


@dataclass(frozen=True, slots=True)
class CrossResult:
    """The exact offspring distribution of a sire and a dam."""

    sire: Genotype
    dam: Genotype
    offspring: list[OffspringOutcome]

    @property
    def sire_phenotype(self) -> Phenotype:
        return phenotype(self.sire)

    @property
    def dam_phenotype(self) -> Phenotype:
        return phenotype(self.dam)

    def by_sex(self, sex: str) -> list[OffspringOutcome]:
        """Outcomes of one sex (their probabilities sum to 1/2)."""
        wanted = check_sex(sex)
        return [o for o in self.offspring if o.sex == wanted]

    def to_contract(self) -> dict[str, object]:
        """Exactly the machine-readable contract of `purrr genetics cross --json`."""
        return {
            "sire": {"genotype": self.sire.format(), "phenotype": self.sire_phenotype.model_dump()},
            "dam": {"genotype": self.dam.format(), "phenotype": self.dam_phenotype.model_dump()},
            "offspring": [o.to_contract() for o in self.offspring],
        }


def check_parents(sire: Genotype, dam: Genotype) -> None:
    """A sire must be male and a dam female."""
    if sire.sex != "male":
        raise GenotypeError(
            f"the sire must be male, but {sire.format()!r} is female (O locus "
            f"{'/'.join(sire.pair('O'))})",
            "/".join(sire.pair("O")),
        )
    if dam.sex != "female":
        raise GenotypeError(
            f"the dam must be female, but {dam.format()!r} is male (O locus "
            f"{'/'.join(dam.pair('O'))})",
            "/".join(dam.pair("O")),
        )


Dist = tuple[tuple[str, int], ...]


def _reduce(counts: dict[str, int]) -> tuple[Dist, int]:
    total = sum(counts.values())
    common = 0
    for value in counts.values():
        common = gcd(common, value)
    return tuple(sorted((k, v // common) for k, v in counts.items())), total // common


@lru_cache(maxsize=8192)
def _locus_dist(index: int, sire: Pair, dam: Pair) -> tuple[Dist, int]:
    """Offspring class distribution at an autosomal locus: (class, weight) and the total."""
    locus = LOCI[index]
    counts: dict[str, int] = {}
    for s in sire:
        for d in dam:
            cls = locus.classify(locus.canonical(s, d))
            counts[cls] = counts.get(cls, 0) + 1
    return _reduce(counts)


@lru_cache(maxsize=256)
def _o_dist(sire: Pair, dam: Pair) -> tuple[tuple[tuple[Sex, str], int], ...]:
    """O locus with sex: sons take the sire's Y and one dam X; daughters the sire's X too."""
    locus = LOCUS["O"]
    counts: dict[tuple[Sex, str], int] = {}
    for x in dam:
        son: tuple[Sex, str] = ("male", locus.classify(locus.canonical(x, Y)))
        daughter: tuple[Sex, str] = ("female", locus.classify(locus.canonical(sire[0], x)))
        for key in (son, daughter):
            counts[key] = counts.get(key, 0) + 1
    return tuple(sorted(counts.items()))


def offspring_weights(sire: Genotype, dam: Genotype) -> tuple[dict[Key, int], int]:
    """Integer weights of every offspring pipeline key, and their common denominator."""
    states: dict[State, int] = {
        initial_state(sex, cls): w
        for (sex, cls), w in _o_dist(sire.pairs[_O_INDEX], dam.pairs[_O_INDEX])
    }
    denominator = 4
    for step, index in zip(STEPS, EVAL_INDEX[1:], strict=True):
        dist, total = _locus_dist(index, sire.pairs[index], dam.pairs[index])
        denominator *= total
        merged: dict[State, int] = {}
        get = merged.get
        if len(dist) == 1:
            cls = dist[0][0]
            for state, weight in states.items():
                new = step(state, cls)
                merged[new] = get(new, 0) + weight
        else:
            for state, weight in states.items():
                for cls, w in dist:
                    new = step(state, cls)
                    merged[new] = get(new, 0) + weight * w
        states = merged
    keys: dict[Key, int] = {}
    for state, weight in states.items():
        key = final_key(state)
        keys[key] = keys.get(key, 0) + weight
    return keys, denominator


def cross(sire: Genotype, dam: Genotype) -> CrossResult:
    """Exact offspring distribution of `sire` x `dam`, merged by sex and phenotype.

    Sorted by sex (male first), probability descending, then name and the remaining fields.
    """
    check_parents(sire, dam)
    keys, denominator = offspring_weights(sire, dam)
    merged: dict[tuple[str, int], tuple[int, int, tuple[str, ...], Sex, Phenotype]] = {}
    for key, weight in keys.items():
        sex: Sex = "male" if key[0] == "male" else "female"
        ph = phenotype_for_key(key)
        slot = (sex, id(ph))  # phenotypes are interned: equal ones are the same object
        found = merged.get(slot)
        total = weight + found[1] if found else weight
        merged[slot] = (_SEX_RANK[sex], total, sort_label(ph), sex, ph)
    ordered = sorted(merged.values(), key=lambda e: (e[0], -e[1], e[2]))
    return CrossResult(
        sire=sire,
        dam=dam,
        offspring=[OffspringOutcome(e[3], Fraction(e[1], denominator), e[4]) for e in ordered],
    )


def sample_offspring(
    sire: Genotype, dam: Genotype, rng: random.Random, *, sex: str | None = None
) -> Genotype:
    """One kitten drawn from the same Mendelian model (seeded); the full genotype is kept."""
    check_parents(sire, dam)
    kitten_sex: Sex = check_sex(sex) if sex is not None else SEXES[rng.getrandbits(1)]
    pairs: list[Pair] = []
    for locus, s, d in zip(LOCI, sire.pairs, dam.pairs, strict=True):
        from_dam = d[rng.getrandbits(1)]
        if locus.x_linked:
            pairs.append(locus.canonical(from_dam, Y if kitten_sex == "male" else s[0]))
        else:
            pairs.append(locus.canonical(s[rng.getrandbits(1)], from_dam))
    return Genotype(kitten_sex, tuple(pairs))
