"""Invariants of the exact cross (hypothesis) and convergence of sampling to it."""

from __future__ import annotations

import json
import random
from collections import Counter
from fractions import Fraction
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from purrr_core.genetics import (
    LOCI,
    Genotype,
    cross,
    parse_genotype,
    phenotype,
    random_genotype,
    sample_offspring,
)


@st.composite
def genotypes(draw: st.DrawFn, sex: str) -> Genotype:
    tokens = []
    for locus in LOCI:
        if locus.x_linked:
            if sex == "male":
                tokens.append(f"{draw(st.sampled_from(locus.alleles))}/Y")
            else:
                a, b = draw(st.sampled_from(locus.alleles)), draw(st.sampled_from(locus.alleles))
                tokens.append(f"{a}/{b}")
        elif draw(st.booleans()):
            a, b = draw(st.sampled_from(locus.alleles)), draw(st.sampled_from(locus.alleles))
            tokens.append(f"{a}/{b}")
    draw(st.randoms()).shuffle(tokens)
    return parse_genotype(" ".join(tokens))


sires = genotypes("male")
dams = genotypes("female")


@settings(max_examples=150, deadline=None)
@given(sires, dams)
def test_probabilities_are_exact_and_sex_ratio_even(sire: Genotype, dam: Genotype) -> None:
    result = cross(sire, dam)
    assert sum(o.probability for o in result.offspring) == 1
    for sex in ("male", "female"):
        assert sum(o.probability for o in result.offspring if o.sex == sex) == Fraction(1, 2)
    assert all(o.probability > 0 for o in result.offspring)
    entries = [(o.sex, o.phenotype) for o in result.offspring]
    assert len(entries) == len(set(entries))  # merged


@settings(max_examples=100, deadline=None)
@given(sires, dams)
def test_no_tortoiseshell_male_and_sons_never_get_o_from_sire(
    sire: Genotype, dam: Genotype
) -> None:
    result = cross(sire, dam)
    dam_has_orange = "O" in dam.pair("O")
    for o in result.by_sex("male"):
        assert not o.phenotype.tortoiseshell
        if not dam_has_orange:
            assert o.phenotype.phaeomelanin is None


@settings(max_examples=100, deadline=None)
@given(sires, dams)
def test_two_dilute_parents_never_give_dense_kittens(sire: Genotype, dam: Genotype) -> None:
    sire = sire.with_pair("D", "d", "d")
    dam = dam.with_pair("D", "d", "d")
    dense = {"black", "chocolate", "cinnamon", "red"}
    for o in cross(sire, dam).offspring:
        assert o.phenotype.eumelanin not in dense
        assert o.phenotype.phaeomelanin not in dense


@settings(max_examples=60, deadline=None)
@given(sires, dams, st.integers(0, 2**32))
def test_sampled_kittens_are_possible_outcomes(sire: Genotype, dam: Genotype, seed: int) -> None:
    possible = {(o.sex, o.phenotype) for o in cross(sire, dam).offspring}
    rng = random.Random(seed)
    for _ in range(20):
        kitten = sample_offspring(sire, dam, rng)
        assert (kitten.sex, phenotype(kitten)) in possible
        assert parse_genotype(kitten.format()) == kitten


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32))
def test_random_genotypes_parse_and_cross(seed: int) -> None:
    rng = random.Random(seed)
    sire, dam = random_genotype(rng, "male"), random_genotype(rng, "female")
    assert (sire.sex, dam.sex) == ("male", "female")
    assert parse_genotype(sire.format()) == sire
    assert sum(o.probability for o in cross(sire, dam).offspring) == 1


