"""Every option has a use (issue 16, docs/balance.md): each coin game, personality, free food and
Night Watch zone is the best choice somewhere, and staking a crypto game is worth something
practice is not, as `benchmarks/balance.py` reports it."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.benchmarks import load_benchmark


@pytest.fixture(scope="module")
def balance() -> ModuleType:
    return load_benchmark("balance.py", "balance_benchmark")


def test_every_coin_game_is_the_best_choice_somewhere(balance: ModuleType) -> None:
    uses = balance.game_uses()
    assert set(uses) == {
        "honeysuckle_dance",
        "laser_chase",
        "feather_play",
        "ball_toss",
        "exploration",
    }
    assert all(uses.values()), {g: u for g, u in uses.items() if not u}
    assert uses["honeysuckle_dance"] == ["coins per play (every personality)"]
    assert uses["feather_play"] == ["coins per energy (every personality)"]
    assert uses["laser_chase"] == ["happiness per play (an unhappy cat) (every personality)"]
    assert uses["exploration"][0] == "XP per play (every personality)"
    assert uses["ball_toss"][0].startswith("XP per energy (a tired cat)")


def test_every_personality_is_the_best_at_something(balance: ModuleType) -> None:
    uses = balance.personality_uses()
    assert all(uses.values()), {p: u for p, u in uses.items() if not u}
    assert "solitude XP ×1.5" in uses["lazy"]
    assert any(u.startswith("most activity per energy") for u in uses["lazy"])
    assert "patrol XP ×1.3" in uses["territorial"]


def test_the_report_flags_nothing_as_dominated(balance: ModuleType) -> None:
    rows = balance.options_report()
    assert not [r["option"] for r in rows if r["best_when"].startswith("never")]


def test_every_store_item_does_something_free_care_cannot(balance: ModuleType) -> None:
    uses = balance.store_uses()
    assert all(uses.values()), {i: u for i, u in uses.items() if not u}
    assert uses["premium_food"] == ["health +4 (free care: at most +3)"]
    assert "installs in a territory" in uses["cat_tree"]
    assert uses["grooming_kit"] == ["no fatigue"]


def test_store_items_keep_full_strength_where_free_care_goes_stale() -> None:
    """Four toy mice at one instant please a cat four times alike; four plays do not."""
    import random

    from purrr_core import perform
    from purrr_core.shop import use_item
    from tests.core.conftest import NOW, make_cat

    cat = make_cat(happiness=10, energy=100, hunger=60, decayed_at=NOW)
    gains = []
    for _ in range(4):
        after, _ = use_item(cat, "toy_mouse", NOW, random.Random(1))
        gains.append(after.happiness - cat.happiness)
        cat = after
    assert len(set(gains)) == 1 and gains[0] > 0
    cat = make_cat(happiness=10, energy=100, hunger=60, decayed_at=NOW)
    played = []
    for _ in range(4):
        after, _ = perform(cat, "play", {"game": "ball_toss"}, NOW, random.Random(1))
        played.append(after.happiness - cat.happiness)
        cat = after
    assert played[-1] < played[0] / 2


def test_every_free_food_is_the_best_choice_somewhere(balance: ModuleType) -> None:
    uses = balance.food_uses()
    assert all(uses.values()), {f: u for f, u in uses.items() if not u}
    assert uses["salmon"] == ["a hungry cat (satiation restored)", "an unhappy cat (happiness)"]
    assert uses["tuna_fish"] == ["a tired cat (energy)"]
    assert uses["chicken_breast"] == ["a sick cat (health)"]
    assert uses["premium_cat_food"] == ["a cat near its next level (XP per meal)"]
    assert uses["milk"] == ["a grumpy cat (mood)"]
    assert uses["cat_treats"] == ["a nearly full cat (happiness from what it still eats)"]
    assert uses["catnip"] == ["a catnip responder (excitement)"]
    assert uses["honeysuckle"] == ["a honeysuckle responder (excitement)"]


def test_every_zone_is_the_best_choice_somewhere(balance: ModuleType) -> None:
    uses = balance.zone_uses()
    assert all(uses.values()), {z: u for z, u in uses.items() if not u}
    assert any(u.startswith("fewest injuries") for u in uses["cat_condo"])
    assert any(u.startswith("most strays saved") for u in uses["motion_sensor"])
    assert any(u.startswith("rescue rate") and "without a healer" in u for u in uses["safe_haven"])
    assert any(
        u.startswith("deter rate") and "without an alarm" in u for u in uses["community_alert"]
    )


def test_staking_pays_xp_that_practice_does_not(balance: ModuleType) -> None:
    rows = balance.crypto_report()
    assert rows and all(r["staked_xp"] > r["practice_xp"] * 1.4 for r in rows)
    assert all(0.02 <= r["house_edge"] <= 0.2 for r in rows)  # still a negative EV
    # an extra XP costs cents: a reason to stake, never a money machine
    assert all(0 < r["usd_per_extra_xp"] < 0.05 for r in rows)
