"""Time gating, consequences and diminishing returns (`purrr_core/data/balance.json`).

- **Freshness**: every free action (pet, rest, treat, play, train, groom, mini-games) has a fatigue
  meter on the cat. Repeating an action faster than it wears off makes each repeat worth less, so
  progress comes from time and care, not from repetition at one instant.
- **Condition**: hunger, health, cleanliness and happiness scale how well a cat performs (games,
  patrols, breeding).
- **Soft caps**: happiness and advanced-stat gains shrink near the top of the range.

All pure functions of the cat and `now`; docs/balance.md shows the curves.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import cache

from pydantic import BaseModel, ConfigDict

from purrr_core.catalog import load
from purrr_core.models import Cat, Fatigue


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pace(_Frozen):
    free: int
    recover_minutes: float


class Pacing(_Frozen):
    repeat_factor: float
    cap_above_free: int
    worthless_below: float
    actions: dict[str, Pace]


class Need(_Frozen):
    full_at: int
    floor: float


class SoftCap(_Frozen):
    soft_cap_from: int
    min_share: float

    def share(self, current: float) -> float:
        """The share of a gain that lands at `current`: 1 up to the knee, then down to min_share."""
        if current <= self.soft_cap_from:
            return 1.0
        left = max(0.0, (100 - current) / (100 - self.soft_cap_from))
        return self.min_share + (1 - self.min_share) * left


class BreedingCondition(_Frozen):
    exponent: float


class Balance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    pacing: Pacing
    condition: dict[str, Need]
    happiness: SoftCap
    stats: SoftCap
    breeding: BreedingCondition


@cache
def table() -> Balance:
    """The validated `balance.json`."""
    return Balance.model_validate(load("balance"))


def fatigue_now(cat: Cat, key: str, now: datetime) -> float:
    """The fatigue of action `key` at `now` (it wears off by 1 per recover_minutes)."""
    pace = table().pacing.actions[key]
    mark = cat.fatigue.get(key)
    if mark is None:
        return 0.0
    minutes = max(0.0, (now - mark.at) / timedelta(minutes=1))
    return max(0.0, mark.level - minutes / pace.recover_minutes)


def freshness(cat: Cat, key: str, now: datetime) -> float:
    """How much one more `key` is worth now: 1 for the first `free` uses in a row, then each
    repeat is worth `repeat_factor` of the one before, and nothing once below `worthless_below`."""
    pacing = table().pacing
    over = fatigue_now(cat, key, now) - pacing.actions[key].free + 1
    if over <= 0:
        return 1.0
    worth = float(pacing.repeat_factor**over)
    return worth if worth >= pacing.worthless_below else 0.0


def tire(cat: Cat, key: str, now: datetime) -> dict[str, Fatigue]:
    """The cat's fatigue map after one more `key` at `now` (for `Cat.evolve(fatigue=…)`).

    The meter rises by what the use was worth (its freshness): a fresh use adds 1, a stale one
    little, so playing on when stale is never a trap — it earns little and costs as little."""
    pacing = table().pacing
    cap = pacing.actions[key].free + pacing.cap_above_free
    level = min(cap, fatigue_now(cat, key, now) + freshness(cat, key, now))
    return {**cat.fatigue, key: Fatigue(level=round(level, 4), at=now)}


def need_factor(need: str, value: int) -> float:
    """One need's curve: `floor` at 0 rising linearly to 1 at `full_at`."""
    rule = table().condition[need]
    return rule.floor + (1 - rule.floor) * min(1.0, value / rule.full_at)


def condition(cat: Cat) -> float:
    """How fit the cat is to perform, in (0, 1]: the product of its needs' curves."""
    result = 1.0
    for need in table().condition:
        result *= need_factor(need, int(getattr(cat, need)))
    return result


def breeding_factor(sire: Cat, dam: Cat) -> float:
    """How the parents' condition scales a breeding's success: (condition(sire)·condition(dam))
    to the power exponent/2 — 1 for a well-kept pair (the cats as they are at the start)."""
    parents = (condition(sire), condition(dam))
    mean = math.prod(parents) ** (1 / len(parents))  # the geometric mean of the two
    return float(mean ** table().breeding.exponent)


def happiness_gain(current: float, gain: float) -> float:
    """A happiness change as it lands at `current`: losses in full, gains soft-capped."""
    return gain if gain <= 0 else gain * table().happiness.share(current)


def stat_gain(current: float, points: float) -> float:
    """An advanced-stat gain as it lands at `current` (diminishing above the soft cap)."""
    return points if points <= 0 else points * table().stats.share(current)
