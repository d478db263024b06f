"""Behaviour learning (SPEC §8): what a cat likes, how true it is to its personality, and its mood
through the day — learned from its recorded interactions, locally and deterministically.

Every estimate is a mean shrunk toward a prior by a pseudo-count, so a few records say little and
many records say much; each comes with `confidence = n / (n + k)`. See docs/insights.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from purrr_core.catalog import personalities, time_of_day

#: Pseudo-counts: how many records the prior is worth.
PREFERENCE_PRIOR = 2.0
MOOD_PRIOR = 2.0
CONFIDENCE_K = {"item": 5.0, "overall": 20.0, "hour": 3.0}
#: Weight of a record `d` hours away (circularly) in the mood estimate for an hour.
HOUR_KERNEL = {0: 1.0, 1: 0.5, 2: 0.25}
DEFAULT_MOOD = 50.0


class Interaction(BaseModel):
    """One recorded interaction, as care actions, games and items report it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: str
    activity: str
    kind: str
    hour: int
    happiness_delta: int
    mood_before: int


def _confidence(n: float, k: float) -> float:
    return round(n / (n + k), 3)


def _ranked(groups: Mapping[str, list[int]], label: str, prior: float) -> list[dict[str, Any]]:
    rows = []
    for name, deltas in groups.items():
        n = len(deltas)
        score = (sum(deltas) + PREFERENCE_PRIOR * prior) / (n + PREFERENCE_PRIOR)
        rows.append(
            {
                label: name,
                "mean_happiness_gain": round(sum(deltas) / n, 2),
                "score": round(score, 2),
                "count": n,
                "confidence": _confidence(n, CONFIDENCE_K["item"]),
            }
        )
    return sorted(rows, key=lambda r: (-r["score"], -r["count"], r[label]))


def _fit_error(observed: Mapping[str, list[int]], multipliers: Mapping[str, float]) -> float:
    """How far the per-kind mean gains are from a personality's multipliers (scaled fit)."""
    kinds = sorted(observed)
    means = {k: sum(observed[k]) / len(observed[k]) for k in kinds}
    counts = {k: len(observed[k]) for k in kinds}
    mult = {k: multipliers.get(k, 1.0) for k in kinds}
    denom = sum(counts[k] * mult[k] ** 2 for k in kinds)
    base = sum(counts[k] * means[k] * mult[k] for k in kinds) / denom
    total = sum(counts.values())
    scale = sum(counts[k] * abs(means[k]) for k in kinds) / total + 1.0
    return sum(counts[k] * abs(means[k] - base * mult[k]) for k in kinds) / total / scale


def personality_consistency(records: list[Interaction], personality_type: str) -> dict[str, Any]:
    """How well the cat's happiness by activity kind fits its declared personality (0–100)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for r in records:
        by_kind[r.kind].append(r.happiness_delta)
    if len(by_kind) < 2:
        return {
            "declared": personality_type,
            "consistency": None,
            "behaves_like": None,
            "confidence": 0.0,
            "note": "needs interactions of at least two kinds",
        }
    errors = {pid: _fit_error(by_kind, p.happiness) for pid, p in sorted(personalities().items())}
    fit = {pid: 1 / (1 + err) for pid, err in errors.items()}
    best = max(sorted(fit), key=lambda pid: fit[pid])
    return {
        "declared": personality_type,
        "consistency": round(100 * fit[personality_type] / fit[best]),
        "behaves_like": best,
        "confidence": _confidence(len(records), CONFIDENCE_K["overall"]),
    }


def predicted_mood(records: list[Interaction]) -> list[dict[str, Any]]:
    """Mood expected at each hour 0–23: nearby hours' observed moods, shrunk to the overall mean."""
    prior = sum(r.mood_before for r in records) / len(records) if records else DEFAULT_MOOD
    out = []
    for hour in range(24):
        weight = 0.0
        total = 0.0
        for r in records:
            distance = min((r.hour - hour) % 24, (hour - r.hour) % 24)
            w = HOUR_KERNEL.get(distance, 0.0)
            weight += w
            total += w * r.mood_before
        mood = (total + MOOD_PRIOR * prior) / (weight + MOOD_PRIOR)
        out.append(
            {
                "hour": hour,
                "mood": round(mood),
                "confidence": _confidence(weight, CONFIDENCE_K["hour"]),
            }
        )
    return out


def learn(
    records: Iterable[Mapping[str, Any] | Interaction], personality_type: str
) -> dict[str, Any]:
    """Insights for one cat from its interaction records (any order; same records → same result)."""
    parsed = [r if isinstance(r, Interaction) else Interaction.model_validate(r) for r in records]
    parsed.sort(
        key=lambda r: (r.type, r.activity, r.kind, r.hour, r.happiness_delta, r.mood_before)
    )
    prior = sum(r.happiness_delta for r in parsed) / len(parsed) if parsed else 0.0
    activities: dict[str, list[int]] = defaultdict(list)
    foods: dict[str, list[int]] = defaultdict(list)
    times: dict[str, list[int]] = defaultdict(list)
    for r in parsed:
        (foods if r.type == "feed" else activities)[r.activity].append(r.happiness_delta)
        times[time_of_day(r.hour)].append(r.happiness_delta)
    ranked_times = _ranked(times, "time_of_day", prior)
    best_hour = None
    mood = predicted_mood(parsed)
    if parsed:
        best_hour = max(mood, key=lambda m: (m["mood"], -m["hour"]))["hour"]
    return {
        "interactions": len(parsed),
        "confidence": _confidence(len(parsed), CONFIDENCE_K["overall"]),
        "preferences": {
            "activities": _ranked(activities, "activity", prior),
            "foods": _ranked(foods, "food", prior),
            "times_of_day": ranked_times,
        },
        "personality": personality_consistency(parsed, personality_type),
        "predicted_mood": mood,
        "best_hour": best_hour,
        "summary": _summary(parsed, activities, foods, ranked_times),
    }


def _summary(
    parsed: list[Interaction],
    activities: Mapping[str, list[int]],
    foods: Mapping[str, list[int]],
    times: list[dict[str, Any]],
) -> str:
    if not parsed:
        return "No interactions yet: care for the cat and its preferences will appear here."
    prior = sum(r.happiness_delta for r in parsed) / len(parsed)
    parts = []
    if activities:
        parts.append(f"loves {_ranked(activities, 'activity', prior)[0]['activity']}")
    if foods:
        parts.append(f"prefers {_ranked(foods, 'food', prior)[0]['food']}")
    parts.append(f"happiest in the {times[0]['time_of_day']}")
    certainty = (
        "tentatively" if len(parsed) < 20 else ("fairly surely" if len(parsed) < 60 else "surely")
    )
    return f"{certainty.capitalize()}: " + ", ".join(parts) + "."


__all__ = ["Interaction", "learn", "personality_consistency", "predicted_mood"]
