"""Exact kinship and COI from pedigrees."""

from __future__ import annotations

from fractions import Fraction as F
from typing import Any

import pytest

from purrr_core.genetics import PedigreeError, coi_from_pedigree, inbreeding_coefficient, kinship


def cat(cat_id: str, sire: str | None = None, dam: str | None = None) -> dict[str, Any]:
    return {"id": cat_id, "sire": sire, "dam": dam}


FAMILY = [
    cat("gs"), cat("gd"), cat("x"), cat("y"), cat("z"),
    cat("s1", "gs", "gd"), cat("s2", "gs", "gd"), cat("h", "gs", "x"),
    cat("c1", "s1", "y"), cat("c2", "z", "s2"),
]  # fmt: skip


def test_full_siblings() -> None:
    assert coi_from_pedigree({"cats": FAMILY}, "s1", "s2") == F(1, 4)


def test_half_siblings() -> None:
    assert coi_from_pedigree(FAMILY, "s1", "h") == F(1, 8)


def test_first_cousins() -> None:
    assert coi_from_pedigree(FAMILY, "c1", "c2") == F(1, 16)


def test_parent_offspring_and_unrelated() -> None:
    assert coi_from_pedigree(FAMILY, "gs", "s2") == F(1, 4)
    assert coi_from_pedigree(FAMILY, "x", "y") == 0
    assert coi_from_pedigree(FAMILY, "gs", "gd") == 0


def test_repeated_full_sib_mating() -> None:
    cats = [cat("m0"), cat("f0")]
    for g in range(1, 7):
        cats += [cat(f"m{g}", f"m{g - 1}", f"f{g - 1}"), cat(f"f{g}", f"m{g - 1}", f"f{g - 1}")]
    # F of generation g is the kinship of its parents
    got = [inbreeding_coefficient(cats, f"m{g}") for g in range(1, 7)]
    assert got == [F(0), F(1, 4), F(3, 8), F(1, 2), F(19, 32), F(43, 64)]
    assert coi_from_pedigree(cats, "m6", "f6") == F(47, 64)


def test_inbred_ancestor_self_kinship() -> None:
    cats = [cat("a"), cat("b"), cat("s", "a", "b"), cat("d", "a", "b"), cat("i", "s", "d")]
    # i is inbred (F = 1/4), so its kinship with itself is (1 + 1/4) / 2
    assert kinship(cats, "i", "i") == F(5, 8)
    # backcross of i to its sire
    assert coi_from_pedigree(cats, "s", "i") == F(3, 8)


def test_mapping_form_and_int_ids() -> None:
    cats = {1: {"sire": None, "dam": None}, 2: {"sire": None, "dam": None},
            3: {"sire": 1, "dam": 2}, 4: {"sire": 1, "dam": 2}}  # fmt: skip
    assert coi_from_pedigree(cats, 3, 4) == F(1, 4)


def test_unknown_ids_are_named() -> None:
    with pytest.raises(PedigreeError, match="'nobody'"):
        coi_from_pedigree(FAMILY, "s1", "nobody")
    with pytest.raises(PedigreeError, match="'ghost'"):
        coi_from_pedigree([cat("a", "ghost"), cat("b")], "a", "b")


def test_cycles_are_errors() -> None:
    cats = [cat("a", "b"), cat("b", "a"), cat("c")]
    with pytest.raises(PedigreeError, match="cycle"):
        coi_from_pedigree(cats, "a", "c")
    with pytest.raises(PedigreeError, match="'s'"):
        coi_from_pedigree([cat("s", "s"), cat("d")], "s", "d")


def test_duplicates_and_self_mating_are_errors() -> None:
    with pytest.raises(PedigreeError, match="twice"):
        coi_from_pedigree([cat("a"), cat("a"), cat("b")], "a", "b")
    with pytest.raises(PedigreeError, match="same cat"):
        coi_from_pedigree(FAMILY, "s1", "s1")


def test_deep_pedigree_without_recursion_limit() -> None:
    cats = [cat("m0"), cat("f0")]
    for g in range(1, 1500):
        cats += [cat(f"m{g}", f"m{g - 1}", f"f{g - 1}"), cat(f"f{g}", f"m{g - 1}", f"f{g - 1}")]
    value = coi_from_pedigree(cats, "m1499", "f1499")
    assert F(99, 100) < value < 1
