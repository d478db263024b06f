"""Time passing (SPEC §1.2): a pure function bringing a cat to `now`, in whole 15-minute ticks.

Stats are held in thousandths while ticking and the fractions are carried on the cat
(`decay_carry`), and the clock anchor (`decayed_at`) only moves by whole ticks. So advancing
2 h and then 3 h gives exactly the same cat as advancing 5 h: there is no rounding drift.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from purrr_core.catalog import personality
from purrr_core.models import HEALTH_FLOOR, Cat

TICK = timedelta(minutes=15)
TICKS_PER_HOUR = 4

#: Change per hour, in stat points (the rules players read in docs/rules.md).
RATES_PER_HOUR = {
    "hunger": -4.0,  # satiation falls
    "cleanliness": -1.5,
    "energy_resting": 6.0,
    "energy_awake": 1.0,
    "happiness_neglect": -1.0,  # while satiation or cleanliness < 30
    "happiness_drift": 0.5,  # up toward the personality's baseline otherwise
    "happiness_settle": -2.0,  # down toward it: joy fades unless care renews it
    "health_starving": -1.0,  # while satiation is 0
    "health_recovery": 1.0,  # while neither satiation nor cleanliness is below 30
}
NEGLECT_BELOW = 30
MOOD_PULL = 8  # each tick, mood closes 1/8 of the gap to its target

_DECAYING = ("happiness", "energy", "hunger", "mood", "health", "cleanliness")


def _per_tick(name: str) -> int:
    return round(RATES_PER_HOUR[name] * 1000 / TICKS_PER_HOUR)


def mood_target(happiness: int, energy: int, satiation: int, health: int, cleanliness: int) -> int:
    """The mood a cat drifts toward: mostly happiness, then the other needs."""
    return (3 * happiness + energy + satiation + health + cleanliness) // 7


def _tick(s: dict[str, int], resting: bool, baseline: int) -> tuple[dict[str, int], bool]:
    """One 15-minute tick on stats held in thousandths. Pure and time-invariant."""
    n = dict(s)
    whole = {k: v // 1000 for k, v in s.items()}
    n["hunger"] = max(0, s["hunger"] + _per_tick("hunger"))
    n["cleanliness"] = max(0, s["cleanliness"] + _per_tick("cleanliness"))
    gain = _per_tick("energy_resting") if resting else _per_tick("energy_awake")
    n["energy"] = min(100_000, s["energy"] + gain)
    if resting and n["energy"] >= 100_000:
        resting = False
    if whole["hunger"] < NEGLECT_BELOW or whole["cleanliness"] < NEGLECT_BELOW:
        n["happiness"] = max(0, s["happiness"] + _per_tick("happiness_neglect"))
    else:
        target = baseline * 1000
        if s["happiness"] < target:
            n["happiness"] = min(target, s["happiness"] + _per_tick("happiness_drift"))
        elif s["happiness"] > target:
            n["happiness"] = max(target, s["happiness"] + _per_tick("happiness_settle"))
    if whole["hunger"] == 0:
        n["health"] = max(HEALTH_FLOOR * 1000, s["health"] + _per_tick("health_starving"))
    elif whole["hunger"] >= NEGLECT_BELOW and whole["cleanliness"] >= NEGLECT_BELOW:
        n["health"] = min(100_000, s["health"] + _per_tick("health_recovery"))
    target_mood = 1000 * mood_target(
        whole["happiness"], whole["energy"], whole["hunger"], whole["health"], whole["cleanliness"]
    )
    n["mood"] = s["mood"] + (target_mood - s["mood"]) // MOOD_PULL
    return n, resting


def advance(cat: Cat, now: datetime) -> Cat:
    """The cat as it is at `now`. Reading a cat never moves it backwards in time."""
    ticks = int((now - cat.decayed_at) // TICK)
    if ticks <= 0:
        return cat
    baseline = personality(cat.personality_type).happiness_baseline
    state = {k: getattr(cat, k) * 1000 + cat.decay_carry.get(k, 0) for k in _DECAYING}
    resting = cat.is_resting
    for _ in range(ticks):
        new_state, new_resting = _tick(state, resting, baseline)
        if new_state == state and new_resting == resting:
            break  # a fixed point: every later tick changes nothing
        state, resting = new_state, new_resting
    changes: dict[str, object] = {k: v // 1000 for k, v in state.items()}
    changes["decay_carry"] = {k: v % 1000 for k, v in state.items() if v % 1000}
    changes["is_resting"] = resting
    changes["decayed_at"] = cat.decayed_at + ticks * TICK
    return cat.evolve(**changes)
