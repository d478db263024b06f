"""Breeding rules: heritable stats, personality, mutations, compatibility, penalty, genomes."""

from __future__ import annotations

import random
import statistics
from fractions import Fraction as F
from typing import Any

import pytest

from purrr_core.genetics import (
    MIN_COMPATIBILITY,
    MUTATION_RATE,
    SPECIAL_GENOTYPES,
    apply_mutation,
    compatibility,
    inbreeding_penalty,
    inherit_personality,
    inherit_stats,
    parse_genotype,
    personality_distribution,
    phenotype,
    random_genotype,
    roll_mutation,
    roll_traits,
    special_genotype,
)
from purrr_core.genetics.heredity import MUTATION_TABLE, PERSONALITY_TYPES

STATS = {
    "intelligence": 80,
    "strength": 20,
    "agility": 50,
    "charisma": 65,
    "training": 90,
    "social": 50,
}


def test_inherit_stats_is_seeded_and_clamped() -> None:
    a = inherit_stats(STATS, STATS, 0.0, 0.0, random.Random(1))
    b = inherit_stats(STATS, STATS, 0.0, 0.0, random.Random(1))
    assert a == b
    assert set(a) == set(STATS)
    assert all(0 <= v <= 100 for v in a.values())
    assert a["training"] == 0  # learned, not inherited


def test_inherit_stats_regresses_to_mean_with_h2() -> None:
    rng = random.Random(5)
    high = {"strength": 90}
    kittens = [inherit_stats(high, high, 0, 0, rng)["strength"] for _ in range(4000)]
    # expected 50 + 0.4 * (90 - 50) = 66
    assert abs(statistics.fmean(kittens) - 66) < 1.0
    # total phenotypic SD stays about 15 before clamping (variance is conserved)
    assert 11 < statistics.pstdev(kittens) < 16


def test_parent_inbreeding_reduces_mendelian_variance() -> None:
    outbred = [inherit_stats({"agility": 50}, {"agility": 50}, 0, 0, random.Random(i))["agility"]
               for i in range(3000)]  # fmt: skip
    inbred = [inherit_stats({"agility": 50}, {"agility": 50}, 1, 1, random.Random(i))["agility"]
              for i in range(3000)]  # fmt: skip
    assert statistics.pvariance(inbred) < statistics.pvariance(outbred)


def test_inbreeding_depression_lowers_stats() -> None:
    base = inherit_stats(STATS, STATS, 0, 0, random.Random(9))
    depressed = inherit_stats(STATS, STATS, 0, 0, random.Random(9), coi=F(1, 4))
    assert all(depressed[k] <= base[k] for k in STATS)
    assert base["agility"] - depressed["agility"] == inbreeding_penalty(F(1, 4)).stat_malus


def test_inbreeding_penalty_table() -> None:
    assert inbreeding_penalty(0).level == "none"
    assert inbreeding_penalty(0).compatibility_malus == 0
    full = inbreeding_penalty(F(1, 4))
    assert (full.level, full.compatibility_malus, full.stat_malus) == ("severe", 50, 10)
    half = inbreeding_penalty(F(1, 8))
    assert (half.level, half.compatibility_malus, half.stat_malus) == ("high", 25, 5)
    cousins = inbreeding_penalty(F(1, 16))
    assert (cousins.level, cousins.compatibility_malus, cousins.stat_malus) == ("moderate", 13, 3)
    assert inbreeding_penalty(0.01).level == "low"
    with pytest.raises(ValueError):
        inbreeding_penalty(F(3, 2))


def test_personality_tendency() -> None:
    dist = personality_distribution("lazy", "curious")
    assert sum(dist.values()) == 1
    assert dist["lazy"] == dist["curious"] > dist["playful"]
    rng = random.Random(2)
    draws = [inherit_personality("lazy", "curious", rng) for _ in range(6000)]
    assert abs(draws.count("lazy") / 6000 - float(dist["lazy"])) < 0.03
    assert set(draws) == set(PERSONALITY_TYPES)
    with pytest.raises(ValueError, match="grumpy"):
        inherit_personality("grumpy", "lazy", rng)


def test_mutations_are_rare_and_documented() -> None:
    rng = random.Random(11)
    rolls = [roll_mutation(rng) for _ in range(20000)]
    hits = [m for m in rolls if m is not None]
    assert abs(len(hits) / 20000 - MUTATION_RATE) < 0.003
    assert {(m.locus, m.allele) for m in hits} <= {(e[0], e[1]) for e in MUTATION_TABLE}
    assert all(m.kind == "new_allele" and m.description for m in hits)


