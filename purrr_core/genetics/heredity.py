"""Breeding rules beyond coat colour: heritable stats, personality, mutations, compatibility.

Every number here is documented in docs/genetics.md. The quantitative-genetics formulas are the
textbook ones (Falconer & Mackay); the balance numbers (penalties, weights) are game choices.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import floor, sqrt
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict

from purrr_core.genetics.genotype import Genotype, GenotypeError, parse_genotype
from purrr_core.genetics.loci import LOCI

# --- heritable stats -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatRule:
    """How one advanced stat is inherited: heritability, population mean and phenotypic SD."""

    heritability: float
    mean: float
    sd: float


DEFAULT_STAT_RULE = StatRule(heritability=0.4, mean=50.0, sd=15.0)
STAT_RULES: Mapping[str, StatRule] = MappingProxyType(
    {
        "intelligence": DEFAULT_STAT_RULE,
        "strength": DEFAULT_STAT_RULE,
        "agility": DEFAULT_STAT_RULE,
        "charisma": DEFAULT_STAT_RULE,
        "social": DEFAULT_STAT_RULE,
        # training is learned, not inherited: every kitten starts untrained
        "training": StatRule(heritability=0.0, mean=0.0, sd=0.0),
    }
)


def _stat_value(stats: Mapping[str, int], name: str, rule: StatRule) -> float:
    value = stats.get(name)
    return rule.mean if value is None else float(value)


def inherit_stats(
    sire_stats: Mapping[str, int],
    dam_stats: Mapping[str, int],
    f_sire: float | Fraction,
    f_dam: float | Fraction,
    rng: random.Random,
    *,
    coi: float | Fraction = 0,
) -> dict[str, int]:
    """A kitten's advanced stats: predicted mid-parent genetic value + Mendelian sampling + noise.

    Per stat with heritability h2, phenotypic SD s (sigma2_A = h2 s^2, sigma2_E = (1-h2) s^2):
    a parent's breeding value is predicted from its stat as h2 (P - mean) with prediction-error
    variance (1 - h2) sigma2_A; the kitten's genetic value is the mean of the parents' predictions
    plus a normal draw with variance (1/2 - 1/4 (F_sire + F_dam)) sigma2_A (Mendelian sampling)
    + 1/4 of the parents' prediction-error variances; environment adds sigma2_E. Inbreeding
    depression (`inbreeding_penalty(coi).stat_malus`) is subtracted. Rounded, clamped to 0-100.
    Stats named by either parent are inherited, in sorted order (deterministic for a seed).
    """
    f_s, f_d = float(f_sire), float(f_dam)
    for label, f in (("f_sire", f_s), ("f_dam", f_d)):
        if not 0.0 <= f <= 1.0:
            raise ValueError(f"{label} must be between 0 and 1, not {f}")
    malus = inbreeding_penalty(Fraction(coi)).stat_malus
    kitten: dict[str, int] = {}
    for name in sorted(set(sire_stats) | set(dam_stats)):
        rule = STAT_RULES.get(name, DEFAULT_STAT_RULE)
        var_a = rule.heritability * rule.sd**2
        var_e = (1.0 - rule.heritability) * rule.sd**2
        pred_sire = rule.heritability * (_stat_value(sire_stats, name, rule) - rule.mean)
        pred_dam = rule.heritability * (_stat_value(dam_stats, name, rule) - rule.mean)
        prediction_error = (1.0 - rule.heritability) * var_a
        var_genetic = (0.5 - 0.25 * (f_s + f_d)) * var_a + 0.5 * prediction_error
        genetic = (pred_sire + pred_dam) / 2 + rng.gauss(0.0, sqrt(var_genetic))
        environment = rng.gauss(0.0, sqrt(var_e))
        value = rule.mean + genetic + environment
        if rule.heritability > 0:
            value -= malus
        kitten[name] = max(0, min(100, round(value)))
    return kitten


# --- personality -----------------------------------------------------------------------------

PERSONALITY_TYPES: tuple[str, ...] = (
    "playful", "aloof", "curious", "lazy", "territorial", "social_butterfly",
)  # fmt: skip
# a kitten takes the sire's type, the dam's type, or any of the six at random
PERSONALITY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"sire": 0.4, "dam": 0.4, "random": 0.2}
)


def _check_personality(value: str) -> str:
    if value not in PERSONALITY_TYPES:
        raise ValueError(
            f"unknown personality {value!r}; expected one of {', '.join(PERSONALITY_TYPES)}"
        )
    return value


def inherit_personality(sire_personality: str, dam_personality: str, rng: random.Random) -> str:
    """A kitten's personality type: a tendency toward the parents' types, with chance of any."""
    sire = _check_personality(sire_personality)
    dam = _check_personality(dam_personality)
    roll = rng.random()
    if roll < PERSONALITY_WEIGHTS["sire"]:
        return sire
    if roll < PERSONALITY_WEIGHTS["sire"] + PERSONALITY_WEIGHTS["dam"]:
        return dam
    return PERSONALITY_TYPES[rng.randrange(len(PERSONALITY_TYPES))]


def personality_distribution(sire_personality: str, dam_personality: str) -> dict[str, Fraction]:
    """The exact chance of each personality type for a kitten of these parents."""
    sire = _check_personality(sire_personality)
    dam = _check_personality(dam_personality)
    weights = {k: Fraction(v).limit_denominator(1000) for k, v in PERSONALITY_WEIGHTS.items()}
    share = weights["random"] / len(PERSONALITY_TYPES)
    result = dict.fromkeys(PERSONALITY_TYPES, share)
    result[sire] += weights["sire"]
    result[dam] += weights["dam"]
    return result


# --- mutations -------------------------------------------------------------------------------


class Mutation(BaseModel):
    """A de novo allele in one gamete, flagged on the kitten."""

    model_config = ConfigDict(frozen=True)

    kind: str = "new_allele"
    locus: str
    allele: str
    description: str


MUTATION_RATE = 0.01  # per kitten; real per-locus rates are ~1e-5 or lower: a game exaggeration
# (locus, new allele, relative weight, what it is): loss-of-function changes, the usual kind of
# new mutation, at genes where such alleles are known in cats
MUTATION_TABLE: tuple[tuple[str, str, int, str], ...] = (
    ("B", "b", 2, "loss of TYRP1 function: chocolate"),
    ("B", "bl", 1, "loss of TYRP1 function: cinnamon"),
    ("D", "d", 3, "loss of MLPH function: dilute"),
    ("A", "a", 3, "loss of ASIP function: solid (non-agouti)"),
    ("Mc", "mc", 2, "loss of TAQPEP function: classic tabby"),
    ("L", "l", 3, "loss of FGF5 function: long hair"),
    ("C", "cs", 1, "TYR temperature-sensitive variant: point"),
    ("C", "cb", 1, "TYR temperature-sensitive variant: sepia"),
    ("C", "c", 1, "TYR loss of function: albino"),
)


def roll_mutation(rng: random.Random, rate: float = MUTATION_RATE) -> Mutation | None:
    """With probability `rate` (1 %), a new allele from MUTATION_TABLE; otherwise None."""
    if rng.random() >= rate:
        return None
    weights = [entry[2] for entry in MUTATION_TABLE]
    locus, allele, _, description = rng.choices(MUTATION_TABLE, weights=weights)[0]
    return Mutation(locus=locus, allele=allele, description=description)


def apply_mutation(g: Genotype, mutation: Mutation) -> Genotype:
    """The kitten's genotype with one allele at the mutated locus replaced.

    The first allele that differs from the new one is replaced (a new recessive allele usually
    stays hidden: a carrier). If both already equal it, the genotype is unchanged.
    """
    first, second = g.pair(mutation.locus)
    if first != mutation.allele:
        return g.with_pair(mutation.locus, mutation.allele, second)
    if second != mutation.allele and second != "Y":
        return g.with_pair(mutation.locus, first, mutation.allele)
    return g


# --- inbreeding penalty ----------------------------------------------------------------------


class InbreedingPenalty(BaseModel):
    """What a kitten's COI costs: compatibility points, stat points, and a risk label."""

    model_config = ConfigDict(frozen=True)

    coi: float
    level: str
    compatibility_malus: int
    stat_malus: int