def test_sampling_converges_to_exact_distribution() -> None:
    sire = parse_genotype("o/Y B/b D/d A/a Mc/mc S/w C/cs I/i L/l")
    dam = parse_genotype("O/o B/bl D/d A/a Mc/mc W/w cs/ca i/i L/l")
    exact = {(o.sex, o.phenotype): o.probability for o in cross(sire, dam).offspring}
    rng = random.Random(20240601)
    n = 20_000
    counts = Counter(
        (k.sex, phenotype(k)) for k in (sample_offspring(sire, dam, rng) for _ in range(n))
    )
    assert set(counts) <= set(exact)
    # chi-square over cells with expected count >= 5, the rest pooled
    chi2 = 0.0
    cells = 0
    pooled_obs = 0
    pooled_exp = 0.0
    for key, p in exact.items():
        expected = float(p) * n
        if expected >= 5:
            chi2 += (counts[key] - expected) ** 2 / expected
            cells += 1
        else:
            pooled_obs += counts[key]
            pooled_exp += expected
    if pooled_exp > 0:
        chi2 += (pooled_obs - pooled_exp) ** 2 / pooled_exp
        cells += 1
    dof = cells - 1
    # mean dof, sd sqrt(2 dof): 5 sd is far beyond chance for a fixed seed
    assert chi2 < dof + 5 * (2 * dof) ** 0.5, (chi2, dof)


def test_sampling_respects_requested_sex() -> None:
    rng = random.Random(3)
    sire, dam = parse_genotype("O/Y"), parse_genotype("o/o")
    for _ in range(50):
        son = sample_offspring(sire, dam, rng, sex="male")
        assert son.sex == "male" and son.pair("O") == ("o", "Y")
        daughter = sample_offspring(sire, dam, rng, sex="female")
        assert daughter.pair("O") == ("O", "o")


def test_sampling_is_seeded() -> None:
    sire = parse_genotype("o/Y B/b D/d A/a")
    dam = parse_genotype("O/o B/b D/d A/a")
    first = [sample_offspring(sire, dam, random.Random(7)) for _ in range(3)]
    second = [sample_offspring(sire, dam, random.Random(7)) for _ in range(3)]
    assert first == second


def _brute_force(sire: Genotype, dam: Genotype) -> dict[tuple[str, object], Fraction]:
    """Every gamete combination, each kitten evaluated on its own (small crosses only)."""
    per_locus = []
    for locus, s, d in zip(LOCI, sire.pairs, dam.pairs, strict=True):
        if locus.x_linked:
            options = [("male", (x, "Y")) for x in d] + [("female", (s[0], x)) for x in d]
        else:
            options = [(None, (a, b)) for a in s for b in d]
        per_locus.append(Counter(options))  # equal gametes collapse into one weighted option
    result: Counter[tuple[str, object]] = Counter()
    for combo in product(*(c.items() for c in per_locus)):
        weight = 1
        for _, count in combo:
            weight *= count
        sex = next(sex for (sex, _), _ in combo if sex is not None)
        kitten = parse_genotype(" ".join("/".join(pair) for (_, pair), _ in combo))
        assert kitten.sex == sex
        result[(sex, json.dumps(phenotype(kitten).model_dump(), sort_keys=True))] += weight
    total = 4 ** len(LOCI)
    return {k: Fraction(v, total) for k, v in result.items()}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32))
def test_factorised_cross_equals_brute_force(seed: int) -> None:
    rng = random.Random(seed)

    # parents heterozygous at a few random loci keep the brute force small (<= 4**5 * 4 kittens)
    def parent(sex: str) -> Genotype:
        tokens = []
        chosen = rng.sample([lc for lc in LOCI if not lc.x_linked], 5)
        for locus in chosen:
            tokens.append(f"{rng.choice(locus.alleles)}/{rng.choice(locus.alleles)}")
        o = LOCI[0].alleles
        tokens.append(f"{rng.choice(o)}/Y" if sex == "male" else f"{rng.choice(o)}/{rng.choice(o)}")
        return parse_genotype(" ".join(tokens))

    sire, dam = parent("male"), parent("female")
    exact = {
        (o["sex"], json.dumps(o["phenotype"], sort_keys=True)): Fraction(o["probability"])
        for o in cross(sire, dam).to_contract()["offspring"]  # type: ignore[union-attr]
    }
    assert exact == _brute_force(sire, dam)


@settings(max_examples=60, deadline=None)
@given(sires, dams)
def test_contract_entries_unique_and_consistent(sire: Genotype, dam: Genotype) -> None:
    contract = cross(sire, dam).to_contract()
    entries = contract["offspring"]
    assert isinstance(entries, list)
    seen = [(e["sex"], json.dumps(e["phenotype"], sort_keys=True)) for e in entries]
    assert len(seen) == len(set(seen))
    for e in entries:
        assert Fraction(e["probability"]) == Fraction(e["p"]).limit_denominator(4**14)
