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
from purrr_core.genetics.loci import LOCI, LOCUS, Pair, Y
from purrr_core.genetics.phenotype import (
    EVAL_INDEX,
    STEPS,
    Head,
    Key,
    Phenotype,
    State,
    Step,
    complete_key,
    head_key,
    initial_state,
    labelled_phenotype,
    phenotype,
)

_SEX_RANK: dict[str, int] = {sex: rank for rank, sex in enumerate(SEXES)}


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
_HEAD_LOCI = 10  # O..Wb in evaluation order; C, W and L are independent of them
_TAIL_INDEX = EVAL_INDEX[_HEAD_LOCI:]


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


Weighted = tuple[tuple[State, int], ...]
_COLOUR_LOCI = 4  # O, B, D, Dm


@lru_cache(maxsize=4096)
def _colour(parents: tuple[tuple[Pair, Pair], ...]) -> tuple[Weighted, int]:
    """Pipeline states (and denominator) after O, B, D and Dm."""
    sire, dam = parents[0]
    states: dict[State, int] = {initial_state(sex, cls): w for (sex, cls), w in _o_dist(sire, dam)}
    denominator = 4
    for depth in range(1, _COLOUR_LOCI):
        dist, total = _locus_dist(EVAL_INDEX[depth], *parents[depth])
        denominator *= total
        states = _convolve(states, STEPS[depth - 1], dist)
    return tuple(states.items()), denominator


def _convolve(states: dict[State, int], step: Step, dist: Dist) -> dict[State, int]:
    merged: dict[State, int] = {}
    get = merged.get
    for state, weight in states.items():
        for cls, w in dist:
            new = step(state, cls)
            merged[new] = get(new, 0) + weight * w
    return merged


@lru_cache(maxsize=4096)
def _pattern(parents: tuple[tuple[Pair, Pair], ...]) -> tuple[tuple[tuple[str, ...], int], ...]:
    """Joint class distribution of A, Ta, Sp, Mc, I and Wb (weights over 4**6)."""
    joint: list[tuple[tuple[str, ...], int]] = [((), 1)]
    for depth, pair in enumerate(parents, start=_COLOUR_LOCI):
        dist, total = _locus_dist(EVAL_INDEX[depth], *pair)
        scale = 4 // total
        joint = [(classes + (cls,), w * cw * scale) for classes, w in joint for cls, cw in dist]
    return tuple(joint)


@lru_cache(maxsize=16384)
def _heads(parents: tuple[tuple[Pair, Pair], ...]) -> tuple[tuple[tuple[Head, int], ...], int]:
    """Distribution of the colour-and-pattern head after O..Wb.

    The colour loci (O, B, D, Dm) and the pattern loci (A, Ta, Sp, Mc, I, Wb) are each cached
    on their own; the pipeline steps then join them, merging equal heads.
    """
    colour, denominator = _colour(parents[:_COLOUR_LOCI])
    pattern = _pattern(parents[_COLOUR_LOCI:])
    steps = STEPS[_COLOUR_LOCI - 1 : _HEAD_LOCI - 1]
    merged: dict[Head, int] = {}
    get = merged.get
    for state, weight in colour:
        for classes, w in pattern:
            s = state
            for step, cls in zip(steps, classes, strict=True):
                s = step(s, cls)
            head = head_key(s)
            merged[head] = get(head, 0) + weight * w
    return tuple(merged.items()), denominator * 4 ** (_HEAD_LOCI - _COLOUR_LOCI)


@lru_cache(maxsize=4096)
def _tails(parents: tuple[tuple[Pair, Pair], ...]) -> tuple[tuple[tuple[str, str, bool], int], ...]:
    """The joint distribution of the independent C, W and L classes (weights, total 4**3)."""
    (c_dist, c_total), (w_dist, w_total), (l_dist, l_total) = (
        _locus_dist(index, *pair) for index, pair in zip(_TAIL_INDEX, parents, strict=True)
    )
    scale = 64 // (c_total * w_total * l_total)
    return tuple(
        ((c, w, lc == "long"), cw * ww * lw * scale)
        for c, cw in c_dist
        for w, ww in w_dist
        for lc, lw in l_dist
    )


def offspring_weights(sire: Genotype, dam: Genotype) -> tuple[dict[Key, int], int]:
    """Integer weights of every offspring pipeline key, and their common denominator."""
    sp, dp = sire.pairs, dam.pairs
    parents = tuple((sp[i], dp[i]) for i in EVAL_INDEX)
    heads, denominator = _heads(parents[:_HEAD_LOCI])
    tails = _tails(parents[_HEAD_LOCI:])
    keys: dict[Key, int] = {}
    get = keys.get
    for head, hw in heads:
        for (cclass, white, long_hair), tw in tails:
            key = complete_key(head, cclass, white, long_hair)
            keys[key] = get(key, 0) + hw * tw
    return keys, denominator * 64


_fraction = lru_cache(maxsize=65536)(Fraction)


def cross(sire: Genotype, dam: Genotype) -> CrossResult:
    """Exact offspring distribution of `sire` x `dam`, merged by sex and phenotype.

    Sorted by sex (male first), probability descending, then name and the remaining fields.
    Distinct keys give distinct contract objects, so merging happens on the keys.
    """
    check_parents(sire, dam)
    keys, denominator = offspring_weights(sire, dam)
    entries = []
    for key, weight in keys.items():
        ph, label = labelled_phenotype(key)
        entries.append((_SEX_RANK[key[0]], -weight, label, ph, key[0]))
    entries.sort(key=lambda e: e[:3])
    return CrossResult(
        sire=sire,
        dam=dam,
        offspring=[
            OffspringOutcome(sex, _fraction(-neg, denominator), ph)  # type: ignore[arg-type]
            for _, neg, _, ph, sex in entries
        ],
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
