"""The rule tables: every personality is complete, special cats and territory rules hold."""

from __future__ import annotations

import random

import pytest

from purrr_core import Conflict, InvalidRequest, catalog, personality, unlock_progress
from purrr_core.catalog import SCHEDULE_LEVELS, time_of_day
from purrr_core.territory import claim, install_furniture
from tests.core.conftest import make_cat


def test_six_personalities_with_multipliers_and_schedules():
    table = catalog.personalities()
    assert set(table) == {"playful", "aloof", "curious", "lazy", "territorial", "social_butterfly"}
    for p in table.values():
        assert set(p.schedule) == {"morning", "afternoon", "evening", "night"}
        assert set(p.growth) == {
            "intelligence",
            "strength",
            "agility",
            "charisma",
            "training",
            "social",
        }
    assert table["playful"].happiness_multiplier("play") == 1.5
    assert (
        table["aloof"].energy_gain == 0.9 and table["aloof"].happiness_multiplier("solitude") == 1.3
    )


def test_unknown_personality_lists_the_choices():
    with pytest.raises(InvalidRequest, match="'grumpy'.*playful"):
        personality("grumpy")


@pytest.mark.parametrize(
    ("hour", "part"),
    [(6, "morning"), (12, "afternoon"), (18, "evening"), (22, "night"), (3, "night")],
)
def test_time_of_day(hour, part):
    assert time_of_day(hour) == part
    assert personality("playful").activity_level(hour) in SCHEDULE_LEVELS.values()
    assert personality("playful").level_in(part) == personality("playful").activity_level(hour)


def test_special_cats_and_unlock_progress():
    specials = catalog.special_cats()
    assert specials["bandit"].game_bonuses == {"mouse_hunt": 0.10}
    assert specials["rycat"].level == 10 and specials["luna"].rarity == "epic"
    progress = {p["id"]: p for p in unlock_progress({"mice_caught": 40, "puzzles_completed": 30})}
    assert (
        progress["bandit"]["current"],
        progress["bandit"]["required"],
        progress["bandit"]["percent"],
    ) == (40, 100, 40)
    assert progress["rycat"]["unlocked"] and not progress["luna"]["unlocked"]


def test_territory_needs_level_three_and_energy_fifty():
    with pytest.raises(Conflict, match="level 3"):
        claim(make_cat(level=2), "garden", "Backyard", None, random.Random(1))
    with pytest.raises(Conflict, match="energy 50"):
        claim(make_cat(level=3, energy=40), "garden", "Backyard", None, random.Random(1))
    won = claim(make_cat(level=3, energy=60), "garden", "Backyard", None, random.Random(1))
    assert won["won"] and won["territory"]["bonus_multiplier"] == 1.10


def test_territory_challenges_favour_the_stronger_territorial_cat():
    strong = make_cat(id=2, level=10, strength=90, agility=80, personality_type="territorial")
    weak = make_cat(id=3, level=3, strength=20, agility=20, energy=60)
    wins = sum(
        claim(strong, "alley", "Back alley", weak, random.Random(s))["won"] for s in range(200)
    )
    losses = sum(
        claim(weak, "alley", "Back alley", strong, random.Random(s))["won"] for s in range(200)
    )
    assert wins > 180 and losses < 20


def test_furniture_adds_bonuses():
    territory = claim(make_cat(level=3, energy=60), "rooftop", "Roof", None, random.Random(1))[
        "territory"
    ]
    from purrr_core.territory import Territory

    t = install_furniture(Territory.model_validate(territory), "cat_tree")
    assert t.bonuses() == {"rest": 0.05, "climbing": 0.2}
    with pytest.raises(InvalidRequest, match="'sofa'"):
        install_furniture(t, "sofa")


def test_a_claim_with_a_clock_costs_energy_win_or_lose():
    from tests.core.conftest import NOW

    cat = make_cat(id=4, level=3, energy=60, decayed_at=NOW)
    won = claim(cat, "garden", "Backyard", None, random.Random(1), NOW)
    assert won["won"] and won["cat"].energy == 45 and won["energy_spent"] == 15
    strong = make_cat(id=5, level=30, strength=99, agility=99, energy=99, decayed_at=NOW)
    lost = claim(cat, "garden", "Backyard", strong, random.Random(1), NOW)
    assert not lost["won"] and lost["cat"].energy == 45 and "territory" not in lost


def test_territory_perks_scale_rest_and_climbing_and_favour_territorial_cats():
    from purrr_core import perform
    from purrr_core.territory import NO_PERKS, Territory, perks
    from tests.core.conftest import NOW

    alley = Territory(
        type="alley",
        location="Fish alley",
        holder_cat_id=1,
        bonus_multiplier=1.2,
        furniture=("cat_bed", "cat_tree", "scratching_post", "window_perch"),
    )
    assert perks(alley, "territorial").model_dump() == {"rest": 1.6, "climbing": 1.6}
    assert perks(alley, "lazy").model_dump() == {"rest": 1.5, "climbing": 1.5}
    assert perks(None, "lazy") == NO_PERKS
    tired = make_cat(energy=20, decayed_at=NOW)
    _, plain = perform(tired, "rest", {}, NOW, random.Random(1))
    _, held = perform(tired, "rest", {}, NOW, random.Random(1), perks(alley, "playful"))
    assert held["energy_gained"] > plain["energy_gained"]
    climb = {"game": "cat_tower_climbing", "duration": 10}
    _, plain = perform(make_cat(decayed_at=NOW), "play", climb, NOW, random.Random(1))
    _, held = perform(
        make_cat(decayed_at=NOW), "play", climb, NOW, random.Random(1), perks(alley, "playful")
    )
    assert held["xp_gained"] > plain["xp_gained"]
    ball = {"game": "ball_toss", "duration": 10}
    _, plain = perform(make_cat(decayed_at=NOW), "play", ball, NOW, random.Random(1))
    _, held = perform(
        make_cat(decayed_at=NOW), "play", ball, NOW, random.Random(1), perks(alley, "playful")
    )
    assert held["xp_gained"] == plain["xp_gained"]  # only climbing play