def test_apply_mutation() -> None:
    g = parse_genotype("o/Y B/B")
    m = next(m for m in (roll_mutation(random.Random(i), rate=1.0) for i in range(200))
             if m is not None and m.locus == "B" and m.allele == "b")  # fmt: skip
    mutated = apply_mutation(g, m)
    assert mutated.pair("B") == ("B", "b")
    assert phenotype(mutated).eumelanin == "black"  # a hidden new recessive: a carrier
    assert apply_mutation(parse_genotype("o/Y b/b"), m) == parse_genotype("o/Y b/b")


def cat(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "breed": "tabby",
        "generation": 1,
        "personality_type": "curious",
        "offspring_count": 0,
        "genotype": "o/Y",
        **dict.fromkeys(STATS, 50),
    }
    base.update(kw)
    return base


def test_compatibility_formula() -> None:
    sire = cat(breed="siamese", genotype="o/Y b/b d/d dm/dm a/a l/l")
    dam = cat(genotype="o/o B/B D/D Dm/Dm A/A L/L")
    # 20 breeds + 15 generations + 30 (no shared dominant traits besides Mc, C: 2) ...
    score = compatibility(sire, dam, F(0))
    # shared dominant: Mc, C (W, Ta, Sp, I, Wb: both recessive defaults) -> 30 - 10 = 20
    assert score == 20 + 15 + 20 + 20 + 10 + 10
    assert compatibility(sire, dam, F(1, 4)) == score - 50
    assert compatibility(cat(), cat(), F(1, 2)) == 0
    assert 0 <= compatibility(cat(), cat(), F(0)) <= 100


def test_compatibility_parts() -> None:
    same = compatibility(cat(), cat(), 0)
    assert compatibility(cat(breed="persian"), cat(), 0) == same + 20
    assert compatibility(cat(generation=5), cat(generation=1), 0) == same - 15
    assert compatibility(cat(offspring_count=3), cat(), 0) == same - 10
    gap = cat(**dict.fromkeys(STATS, 80))
    assert compatibility(gap, cat(), 0) == same - 10
    nested = {
        "stats": dict.fromkeys(STATS, 80),
        **{k: v for k, v in cat().items() if k not in STATS},
    }
    assert compatibility(nested, cat(), 0) == same - 10


def test_social_butterfly_is_compatible_with_all() -> None:
    t = cat(personality_type="territorial")
    assert compatibility(t, t, 0) < compatibility(t, cat(), 0)
    butterfly = cat(personality_type="social_butterfly")
    for p in PERSONALITY_TYPES:
        assert compatibility(butterfly, cat(personality_type=p), 0) == compatibility(
            butterfly, cat(personality_type="curious"), 0
        )
    assert MIN_COMPATIBILITY == 20


def test_special_cats_match_their_looks() -> None:
    bandit = phenotype(special_genotype("bandit"))
    assert special_genotype("bandit").sex == "male"
    assert (bandit.eumelanin, bandit.white, bandit.name) == ("black", "low", "black and white")
    luna = special_genotype("luna")
    assert luna.sex == "female" and phenotype(luna).name == "black smoke"
    rycat = special_genotype("rycat")
    assert rycat.sex == "male" and "tabby" in phenotype(rycat).name
    assert set(SPECIAL_GENOTYPES) == {"bandit", "luna", "rycat"}
    with pytest.raises(KeyError):
        special_genotype("garfield")


def test_random_genotypes_realistic() -> None:
    rng = random.Random(42)
    cats = [random_genotype(rng, "female") for _ in range(3000)]
    solid = sum(phenotype(g).tabby == "none" for g in cats) / len(cats)
    white = sum(phenotype(g).white == "dominant" for g in cats) / len(cats)
    pointed = sum(phenotype(g).restriction == "point" for g in cats) / len(cats)
    assert 0.3 < solid < 0.42  # a/a (0.75^2) without orange (0.8^2): 0.36
    assert white < 0.05
    assert pointed < 0.01
    assert random_genotype(random.Random(1), "male") == random_genotype(random.Random(1), "male")


def test_roll_traits() -> None:
    rng = random.Random(4)
    white = parse_genotype("o/Y W/w")
    traits = [roll_traits(white, rng) for _ in range(3000)]
    assert {t.eye_colour for t in traits} == {"blue", "odd-eyed", "copper"}
    assert all(t.white_grade == 10 for t in traits)
    blue = [t for t in traits if t.eye_colour == "blue"]
    assert all(t.deafness_risk == 0.75 for t in blue)
    assert 0.6 < sum(t.deaf for t in blue) / len(blue) < 0.9
    point = roll_traits(parse_genotype("o/Y cs/cs"), rng)
    assert point.eye_colour == "blue" and not point.deaf and point.deafness_risk == 0
    tux = roll_traits(special_genotype("bandit"), rng)
    assert 1 <= tux.white_grade <= 5
