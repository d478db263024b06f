"""Adoption gives every cat a genome; special cats have fixed identities that match their looks."""

from __future__ import annotations

import random

import pytest

from purrr_core import InvalidRequest, adopt, level_progress, special_cat, xp_for_level
from purrr_core.genetics import parse_genotype, phenotype
from tests.core.conftest import NOW


def test_adopted_cats_have_spec_defaults_and_a_seeded_genome():
    a = adopt("Mochi", "lazy", now=NOW, rng=random.Random(3))
    b = adopt("Mochi", "lazy", now=NOW, rng=random.Random(3))
    assert a == b and a.genotype and parse_genotype(a.genotype).sex == a.sex
    assert (a.level, a.experience, a.happiness, a.energy, a.hunger, a.health) == (
        1,
        0,
        50,
        100,
        0,
        100,
    )
    assert a.stimulant_response in {
        "catnip_responder",
        "honeysuckle_responder",
        "dual_responder",
        "non_responder",
    }


def test_a_given_genotype_is_kept_and_must_agree_with_the_sex():
    cat = adopt("Ginger", "playful", now=NOW, rng=random.Random(1), genotype="O/Y D/d")
    assert cat.sex == "male" and phenotype(parse_genotype(cat.genotype)).phaeomelanin == "red"
    with pytest.raises(InvalidRequest, match="female"):
        adopt("Ginger", "playful", now=NOW, rng=random.Random(1), genotype="O/o", sex="male")
    with pytest.raises(InvalidRequest, match="'Q'"):
        adopt("Ginger", "playful", now=NOW, rng=random.Random(1), genotype="O/Y B/Q")


@pytest.mark.parametrize("name", ["", "   ", "a" * 101, "bad\x07name"])
def test_bad_names_are_refused(name):
    with pytest.raises(InvalidRequest):
        adopt(name, "lazy", now=NOW, rng=random.Random(1))


def test_bandit_is_a_black_and_white_tuxedo_at_level_fifteen():
    bandit = special_cat("bandit", now=NOW, rng=random.Random(1))
    look = phenotype(parse_genotype(bandit.genotype))
    # on the XP curve: exactly the XP level 15 needs (level progress 0, never negative)
    assert (bandit.name, bandit.level, bandit.experience, bandit.special_id) == (
        "BanditCat",
        15,
        xp_for_level(15),
        "bandit",
    )
    assert level_progress(bandit)["xp_into_level"] == 0
    assert look.eumelanin == "black" and look.white in ("low", "high") and look.tabby == "none"
    assert bandit.personality_type == "playful" and bandit.sex == "male"


def test_special_cats_come_once_and_only_when_unlocked():
    from purrr_core import Conflict, adopt_special

    with pytest.raises(Conflict, match="99/100"):
        adopt_special("bandit", {"mice_caught": 99}, set(), now=NOW, rng=random.Random(1))
    bandit = adopt_special("bandit", {"mice_caught": 100}, set(), now=NOW, rng=random.Random(1))
    assert bandit.special_id == "bandit"
    with pytest.raises(Conflict, match="already"):
        adopt_special("bandit", {"mice_caught": 100}, {"bandit"}, now=NOW, rng=random.Random(1))
    with pytest.raises(InvalidRequest, match="'nyan'"):
        adopt_special("nyan", {}, set(), now=NOW, rng=random.Random(1))


def test_special_cats_arrive_with_stats_grown_for_their_level():
    from purrr_core import catalog
    from purrr_core.levels import stat_growth

    for special_id, spec in catalog.special_cats().items():
        star = special_cat(special_id, now=NOW, rng=random.Random(1))
        plain = adopt("Plain", spec.personality_type, now=NOW, rng=random.Random(1))
        growth = stat_growth(plain, spec.level)
        for stat, gained in growth.items():
            assert getattr(star, stat) == getattr(plain, stat) + gained
        assert sum(growth.values()) > 5 * (spec.level - 1)  # grown, not all 50
