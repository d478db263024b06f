"""Quest progress: pure functions over a player's `QuestState`.

Progress is kept per *period*: the local date for daily quests (so they reset at local midnight),
the season for seasonal ones, and one period forever for the rest. A progress row from an older
period counts as empty, so nothing needs a scheduler: the reset happens when the state is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core import clock
from purrr_core.errors import Conflict, InvalidRequest
from purrr_core.quests._catalog import (
    Quest,
    Requirement,
    Rewards,
    event_types,
    quest,
    quests,
    seasons,
)

_ZERO = Decimal(0)


class QuestEvent(BaseModel):
    """Something that happened (a feed, a game win, a rescue…), with an amount and attributes
    (`personality` of the cat involved, `game`, `item`…) that requirements may match.

    An attribute is a string, or a list of strings when the event involves several things at once
    (the personalities of a patrol's cats): a wanted value matches a string equal to it or a list
    containing it, so the event still counts once per requirement.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    amount: Decimal = Decimal(1)
    attrs: dict[str, str | list[str]] = Field(default_factory=dict)


class QuestProgress(BaseModel):
    """One quest's progress in one period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str
    progress: dict[str, Decimal] = Field(default_factory=dict)
    completed_at: datetime | None = None
    claimed_at: datetime | None = None


class QuestState(BaseModel):
    """A player's progress on every quest they have touched."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quests: dict[str, QuestProgress] = Field(default_factory=dict)


def season_of(month: int) -> str:
    return next(name for name, months in seasons().items() if month in months)


def period_key(q: Quest, now: datetime, tz: tzinfo = UTC) -> str | None:
    """The period `now` falls in for `q`, or None when a seasonal quest is out of season."""
    local = clock.local(now, tz)
    if q.type == "daily":
        return local.date().isoformat()
    if q.type == "seasonal":
        if local.month not in q.months:
            return None
        # winter spans the new year: December belongs with the following January and February
        year = local.year - 1 if local.month in (1, 2) else local.year
        return f"{year}-{season_of(local.month)}"
    return "all"


def resets_at(q: Quest, now: datetime, tz: tzinfo = UTC) -> datetime | None:
    """When a daily quest next resets (the next local midnight, in UTC)."""
    if q.type != "daily":
        return None
    return clock.at_local(clock.local_date(now, tz) + timedelta(days=1), 0, tz)


def current(state: QuestState, q: Quest, now: datetime, tz: tzinfo = UTC) -> QuestProgress | None:
    """The quest's progress for the current period (None if out of season)."""
    period = period_key(q, now, tz)
    if period is None:
        return None
    row = state.quests.get(q.id)
    return row if row is not None and row.period == period else QuestProgress(period=period)


def _is_complete(q: Quest, row: QuestProgress) -> bool:
    return all(row.progress.get(r.id, _ZERO) >= r.target for r in q.requirements)


def _counts(q: Quest, req: Requirement, event: QuestEvent) -> bool:
    wanted = dict(req.match)
    if q.personality is not None:
        wanted["personality"] = q.personality
    return req.event == event.type and all(
        _matches(event.attrs.get(k), v) for k, v in wanted.items()
    )


def _matches(value: str | list[str] | None, wanted: str) -> bool:
    """An event attribute matches the wanted value: equal to it, or a list containing it."""
    return value == wanted or (isinstance(value, list) and wanted in value)


def record_event(
    state: QuestState, event: QuestEvent, now: datetime, tz: tzinfo = UTC
) -> tuple[QuestState, list[str]]:
    """Advance every active, unclaimed quest `event` counts for; return the quests it completed."""
    if event.type not in event_types():
        raise InvalidRequest(
            f"unknown quest event {event.type!r}",
            details={"field": "event", "value": event.type, "choices": list(event_types())},
        )
    if event.amount <= 0:
        return state, []
    rows = dict(state.quests)
    completed: list[str] = []
    for q in quests().values():
        matching = [r for r in q.requirements if _counts(q, r, event)]
        row = current(state, q, now, tz) if matching else None
        if row is None or row.claimed_at is not None:
            continue
        was_complete = _is_complete(q, row)
        progress = dict(row.progress)
        for req in matching:
            added = progress.get(req.id, _ZERO) + event.amount
            # community contributions keep counting: they add up to everyone's total
            progress[req.id] = added if q.type == "community" else min(req.target, added)
        row = row.model_copy(update={"progress": progress})
        if not was_complete and _is_complete(q, row):
            row = row.model_copy(update={"completed_at": now})
            completed.append(q.id)
        rows[q.id] = row
    return QuestState(quests=rows), completed


def _fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def quest_view(
    state: QuestState,
    q: Quest,
    now: datetime,
    tz: tzinfo = UTC,
    community_totals: Mapping[str, Decimal] | None = None,
) -> dict[str, object]:
    """One quest as the API shows it, with `feed_cat: 5/10` style progress."""
    row = current(state, q, now, tz)
    active = row is not None
    row = row or QuestProgress(period="")
    reqs = []
    for r in q.requirements:
        have = row.progress.get(r.id, _ZERO)
        reqs.append(
            {
                "id": r.id,
                "event": r.event,
                "current": _fmt(have),
                "target": _fmt(r.target),
                "text": f"{r.id}: {_fmt(have)}/{_fmt(r.target)}",
                "match": dict(r.match),
            }
        )
    view: dict[str, object] = {
        "id": q.id,
        "type": q.type,
        "name": q.name,
        "description": q.description,
        "active": active,
        "period": row.period or None,
        "requirements": reqs,
        "rewards": q.rewards.view(),
        "complete": active and _is_complete(q, row),
        "claimed": row.claimed_at is not None,
        "claimable": False,
    }
    if q.personality:
        view["personality"] = q.personality
    if q.months:
        view["months"] = list(q.months)
    reset = resets_at(q, now, tz)
    if reset is not None:
        view["resets_at"] = reset.isoformat()
    if q.community_target is not None:
        total = (community_totals or {}).get(q.id, _ZERO)
        view.update(community_total=_fmt(total), community_target=q.community_target)
    view["claimable"] = (
        bool(view["complete"]) and not view["claimed"] and _community_met(q, community_totals)
    )
    return view


def _community_met(q: Quest, community_totals: Mapping[str, Decimal] | None) -> bool:
    if q.community_target is None:
        return True
    return (community_totals or {}).get(q.id, _ZERO) >= q.community_target


def quest_views(
    state: QuestState,
    now: datetime,
    tz: tzinfo = UTC,
    *,
    community_totals: Mapping[str, Decimal] | None = None,
) -> list[dict[str, object]]:
    """Every quest, active ones first, in table order."""
    views = [quest_view(state, q, now, tz, community_totals) for q in quests().values()]
    return sorted(views, key=lambda v: not v["active"])


def claim(
    state: QuestState,
    quest_id: str,
    now: datetime,
    tz: tzinfo = UTC,
    *,
    community_totals: Mapping[str, Decimal] | None = None,
) -> tuple[QuestState, Rewards]:
    """Claim a completed quest's rewards, once per period. Conflict if incomplete or claimed."""
    q = quest(quest_id)
    row = current(state, q, now, tz)
    if row is None:
        raise Conflict(
            f"quest {q.id} is out of season (months {q.months})",
            details={"quest_id": q.id, "months": q.months},
        )
    if row.claimed_at is not None:
        raise Conflict(
            f"quest {q.id} was already claimed at {row.claimed_at.isoformat()}",
            details={"quest_id": q.id, "claimed_at": row.claimed_at.isoformat()},
        )
    if not _is_complete(q, row):
        missing = [
            f"{r.id}: {_fmt(row.progress.get(r.id, _ZERO))}/{_fmt(r.target)}"
            for r in q.requirements
            if row.progress.get(r.id, _ZERO) < r.target
        ]
        raise Conflict(
            f"quest {q.id} is not complete yet ({', '.join(missing)})",
            details={"quest_id": q.id, "missing": missing},
        )
    if not _community_met(q, community_totals):
        total = (community_totals or {}).get(q.id, _ZERO)
        raise Conflict(
            f"community quest {q.id} needs {q.community_target} from everyone (at {_fmt(total)})",
            details={"quest_id": q.id, "community_total": _fmt(total)},
        )
    rows = dict(state.quests)
    rows[q.id] = row.model_copy(update={"claimed_at": now})
    return QuestState(quests=rows), q.rewards
