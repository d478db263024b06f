"""Care actions: each food, play, grooming, training and treat rule from SPEC §1.4."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from purrr_core import ACTIONS, Conflict, InvalidRequest, catalog, perform
from tests.core.conftest import NOW, make_cat


def test_feed_returns_the_api_effects_and_raises_satiation(cat, rng):
    after, effects = perform(cat, "feed", {"food_item": "salmon", "quantity": 1}, NOW, rng)
    assert effects["hunger_restored"] == 32 == after.hunger - cat.hunger
    assert effects["happiness_gained"] == after.happiness - cat.happiness > 0
    assert effects["energy_gained"] == after.energy - cat.energy
    assert effects["new_stats"] == after.stats()
    assert (
        effects["interaction"]["type"] == "feed" and effects["interaction"]["activity"] == "salmon"
    )
    assert after.last_fed_at == NOW and after.version == cat.version + 1


@pytest.mark.parametrize("food", list(catalog.foods()))
def test_every_food_satiates_by_its_table_value(food, rng):
    cat = make_cat(hunger=0, personality_type="lazy")
    after, effects = perform(cat, "feed", {"food_item": food}, NOW, rng)
    assert effects["hunger_restored"] == catalog.foods()[food].satiation


@pytest.mark.parametrize(("portion", "expected"), [("small", 22), ("normal", 32), ("large", 48)])
def test_portions_scale_satiation_not_by_energy_multiplier(portion, expected, rng):
    # playful has energy_gain 1.2: satiation must not be scaled by it (the original's bug)
    cat = make_cat(hunger=0, personality_type="playful")
    _, effects = perform(cat, "feed", {"food_item": "salmon", "portion": portion}, NOW, rng)
    assert effects["hunger_restored"] == expected


def test_a_full_cat_refuses_food(rng):
    with pytest.raises(Conflict, match="full"):
        perform(make_cat(hunger=97), "feed", {"food_item": "milk"}, NOW, rng)


def test_unknown_food_names_the_value_and_the_choices(cat, rng):
    with pytest.raises(InvalidRequest) as err:
        perform(cat, "feed", {"food_item": "rocks"}, NOW, rng)
    assert "'rocks'" in err.value.message and "salmon" in err.value.message


@pytest.mark.parametrize(
    "bad", [{"quantity": 0}, {"quantity": 11}, {"portion": "huge"}, {"colour": 1}]
)
def test_bad_feed_arguments_are_validation_errors(cat, rng, bad):
    with pytest.raises(InvalidRequest) as err:
        perform(cat, "feed", bad, NOW, rng)
    assert err.value.details["field"]


def test_play_costs_energy_scaled_by_duration_and_personality(rng):
    lazy = make_cat(personality_type="lazy", energy=100)
    playful = make_cat(personality_type="playful", energy=100)
    _, e_lazy = perform(lazy, "play", {"game": "laser_pointer", "duration": 20}, NOW, rng)
    _, e_playful = perform(playful, "play", {"game": "laser_pointer", "duration": 20}, NOW, rng)
    assert e_lazy["energy_spent"] == round(24 * 0.7)
    assert e_playful["energy_spent"] == round(24 * 1.1)
    assert e_playful["happiness_gained"] > e_lazy["happiness_gained"]  # playful ×1.5 from play


def test_a_tired_cat_cannot_play(rng):
    with pytest.raises(Conflict, match="too tired"):
        perform(make_cat(energy=5), "play", {"game": "mouse_hunt"}, NOW, rng)


@pytest.mark.parametrize("kind", list(catalog.grooming_kinds()))
def test_grooming_kinds(kind, rng):
    cat = make_cat(cleanliness=20, health=50, personality_type="curious")
    after, effects = perform(cat, "groom", {"kind": kind}, NOW, rng)
    row = catalog.grooming_kinds()[kind]
    assert after.cleanliness - cat.cleanliness == row.cleanliness
    assert after.health - cat.health == row.health
    assert after.last_groomed_at == NOW


def test_a_bath_upsets_calm_cats_less(rng):
    lazy = make_cat(personality_type="lazy", happiness=60)
    playful = make_cat(personality_type="playful", happiness=60)
    a, _ = perform(lazy, "groom", {"kind": "bath"}, NOW, rng)
    b, _ = perform(playful, "groom", {"kind": "bath"}, NOW, rng)
    assert b.happiness == 55 and a.happiness > b.happiness


def test_rest_starts_resting_and_recovers_energy_over_time(rng):
    cat = make_cat(energy=40)
    after, effects = perform(cat, "rest", {}, NOW, rng)
    assert after.is_resting and effects["energy_gained"] == 12  # 10 × playful energy gain 1.2
    later = perform(after, "pet", {}, NOW + timedelta(hours=2), rng)[0]
    assert later.energy >= after.energy + 12  # +6/h while resting


def test_a_rested_cat_refuses_rest(cat, rng):
    with pytest.raises(Conflict, match="not tired"):
        perform(cat, "rest", {}, NOW, rng)


def test_training_success_depends_on_difficulty_and_is_seeded():
    cat = make_cat(intelligence=80, training=40, energy=100)
    outcomes = [
        perform(cat, "train", {"command": "fetch"}, NOW, random.Random(s))[1]["success"]
        for s in range(200)
    ]
    easy = [
        perform(cat, "train", {"command": "sit"}, NOW, random.Random(s))[1]["success"]
        for s in range(200)
    ]
    assert sum(easy) > sum(outcomes) > 0
    assert perform(cat, "train", {"command": "come"}, NOW, random.Random(7)) == perform(
        cat, "train", {"command": "come"}, NOW, random.Random(7)
    )


def test_training_requires_a_known_command(cat, rng):
    with pytest.raises(InvalidRequest, match="'roll'"):
        perform(cat, "train", {"command": "roll"}, NOW, rng)


@pytest.mark.parametrize(
    ("response", "kind", "excited"),
    [
        ("catnip_responder", "catnip", True),
        ("catnip_responder", "honeysuckle", False),
        ("honeysuckle_responder", "honeysuckle", True),
        ("non_responder", "catnip", False),
        ("dual_responder", "honeysuckle", True),
    ],
)
def test_treats_follow_the_stimulant_response(response, kind, excited, rng):
    cat = make_cat(stimulant_response=response, energy=30, happiness=30)
    after, effects = perform(cat, "treat", {"kind": kind}, NOW, rng)
    assert effects["excited"] is excited
    factor = getattr(catalog.stimulant_responses()[response], kind)
    if excited:
        assert effects["energy_gained"] == round(20 * factor)
        assert after.excited_until == NOW + timedelta(minutes=30)
    assert after.last_treat_at == NOW


def test_every_action_grants_xp_and_records_an_interaction(rng):
    args = {
        "feed": {},
        "play": {},
        "groom": {},
        "pet": {},
        "rest": {},
        "train": {"command": "sit"},
        "treat": {"kind": "catnip"},
    }
    for name in ACTIONS:
        cat = make_cat(energy=60)
        after, effects = perform(cat, name, args[name], NOW, rng)
        assert effects["interaction"]["type"] == name
        assert effects["xp_gained"] >= 1 and after.experience == effects["xp_gained"]


def test_stats_never_leave_their_range(rng):
    cat = make_cat(hunger=90, happiness=99, energy=99)
    after, _ = perform(
        cat, "feed", {"food_item": "salmon", "portion": "large", "quantity": 10}, NOW, rng
    )
    assert after.hunger == 100 and after.happiness == 100 and after.energy == 100
