"""Time passing, care status, mood labels and levels (SPEC §1.2, §1.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purrr_core import (
    account_level,
    advance,
    care_status,
    level_for_xp,
    mood_label,
    perform,
    xp_for_level,
)
from purrr_core.models import HEALTH_FLOOR
from tests.core.conftest import NOW, make_cat


def test_hunger_falls_four_points_an_hour(cat):
    assert advance(cat, NOW + timedelta(hours=5)).hunger == cat.hunger - 20


def test_cleanliness_falls_one_and_a_half_points_an_hour(cat):
    assert advance(cat, NOW + timedelta(hours=4)).cleanliness == 94


def test_reading_the_past_changes_nothing(cat):
    assert advance(cat, NOW - timedelta(hours=3)) == cat
    assert advance(cat, NOW + timedelta(minutes=14)) == cat


def test_a_neglected_cat_never_dies_and_can_recover(rng):
    cat = make_cat(hunger=10)
    month = advance(cat, NOW + timedelta(days=30))
    assert month.health == HEALTH_FLOOR and month.hunger == 0 and month.happiness == 0
    fed = month
    for _ in range(2):
        fed, _ = perform(
            fed, "feed", {"food_item": "salmon", "portion": "large"}, NOW + timedelta(days=30), rng
        )
    fed, _ = perform(fed, "groom", {"kind": "bath"}, NOW + timedelta(days=30), rng)
    assert advance(fed, NOW + timedelta(days=31)).health > HEALTH_FLOOR


@given(
    first=st.integers(0, 24 * 60 * 4),
    second=st.integers(0, 24 * 60 * 4),
    hunger=st.integers(0, 100),
    cleanliness=st.integers(0, 100),
    resting=st.booleans(),
    personality=st.sampled_from(
        ["playful", "aloof", "curious", "lazy", "territorial", "social_butterfly"]
    ),
)
@settings(max_examples=150, deadline=None)
def test_advancing_in_two_steps_equals_one_step(
    first, second, hunger, cleanliness, resting, personality
):
    """Exact composition: fractions are carried, the anchor moves in whole ticks."""
    cat = make_cat(
        hunger=hunger,
        cleanliness=cleanliness,
        is_resting=resting,
        energy=30,
        personality_type=personality,
    )
    mid = NOW + timedelta(minutes=first)
    end = mid + timedelta(minutes=second)
    assert advance(advance(cat, mid), end) == advance(cat, end)


def test_care_score_formula_and_bands():
    cat = make_cat(last_fed_at=NOW, last_played_at=NOW, last_groomed_at=NOW, last_treat_at=NOW)
    assert care_status(cat, NOW)["care_score"] == 100
    later = NOW + timedelta(hours=10)
    status = care_status(cat, later)
    # 2 h past play (×3), 4 h past treat (×2): 100 − 6 − 8
    assert status["care_score"] == 86 and status["care_band"] == "good"
    assert status["needs"] == ["play", "treat"]
    assert care_status(cat, NOW + timedelta(hours=40))["care_band"] == "critical"


def test_a_low_stat_is_a_need_however_recent_the_care():
    fed_now = {"last_fed_at": NOW, "last_played_at": NOW, "last_groomed_at": NOW}
    cat = make_cat(**fed_now, last_treat_at=NOW, hunger=10, cleanliness=20)
    status = care_status(cat, NOW)
    assert status["needs"] == ["feed", "groom"] and status["needs_attention"]
    assert status["care_score"] == 100  # the score measures care given on time, not stats
    assert care_status(make_cat(**fed_now, last_treat_at=NOW, hunger=25), NOW)["needs"] == []


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"health": 30}, "sick"),
        ({"hunger": 10}, "hungry"),
        ({"cleanliness": 10}, "irritated"),
        ({"energy": 10}, "sleepy"),
        ({"energy": 80, "happiness": 80, "mood": 50}, "playful"),
        ({"energy": 80, "happiness": 80, "mood": 80}, "happy"),
        ({"energy": 50, "happiness": 50}, "calm"),
        ({"excited_until": NOW + timedelta(minutes=5)}, "excited"),
    ],
)
def test_mood_labels(fields, label):
    assert mood_label(make_cat(**fields), NOW) == label


def test_xp_curve_is_monotone_and_documented():
    assert [xp_for_level(n) for n in (1, 2, 3, 10, 50)] == [0, 100, 283, 2700, 34300]
    assert all(xp_for_level(n) < xp_for_level(n + 1) for n in range(1, 50))
    assert level_for_xp(0) == 1 and level_for_xp(99) == 1 and level_for_xp(100) == 2
    assert level_for_xp(10**9) == 50
    assert account_level(0) == 1 and account_level(2999) == 3


def test_level_up_grows_stats_by_personality(rng):
    cat = make_cat(personality_type="curious", experience=95, intelligence=30, hunger=0)
    after, effects = perform(cat, "feed", {"food_item": "salmon"}, NOW, rng)
    assert effects["leveled_up"]["to"] == 2
    assert after.intelligence == 34  # curious grows intelligence 4 per level
    # above the soft cap (40) growth shrinks: at 70, 4 × (100 − 70) / 60 = 2
    high = perform(cat.evolve(intelligence=70), "feed", {"food_item": "salmon"}, NOW, rng)[0]
    assert high.intelligence == 72
