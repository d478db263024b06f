"""What a human sees: the mood label, care status and care score (SPEC §1.1–1.2)."""

from __future__ import annotations

from datetime import datetime

from purrr_core.catalog import load
from purrr_core.models import Cat


def mood_label(cat: Cat, now: datetime) -> str:
    """The first label whose condition holds, most urgent first."""
    if cat.health < 40:
        return "sick"
    if cat.hunger < 25:
        return "hungry"
    if cat.cleanliness < 25 or cat.happiness < 25:
        return "irritated"
    if cat.excited_until is not None and now < cat.excited_until:
        return "excited"
    if cat.is_resting or cat.energy < 25:
        return "sleepy"
    if cat.energy >= 60 and cat.happiness >= 60:
        return "playful" if cat.mood < 70 else "happy"
    if cat.mood >= 70:
        return "happy"
    return "calm"


def _hours_since(then: datetime | None, fallback: datetime, now: datetime) -> float:
    return max(0.0, (now - (then or fallback)).total_seconds() / 3600)


def care_status(cat: Cat, now: datetime) -> dict[str, object]:
    """Which needs are due, the care score 0–100 and its band.

    A need is due when its care is overdue (`care_limits_hours`, which also sets the score) or
    when the stat it serves is low (`care_stat_needs`: a starving cat needs food however
    recently it was fed)."""
    table = load("care")
    limits: dict[str, int] = table["care_limits_hours"]
    penalties: dict[str, int] = table["care_penalties"]
    last = {
        "feed": cat.last_fed_at,
        "play": cat.last_played_at,
        "groom": cat.last_groomed_at,
        "treat": cat.last_treat_at,
    }
    needs: list[str] = []
    score = 100.0
    hours: dict[str, float] = {}
    for need, limit in limits.items():
        since = _hours_since(last[need], cat.created_at, now)
        hours[need] = round(since, 2)
        overdue = since - limit
        if overdue > 0:
            needs.append(need)
            score -= penalties[need] * overdue
    for need, rule in table["care_stat_needs"].items():
        if need not in needs and getattr(cat, rule["stat"]) < rule["below"]:
            needs.append(need)
    needs.sort(key=list(limits).index)
    care_score = max(0, min(100, int(score)))
    band = next(name for floor, name in table["care_bands"] if care_score >= floor)
    return {
        "needs_attention": bool(needs),
        "needs": needs,
        "hours_since": hours,
        "care_score": care_score,
        "care_band": band,
    }
