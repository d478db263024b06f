"""Domestic-cat coat genetics with exact offspring probabilities, and the rest of breeding.

The door: parse and format genotypes, evaluate phenotypes, cross two cats exactly or sample a
kitten, compute kinship and COI from a pedigree, and the breeding rules (heritable stats,
personality, mutations, compatibility, inbreeding penalty). See docs/genetics.md.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Eager: what every cat's phenotype needs, and the modules named like one of their functions
# (`cross`, `phenotype`: a submodule imported later would shadow a lazily bound function).
from purrr_core.genetics.cross import CrossResult, OffspringOutcome, cross, sample_offspring
from purrr_core.genetics.genotype import Genotype, GenotypeError, Sex, parse_genotype
from purrr_core.genetics.loci import LOCI, Locus
from purrr_core.genetics.phenotype import (
    IndividualTraits,
    Phenotype,
    deafness_risk,
    explain,
    phenotype,
    roll_traits,
)

if TYPE_CHECKING:
    from purrr_core.genetics.heredity import (
        MIN_COMPATIBILITY,
        MUTATION_RATE,
        InbreedingPenalty,
        Mutation,
        apply_mutation,
        compatibility,
        inbreeding_penalty,
        inherit_personality,
        inherit_stats,
        personality_distribution,
        roll_mutation,
    )
    from purrr_core.genetics.pedigree import (
        PedigreeError,
        coi_from_pedigree,
        inbreeding_coefficient,
        kinship,
    )
    from purrr_core.genetics.random_genome import (
        ALLELE_FREQUENCIES,
        SPECIAL_GENOTYPES,
        random_genotype,
        special_genotype,
    )

#: Names imported from their module when first used: breeding, pedigrees and random genomes are
#: not needed to show a cat (a one-shot `purrr cats list` skips them).
LAZY = {
    **dict.fromkeys(
        (
            "MIN_COMPATIBILITY",
            "MUTATION_RATE",
            "InbreedingPenalty",
            "Mutation",
            "apply_mutation",
            "compatibility",
            "inbreeding_penalty",
            "inherit_personality",
            "inherit_stats",
            "personality_distribution",
            "roll_mutation",
        ),
        "heredity",
    ),
    **dict.fromkeys(
        ("PedigreeError", "coi_from_pedigree", "inbreeding_coefficient", "kinship"), "pedigree"
    ),
    **dict.fromkeys(
        ("ALLELE_FREQUENCIES", "SPECIAL_GENOTYPES", "random_genotype", "special_genotype"),
        "random_genome",
    ),
}


def __getattr__(name: str) -> Any:
    module = LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *LAZY})


__all__ = [
    "ALLELE_FREQUENCIES",
    "LOCI",
    "MIN_COMPATIBILITY",
    "MUTATION_RATE",
    "SPECIAL_GENOTYPES",
    "CrossResult",
    "Genotype",
    "GenotypeError",
    "InbreedingPenalty",
    "IndividualTraits",
    "Locus",
    "Mutation",
    "OffspringOutcome",
    "PedigreeError",
    "Phenotype",
    "Sex",
    "apply_mutation",
    "coi_from_pedigree",
    "compatibility",
    "cross",
    "deafness_risk",
    "explain",
    "inbreeding_coefficient",
    "inbreeding_penalty",
    "inherit_personality",
    "inherit_stats",
    "kinship",
    "parse_genotype",
    "personality_distribution",
    "phenotype",
    "random_genotype",
    "roll_mutation",
    "roll_traits",
    "sample_offspring",
    "special_genotype",
]
