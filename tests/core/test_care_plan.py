"""`care_status` is a per-cat `CarePlan` evaluated at a moment: the same figures as the rule
computed from the cat's datetimes directly (the reference below is the rule as it is written in
docs/rules.md: hours since each care, overdue penalties, low stats, the band of the score)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from purrr_core import Cat, care_status
from purrr_core.catalog import load
from purrr_core.status import care_plan

BASE = datetime(2026, 3, 1, 12, tzinfo=UTC)


def reference(cat: Cat, now: datetime) -> dict[str, object]:
    table = load("care")
    last = {
        "feed": cat.last_fed_at,
        "play": cat.last_played_at,
        "groom": cat.last_groomed_at,
        "treat": cat.last_treat_at,
    }
    needs, score, hours = [], 100.0, {}
    for need, limit in table["care_limits_hours"].items():
        since = max(0.0, (now - (last[need] or cat.created_at)).total_seconds() / 3600)
        hours[need] = round(since, 2)
        if since - limit > 0:
            needs.append(need)
            score -= table["care_penalties"][need] * (since - limit)
    for need, rule in table["care_stat_needs"].items():
        if need not in needs and getattr(cat, rule["stat"]) < rule["below"]:
            needs.append(need)
    needs.sort(key=list(table["care_limits_hours"]).index)
    care_score = max(0, min(100, int(score)))
    band = next(name for floor, name in table["care_bands"] if care_score >= floor)
    return {
        "needs_attention": bool(needs),
        "needs": needs,
        "hours_since": hours,
        "care_score": care_score,
        "care_band": band,
    }


def test_the_plan_gives_the_rules_figures_to_the_microsecond() -> None:
    rng = random.Random(11)

    def moment() -> datetime | None:
        return None if rng.random() < 0.2 else BASE - timedelta(microseconds=rng.randrange(10**12))

    stats = ("hunger", "happiness", "energy", "cleanliness", "health")
    for _ in range(2000):
        cat = Cat(
            name="Plan",
            personality_type="playful",
            born_at=BASE,
            decayed_at=BASE,
            created_at=BASE - timedelta(days=20),
            updated_at=BASE,
            last_fed_at=moment(),
            last_played_at=moment(),
            last_groomed_at=moment(),
            last_treat_at=moment(),
            **{stat: rng.randrange(101) for stat in stats},
        )
        plan = care_plan(cat)
        for _ in range(5):
            now = BASE + timedelta(microseconds=rng.randrange(-(10**10), 10**12))
            expected = reference(cat, now)
            assert plan.at(now) == expected
            assert care_status(cat, now) == expected
