"""Genomes for adopted cats: seeded random draws at realistic allele frequencies, and the fixed
genomes of the special cats."""

from __future__ import annotations

import random
from collections.abc import Mapping
from itertools import accumulate
from types import MappingProxyType

from purrr_core.genetics.genotype import Genotype, Sex, check_sex, parse_genotype
from purrr_core.genetics.loci import LOCI, Pair, Y

# Allele frequencies of random-bred (non-pedigree) cats, rounded. Real values vary widely from
# city to city (see the street-cat surveys collected by Lloyd & Todd 1989); these sit inside the
# reported ranges. Dm, Sp and Wb are game-model loci, so their frequencies are game choices.
ALLELE_FREQUENCIES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "O": MappingProxyType({"O": 0.20, "o": 0.80}),
        "B": MappingProxyType({"B": 0.93, "b": 0.05, "bl": 0.02}),
        "D": MappingProxyType({"D": 0.65, "d": 0.35}),
        "Dm": MappingProxyType({"Dm": 0.02, "dm": 0.98}),
        "A": MappingProxyType({"A": 0.25, "a": 0.75}),
        "Mc": MappingProxyType({"Mc": 0.45, "mc": 0.55}),
        "Ta": MappingProxyType({"Ta": 0.02, "ta": 0.98}),
        "Sp": MappingProxyType({"Sp": 0.10, "sp": 0.90}),
        "W": MappingProxyType({"W": 0.01, "S": 0.30, "w": 0.69}),
        "C": MappingProxyType({"C": 0.955, "cb": 0.01, "cs": 0.03, "ca": 0.003, "c": 0.002}),
        "I": MappingProxyType({"I": 0.03, "i": 0.97}),
        "Wb": MappingProxyType({"Wb": 0.03, "wb": 0.97}),
        "L": MappingProxyType({"L": 0.70, "l": 0.30}),
    }
)

_CUMULATIVE: tuple[tuple[tuple[str, ...], tuple[float, ...]], ...] = tuple(
    (
        tuple(ALLELE_FREQUENCIES[lc.symbol]),
        tuple(accumulate(ALLELE_FREQUENCIES[lc.symbol].values())),
    )
    for lc in LOCI
)


def _draw(alleles: tuple[str, ...], cumulative: tuple[float, ...], rng: random.Random) -> str:
    roll = rng.random() * cumulative[-1]
    for allele, bound in zip(alleles, cumulative, strict=True):
        if roll < bound:
            return allele
    return alleles[-1]


def random_genotype(rng: random.Random, sex: str) -> Genotype:
    """A random-bred cat: each allele drawn independently (Hardy-Weinberg), seeded."""
    kitten_sex: Sex = check_sex(sex)
    pairs: list[Pair] = []
    for locus, (alleles, cumulative) in zip(LOCI, _CUMULATIVE, strict=True):
        first = _draw(alleles, cumulative, rng)
        if locus.x_linked and kitten_sex == "male":
            pairs.append((first, Y))
        else:
            pairs.append(locus.canonical(first, _draw(alleles, cumulative, rng)))
    return Genotype(kitten_sex, tuple(pairs))


# The special cats' genomes, chosen to match their looks (all loci written out).
SPECIAL_GENOTYPES: dict[str, str] = {
    # BanditCat: black-and-white tuxedo male. A tuxedo is low-to-medium white (grade 2-4),
    # which is one white-spotting allele, S/w; S/S would give high white (bicolour, van).
    "bandit": "o/Y B/B D/D dm/dm a/a Mc/Mc ta/ta sp/sp S/w C/C i/i wb/wb L/L",
    # LunaCat, "mystery": a long-haired black smoke female. A smoke looks solid black until
    # the hair parts and shows its white roots; she carries chocolate, dilute and point.
    "luna": "o/o B/b D/d dm/dm a/a Mc/mc ta/ta sp/sp w/w C/cs I/i wb/wb l/l",
    # RyCat the Nerd: a brown mackerel tabby male, carrying dilute, classic and long hair.
    "rycat": "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C i/i wb/wb L/l",
}


def special_genotype(special_id: str) -> Genotype:
    """The fixed genome of a special cat ("bandit", "luna", "rycat")."""
    if special_id not in SPECIAL_GENOTYPES:
        raise KeyError(f"no special cat {special_id!r}; known: {', '.join(SPECIAL_GENOTYPES)}")
    return parse_genotype(SPECIAL_GENOTYPES[special_id])
