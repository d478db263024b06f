"""The store catalogue, purchase quotes and item effects."""

from __future__ import annotations

import random

import pytest

from purrr_core.errors import Conflict, InvalidRequest
from purrr_core.shop import categories, item, items, quote, use_item
from tests.core.conftest import NOW, make_cat

SPEC_PRICES = {
    "premium_food": 25,
    "honeysuckle_treats": 15,
    "grooming_kit": 20,
    "vitamin_supplements": 30,
    "toy_mouse": 10,
    "catnip_spray": 18,
    "catnip": 50,
    "honeysuckle": 60,
    "dual_stimulant_pack": 100,
}


def test_spec_items_and_categories() -> None:
    assert categories() == ["food", "treats", "toys", "grooming", "furniture", "luxury"]
    assert {i: items()[i].price for i in SPEC_PRICES} == SPEC_PRICES
    assert {it.category for it in items().values()} == set(categories())


@pytest.mark.parametrize("quantity", [0, -1, 100, 1.5, "2", True])
def test_quantity_must_be_1_to_99(quantity: object) -> None:
    with pytest.raises(InvalidRequest, match="invalid quantity"):
        quote("toy_mouse", quantity)


def test_quote_and_unknown_item() -> None:
    assert quote("catnip", 3).total == 150
    with pytest.raises(InvalidRequest, match="unknown item 'rocks'; choose one of premium_food"):
        quote("rocks")


@pytest.mark.parametrize("item_id", sorted(items()))
def test_every_item_can_be_used(item_id: str) -> None:
    cat = make_cat(hunger=40, happiness=40, energy=60, cleanliness=40, health=70, mood=40)
    after, effects = use_item(cat, item_id, NOW, random.Random(1))
    assert effects["item"] == item_id and after.version == cat.version + 1
    for stat, delta in item(item_id).effects.items():
        if delta > 0:
            assert getattr(after, stat) > getattr(cat, stat), stat
    assert effects["interaction"]["type"] == "use_item"


def test_stimulants_follow_the_cats_response() -> None:
    catnip_cat = make_cat(stimulant_response="catnip_responder", energy=40, happiness=40)
    honey_cat = make_cat(stimulant_response="honeysuckle_responder", energy=40, happiness=40)
    _, strong = use_item(catnip_cat, "catnip", NOW, random.Random(1))
    _, weak = use_item(honey_cat, "catnip", NOW, random.Random(1))
    assert strong["excited"] and not weak["excited"]
    _, dual = use_item(honey_cat, "dual_stimulant_pack", NOW, random.Random(1))
    assert dual["excited"] and dual["factor"] == 2.4


def test_full_cat_refuses_food_and_furniture_installs() -> None:
    with pytest.raises(Conflict, match="is full"):
        use_item(make_cat(hunger=98), "premium_food", NOW, random.Random(1))
    _, effects = use_item(make_cat(), "cat_tree", NOW, random.Random(1))
    assert effects["installs"] == "cat_tree"