# lower bounds of each level, strictest first
INBREEDING_LEVELS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(1, 4), "severe"),
    (Fraction(1, 8), "high"),
    (Fraction(1, 16), "moderate"),
    (Fraction(0), "low"),
)
COMPATIBILITY_MALUS_PER_COI = 200  # points per unit F: full sibs -50, half sibs -25, cousins -13
STAT_MALUS_PER_COI = 40  # stat points per unit F: full sibs -10, half sibs -5, cousins -3


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


def inbreeding_penalty(coi: Fraction | float) -> InbreedingPenalty:
    """The documented penalty for a kitten with this COI (linear in F, as depression is)."""
    f = Fraction(coi).limit_denominator(1 << 20) if isinstance(coi, float) else Fraction(coi)
    if not 0 <= f <= 1:
        raise ValueError(f"a coefficient of inbreeding lies between 0 and 1, not {coi}")
    return _penalty(f)


@lru_cache(maxsize=1024)
def _penalty(f: Fraction) -> InbreedingPenalty:
    level = "none" if f == 0 else next(name for bound, name in INBREEDING_LEVELS if f >= bound)
    return InbreedingPenalty(
        coi=float(f),
        level=level,
        compatibility_malus=min(100, _round_half_up(COMPATIBILITY_MALUS_PER_COI * f)),
        stat_malus=_round_half_up(STAT_MALUS_PER_COI * f),
    )


