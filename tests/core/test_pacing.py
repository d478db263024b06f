"""Time gating, consequences and soft caps (purrr_core.pacing, docs/balance.md)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purrr_core import RuleError, pacing, perform
from purrr_core.economy import default_rates
from purrr_core.games import play_game
from purrr_core.models import Cat
from tests.core.conftest import NOW, make_cat

ARGS = {
    "pet": {},
    "rest": {},
    "treat": {"kind": "catnip"},
    "play": {"game": "bird_watching", "duration": 5},
    "train": {"command": "sit"},
    "groom": {"kind": "brushing"},
}


def _spam(cat: Cat, action: str, times: int, step: timedelta = timedelta(0)) -> list[int]:
    """XP gained by each of `times` repeats, `step` apart."""
    gained = []
    now = NOW
    for i in range(times):
        cat = cat.evolve(energy=60, hunger=60, cleanliness=60)  # keep it able to act
        cat, effects = perform(cat, action, ARGS[action], now, random.Random(i))
        gained.append(int(effects["xp_gained"]))
        now += step
    return gained


@pytest.mark.parametrize("action", list(ARGS))
def test_spamming_one_action_at_one_instant_earns_almost_nothing(action: str) -> None:
    cat = make_cat(energy=60)
    gained = _spam(cat, action, 100)
    rules = pacing.table().pacing
    free = rules.actions[action].free
    # 100 repeats are worth at most free + cap_above_free uses, and the tail nothing at all
    assert sum(gained) <= (free + rules.cap_above_free) * max(gained)
    assert sum(gained[30:]) == 0


@pytest.mark.parametrize("action", list(ARGS))
def test_the_same_actions_spread_over_time_earn_in_full(action: str) -> None:
    pace = pacing.table().pacing.actions[action]
    step = timedelta(minutes=pace.recover_minutes)
    gained = _spam(make_cat(energy=60), action, 6, step)
    assert len(set(gained)) <= 2 and min(gained) >= gained[0] - 1  # same XP every time


def test_freshness_recovers_with_time() -> None:
    cat = make_cat(energy=60)
    for _ in range(40):
        cat = perform(cat, "pet", {}, NOW, random.Random(1))[0]
    assert pacing.freshness(cat, "pet", NOW) == 0.0  # below worthless_below: nothing
    pace = pacing.table().pacing.actions["pet"]
    cap = pace.free + pacing.table().pacing.cap_above_free
    later = NOW + timedelta(minutes=pace.recover_minutes * cap)
    assert pacing.freshness(cat, "pet", later) == 1.0


def test_coin_games_at_one_instant_pay_little_after_the_first_few() -> None:
    cat = make_cat(energy=100, hunger=80, agility=70, charisma=70)
    coins = []
    for i in range(30):
        cat = cat.evolve(energy=100)
        outcome = play_game(
            cat, "feather_play", NOW, random.Random(i), currency=None, rates=default_rates()
        )
        coins.append(outcome.coins)
        cat = outcome.cat
    rules = pacing.table().pacing
    free = rules.actions["games"].free
    assert min(coins[:free]) >= 4
    assert sum(coins) <= (free + rules.cap_above_free) * max(coins)
    assert sum(coins[15:]) == 0


def test_feeding_a_nearly_full_cat_gives_little() -> None:
    args = {"food_item": "salmon", "portion": "large", "quantity": 10}
    hungry = perform(make_cat(hunger=0), "feed", args, NOW, random.Random(1))[1]
    full = perform(make_cat(hunger=94), "feed", args, NOW, random.Random(1))[1]
    assert full["hunger_restored"] == 6 and full["eaten"] == pytest.approx(6 / 480, abs=1e-3)
    # 6 points of salmon (32 a portion) are worth 6/32 of a portion: 25·6/32 ≈ 5 happiness
    assert full["happiness_gained"] <= 6 and full["energy_gained"] <= 6
    assert full["xp_gained"] <= 1 < hungry["xp_gained"]


@pytest.mark.parametrize("food", ["catnip", "honeysuckle"])
def test_catnip_and_honeysuckle_as_food_excite_a_responder(food: str) -> None:
    response = "catnip_responder" if food == "catnip" else "honeysuckle_responder"
    cat = make_cat(stimulant_response=response, energy=30)
    after, effects = perform(cat, "feed", {"food_item": food}, NOW, random.Random(1))
    assert effects["excited"] and after.excited_until == NOW + timedelta(minutes=30)
    again = perform(after, "feed", {"food_item": food}, NOW, random.Random(1))[1]
    assert again["energy_gained"] < effects["energy_gained"]  # paced like a treat


def test_condition_curves() -> None:
    fit = make_cat(hunger=80, health=100, cleanliness=80, happiness=60)
    assert pacing.condition(fit) == 1.0
    starving = fit.evolve(hunger=0)
    assert pacing.condition(starving) == pytest.approx(0.6)
    wreck = fit.evolve(hunger=0, health=10, cleanliness=0, happiness=0)
    assert pacing.condition(wreck) < 0.3


def test_a_neglected_cat_plays_worse() -> None:
    from purrr_core.games import game, performance

    fit = make_cat(hunger=80, happiness=60)
    neglected = fit.evolve(hunger=5, health=30, cleanliness=10)
    assert performance(neglected, game("mouse_hunt")) < 0.75 * performance(fit, game("mouse_hunt"))


@settings(max_examples=60, deadline=None)
@given(current=st.integers(0, 100), gain=st.floats(0, 50))
def test_happiness_gains_shrink_near_the_top(current: int, gain: float) -> None:
    landed = pacing.happiness_gain(current, gain)
    assert 0 <= landed <= gain
    if current <= pacing.table().happiness.soft_cap_from:
        assert landed == gain
    assert pacing.happiness_gain(current, -gain) == -gain


def test_calm_bath_loses_the_same_whole_points_on_every_start() -> None:
    losses = set()
    for start in range(40, 60):
        cat = make_cat(personality_type="lazy", happiness=start)
        after = perform(cat, "groom", {"kind": "bath"}, NOW, random.Random(1))[0]
        losses.add(after.happiness - start)
    assert losses == {-3}  # −5 × 0.5 = −2.5, halves away from zero


def test_a_hundred_actions_at_one_instant_earn_a_few_actions_worth() -> None:
    """The issue's spammer: 100 rest + coin-game rounds at one instant used to pay 659 coins
    (a Night Watch night pays ~45). Now the coins are those of a few games."""
    cat = make_cat(energy=100, hunger=80, agility=70, charisma=70)
    coins = 0
    for i in range(100):
        try:
            cat = perform(cat, "rest", {}, NOW, random.Random(i))[0]
        except RuleError:  # not tired: a rested cat refuses rest
            pass
        try:
            outcome = play_game(
                cat, "feather_play", NOW, random.Random(i), currency=None, rates=default_rates()
            )
        except RuleError:  # too tired
            continue
        cat, coins = outcome.cat, coins + outcome.coins
    assert coins <= 60
    assert cat.experience <= 120


@settings(max_examples=50, deadline=None)
@given(
    key=st.sampled_from(sorted(pacing.table().pacing.actions)),
    uses=st.lists(st.integers(0, 240), min_size=1, max_size=25),
)
def test_freshness_is_bounded_falls_with_use_and_recovers_with_time(
    key: str, uses: list[int]
) -> None:
    """Over any schedule of uses (minutes apart): freshness stays in [0, 1], a use never makes the
    next one fresher, waiting never makes it staler, and the meter never passes its cap."""
    rules = pacing.table().pacing
    cap = rules.actions[key].free + rules.cap_above_free
    cat, now = make_cat(), NOW
    for gap in uses:
        now += timedelta(minutes=gap)
        before = pacing.freshness(cat, key, now)
        assert 0.0 <= before <= 1.0
        cat = cat.evolve(fatigue=pacing.tire(cat, key, now))
        assert pacing.freshness(cat, key, now) <= before
        assert pacing.freshness(cat, key, now + timedelta(minutes=30)) >= pacing.freshness(
            cat, key, now
        )
        assert cat.fatigue[key].level <= cap


def test_breeding_success_follows_the_parents_condition() -> None:
    """docs/balance.md "Breeding": the method's chance × (condition(sire)·condition(dam))^½."""
    fit = make_cat(hunger=80, health=90, cleanliness=80, happiness=70)
    assert pacing.breeding_factor(fit, fit) == 1.0
    starving = make_cat(hunger=0, health=90, cleanliness=80, happiness=70)
    assert pacing.breeding_factor(starving, fit) == pytest.approx(0.6**0.5)
    wreck = make_cat(hunger=0, health=0, cleanliness=0, happiness=0)
    assert pacing.breeding_factor(wreck, wreck) == pytest.approx(0.6 * 0.5 * 0.85 * 0.8)
    # natural breeding (60 %) of a neglected pair takes about one time in eight
    assert 0.6 * pacing.breeding_factor(wreck, wreck) < 0.125
