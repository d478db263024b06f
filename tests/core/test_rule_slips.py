"""The smaller rule slips of issue 16, each pinned: catnip and honeysuckle given as food excite a
cat that responds to them; a calm cat's bath costs the same whole points from any happiness
(−2.5 rounds away from zero, not half-to-even); training a curious cat gives the happiness
docs/rules.md states."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from purrr_core import catalog, perform
from tests.core.conftest import NOW, make_cat

RULES_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


@pytest.mark.parametrize(
    ("food", "response", "excited"),
    [
        ("catnip", "catnip_responder", True),
        ("honeysuckle", "honeysuckle_responder", True),
        ("honeysuckle", "dual_responder", True),
        ("catnip", "honeysuckle_responder", False),
        ("catnip", "non_responder", False),
    ],
)
def test_stimulants_given_as_food_excite_a_responder(
    food: str, response: str, excited: bool
) -> None:
    cat = make_cat(stimulant_response=response, hunger=40, energy=30, happiness=30)
    after, effects = perform(cat, "feed", {"food_item": food}, NOW, random.Random(1))
    assert effects["excited"] is excited
    if excited:
        assert after.excited_until == NOW + timedelta(minutes=30)
        assert effects["energy_gained"] > 0
    else:
        assert after.excited_until != NOW + timedelta(minutes=30)


@pytest.mark.parametrize("happiness", [30, 55, 60, 61, 62, 90])
def test_a_calm_cats_bath_costs_three_points_from_any_happiness(happiness: int) -> None:
    bath = catalog.grooming_kinds()["bath"].happiness  # −5
    for personality in ("lazy", "aloof"):  # dislike_factor 0.5: −2.5
        cat = make_cat(personality_type=personality, happiness=happiness)
        after, _ = perform(cat, "groom", {"kind": "bath"}, NOW, random.Random(1))
        assert after.happiness - happiness == -3 == round(bath * 0.5 - 0.5)


def test_training_a_curious_cat_gives_the_documented_happiness() -> None:
    documented = re.search(r"\+(\d) for curious cats", RULES_DOC.read_text())
    assert documented is not None
    gains = set()
    for seed in range(40):
        cat = make_cat(personality_type="curious", happiness=30, intelligence=90, training=90)
        after, effects = perform(cat, "train", {"command": "sit"}, NOW, random.Random(seed))
        if effects["success"]:
            gains.add(after.happiness - cat.happiness)
    assert gains == {int(documented.group(1))}  # 3 × 1.2 = 3.6 → 4


def test_each_free_food_has_its_own_effect() -> None:
    """Chicken restores health, milk calms, premium cat food gives the meal ×1.5 XP, tuna gives
    the most energy (purrr_core/data/foods.json)."""

    def fed(food: str) -> dict[str, Any]:
        cat = make_cat(hunger=40, health=40, mood=10, energy=10)
        after, effects = perform(cat, "feed", {"food_item": food}, NOW, random.Random(1))
        return {"health": after.health, "mood": after.mood, **effects}

    assert fed("chicken_breast")["health"] == 43 and fed("salmon")["health"] == 40
    assert fed("milk")["mood"] == 15 and fed("salmon")["mood"] == 10
    assert fed("premium_cat_food")["xp_gained"] > fed("salmon")["xp_gained"]  # ×1.5
    energy = {f: fed(f)["energy_gained"] for f in ("tuna_fish", "salmon", "chicken_breast")}
    assert max(energy, key=lambda f: energy[f]) == "tuna_fish"


def test_the_pacing_table_in_the_docs_is_the_data() -> None:
    from purrr_core import pacing

    text = RULES_DOC.read_text()
    rules = pacing.table().pacing
    names = {
        "treat": "treat (and catnip/honeysuckle as food)",
        "games": "mini-games (docs/games.md)",
    }
    for action, pace in rules.actions.items():
        row = f"| {names.get(action, action)} | {pace.free} | {pace.recover_minutes:g} |"
        assert row in text, row
    assert f"less than {rules.worthless_below:g} is worth nothing" in text