# --- compatibility ---------------------------------------------------------------------------

ADVANCED_STATS: tuple[str, ...] = (
    "intelligence", "strength", "agility", "charisma", "training", "social",
)  # fmt: skip
MIN_COMPATIBILITY = 20  # breeding is blocked below this score
# unordered personality pairs that clash, and by how much; social_butterfly clashes with no one
PERSONALITY_CLASHES: Mapping[frozenset[str], int] = MappingProxyType(
    {
        frozenset({"territorial"}): 15,  # two territorial cats
        frozenset({"territorial", "aloof"}): 10,
        frozenset({"aloof"}): 5,
        frozenset({"playful", "lazy"}): 5,
    }
)
COMPATIBILITY_POINTS: Mapping[str, int] = MappingProxyType(
    {
        "different_breeds": 20,
        "generations_close": 15,  # generations within 2
        "shared_dominant_base": 30,  # minus 5 per shared dominant trait
        "shared_dominant_step": 5,
        "stat_gap_base": 20,  # minus stat gap / 3
        "few_offspring": 10,  # per parent with fewer than 3 offspring
    }
)


def _genotype_of(cat: Mapping[str, Any]) -> Genotype | None:
    value = cat.get("genotype")
    if value is None:
        return None
    if isinstance(value, Genotype):
        return value
    try:
        return parse_genotype(str(value))
    except GenotypeError:
        return None


def shared_dominant_traits(sire: Genotype, dam: Genotype) -> int:
    """Autosomal loci where both parents show the most dominant allele's trait."""
    count = 0
    for locus, s, d in zip(LOCI, sire.pairs, dam.pairs, strict=True):
        if locus.x_linked:
            continue
        top = locus.alleles[0]
        if s[0] == top and d[0] == top:
            count += 1
    return count


def _stats_of(cat: Mapping[str, Any]) -> Mapping[str, Any]:
    nested = cat.get("stats")
    return nested if isinstance(nested, Mapping) else cat


def _mean_advanced(cat: Mapping[str, Any]) -> float:
    stats = _stats_of(cat)
    values = [float(stats[name]) for name in ADVANCED_STATS if stats.get(name) is not None]
    return sum(values) / len(values) if values else 50.0


def personality_clash(sire_personality: str | None, dam_personality: str | None) -> int:
    """Points lost to a personality clash (0 if either parent is a social butterfly)."""
    if sire_personality is None or dam_personality is None:
        return 0
    if "social_butterfly" in (sire_personality, dam_personality):
        return 0
    return PERSONALITY_CLASHES.get(frozenset({sire_personality, dam_personality}), 0)


def compatibility(sire: Mapping[str, Any], dam: Mapping[str, Any], coi: Fraction | float) -> int:
    """Compatibility score 0-100 (SPEC §3); breeding is blocked below MIN_COMPATIBILITY.

    +20 different breeds; +15 generations within 2; +(30 - 5 x shared dominant traits, at least
    0); +(20 - gap / 3, at least 0) where gap is the difference of the parents' mean advanced
    stats; +10 per parent with fewer than 3 offspring; minus a personality clash (none with a
    social butterfly) and the inbreeding penalty. Cats are dicts with breed, generation,
    personality_type, advanced stats (top level or under "stats"), offspring_count, genotype.
    """
    pts = COMPATIBILITY_POINTS
    score = 0.0
    if sire.get("breed") != dam.get("breed"):
        score += pts["different_breeds"]
    if abs(int(sire.get("generation") or 0) - int(dam.get("generation") or 0)) <= 2:
        score += pts["generations_close"]
    g_sire, g_dam = _genotype_of(sire), _genotype_of(dam)
    shared = shared_dominant_traits(g_sire, g_dam) if g_sire and g_dam else 0
    score += max(0, pts["shared_dominant_base"] - pts["shared_dominant_step"] * shared)
    gap = abs(_mean_advanced(sire) - _mean_advanced(dam))
    score += max(0.0, pts["stat_gap_base"] - gap / 3)
    for cat in (sire, dam):
        if int(cat.get("offspring_count") or 0) < 3:
            score += pts["few_offspring"]
    score -= personality_clash(sire.get("personality_type"), dam.get("personality_type"))
    score -= inbreeding_penalty(coi).compatibility_malus
    # round half up; the small epsilon absorbs float noise from the stat means
    return max(0, min(100, floor(score + 0.5 + 1e-9)))
