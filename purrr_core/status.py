"""What a human sees: the mood label, care status and care score (SPEC §1.1–1.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: The last moment `CarePlan.at` was asked about and its microseconds since the epoch (a list
#: of cats is shown at one `now`: it is converted once).
_last_now: list[tuple[datetime, int]] = [(_EPOCH, 0)]


def _micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class CarePlan:
    """What `care_status` needs of one cat, worked out once: when each kind of care last
    happened (microseconds since the epoch), its limit and penalty, and which needs the cat's
    stats make due (they change only with the cat). `at(now)` is the status at `now`."""

    #: (need, last care in microseconds since the epoch, limit in hours, penalty per hour)
    cares: tuple[tuple[str, int, int, int], ...]
    #: Needs due because the stat they serve is low, in `care_stat_needs` order.
    low: tuple[str, ...]
    order: dict[str, int]
    #: The care band of each score 0..100.
    bands: tuple[str, ...]

    def at(self, now: datetime) -> dict[str, object]:
        last = _last_now[0]
        if last[0] is now:
            now_us = last[1]
        else:
            now_us = _micros(now)
            _last_now[0] = (now, now_us)
        needs: list[str] = []
        score = 100.0
        hours: dict[str, float] = {}
        for need, then_us, limit, penalty in self.cares:
            # As `(now - then).total_seconds() / 3600`: exact microseconds, divided the same way.
            since = (now_us - then_us) / 1_000_000 / 3600
            if since < 0:
                since = 0.0
            hours[need] = round(since, 2)
            overdue = since - limit
            if overdue > 0:
                needs.append(need)
                score -= penalty * overdue
        if self.low:
            needs += [need for need in self.low if need not in needs]
            needs.sort(key=self.order.__getitem__)
        care_score = max(0, min(100, int(score)))
        return {
            "needs_attention": bool(needs),
            "needs": needs,
            "hours_since": hours,
            "care_score": care_score,
            "care_band": self.bands[care_score],
        }


@cache
def _bands() -> tuple[str, ...]:
    """The band of each care score 0..100: the first of `care_bands` whose floor it reaches."""
    bands: list[list[Any]] = load("care")["care_bands"]
    return tuple(next(str(name) for floor, name in bands if score >= floor) for score in range(101))


def care_plan(cat: Cat) -> CarePlan:
    """The cat's `CarePlan` (callers that show a cat often keep it with the cat)."""
    table = load("care")
    limits: dict[str, int] = table["care_limits_hours"]
    penalties: dict[str, int] = table["care_penalties"]
    last = {
        "feed": cat.last_fed_at,
        "play": cat.last_played_at,
        "groom": cat.last_groomed_at,
        "treat": cat.last_treat_at,
    }
    cares = tuple(
        (need, _micros(last[need] or cat.created_at), limit, penalties[need])
        for need, limit in limits.items()
    )
    low = tuple(
        need
        for need, rule in table["care_stat_needs"].items()
        if getattr(cat, rule["stat"]) < rule["below"]
    )
    order = {need: index for index, need in enumerate(limits)}
    return CarePlan(cares, low, order, _bands())


def care_status(cat: Cat, now: datetime) -> dict[str, object]:
    """Which needs are due, the care score 0–100 and its band.

    A need is due when its care is overdue (`care_limits_hours`, which also sets the score) or
    when the stat it serves is low (`care_stat_needs`: a starving cat needs food however
    recently it was fed)."""
    return care_plan(cat).at(now)
