"""The item shop (SPEC §6 "store"): the item catalogue as data, purchase quotes, and using an item
on a cat."""

from __future__ import annotations

import random
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core import catalog
from purrr_core.care import apply_care, excite, finish_care, rules, stimulant_factor
from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.models import Cat
from purrr_core.timeflow import advance

Category = Literal["food", "treats", "toys", "grooming", "furniture", "luxury"]
#: Care clock an item resets → the Cat field holding it.
CLOCKS = {
    "fed": "last_fed_at",
    "treat": "last_treat_at",
    "played": "last_played_at",
    "groomed": "last_groomed_at",
}
MAX_QUANTITY: int = int(catalog.load("store")["max_quantity"])


class Item(BaseModel):
    """One store item: price in coins and what using it does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    category: Category
    price: int = Field(gt=0)
    kind: str
    xp: int = Field(ge=0)
    effects: dict[str, int]
    description: str
    clock: Literal["fed", "treat", "played", "groomed"] | None = None
    stimulant: Literal["catnip", "honeysuckle", "dual"] | None = None
    strength: float = 1.0
    installs: str | None = None

    def view(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Purchase(BaseModel):
    """A validated purchase: what, how many, and the total in coins."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    quantity: int
    unit_price: int
    total: int


@cache
def items() -> dict[str, Item]:
    """Every store item by id."""
    return {row["id"]: Item.model_validate(row) for row in catalog.load("store")["items"]}


def item(item_id: str) -> Item:
    """The item `item_id`, or 'unknown item …; choose one of …'."""
    table = items()
    if item_id not in table:
        raise choose_one("item", item_id, tuple(table))
    return table[item_id]


def categories() -> list[str]:
    return list(catalog.load("store")["categories"])


def quote(item_id: str, quantity: object = 1) -> Purchase:
    """Validate a purchase (known item, 1 ≤ quantity ≤ 99) and price it."""
    found = item(item_id)
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise InvalidRequest(
            f"invalid quantity {quantity!r}: must be a whole number 1–{MAX_QUANTITY}",
            details={"field": "quantity", "value": quantity},
        )
    return Purchase(
        item_id=found.id, quantity=quantity, unit_price=found.price, total=found.price * quantity
    )


def use_item(
    cat: Cat, item_id: str, now: datetime, rng: random.Random, tz: tzinfo = UTC
) -> tuple[Cat, dict[str, Any]]:
    """Apply one `item_id` to `cat`; the caller removes it from the inventory."""
    used = item(item_id)
    cat = advance(cat, now)
    if used.effects.get("hunger", 0) > 0 and cat.hunger >= rules().full_at:
        raise Conflict(
            f"{cat.name} is full (satiation {cat.hunger}/100); use {used.id} later",
            details={"cat_id": cat.id, "hunger": cat.hunger, "item": used.id},
        )
    pers = catalog.personality(cat.personality_type)
    deltas: dict[str, float] = {k: float(v) for k, v in used.effects.items()}
    if deltas.get("happiness", 0) > 0:
        deltas["happiness"] *= pers.happiness_multiplier(used.kind)
    extra: dict[str, Any] = {}
    factor = excited = None
    if used.stimulant is not None:
        factor = stimulant_factor(cat, used.stimulant) * used.strength
        excited = excite(deltas, extra, factor, now)
    if used.clock is not None:
        extra[CLOCKS[used.clock]] = now
    after = apply_care(cat, deltas, now, extra)
    after, effects = finish_care(cat, after, "use_item", used.id, used.kind, used.xp, now, tz=tz)
    effects = {"action": "use_item", "item": used.id, **effects}  # "item" right after "action"
    if factor is not None:
        effects.update(stimulant=used.stimulant, factor=round(factor, 3), excited=excited)
    if used.installs is not None:
        effects["installs"] = used.installs
    return after, effects
