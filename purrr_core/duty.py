"""Which cats are out on Night Watch patrol, and the one rule that keeps them there until they come home.

A cat on an active patrol cannot be cared for, play games, use items, be used for quests or
breeding, be edited or be released until the patrol is recalled or ends. Every action that loads a
cat asks `check_home` (the server does it in one place, when it loads the cat).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from purrr_core.errors import Conflict
from purrr_core.models import Cat

if TYPE_CHECKING:  # reading a cat must not import the Night Watch engine
    from purrr_core.nightwatch.models import Patrol


def patrolling(patrols: Iterable[Patrol], now: datetime) -> dict[int, Patrol]:
    """The cats out on patrol at `now`, each with its patrol."""
    return {
        cat.id: patrol
        for patrol in patrols
        if patrol.active and patrol.ends_at > now
        for cat in patrol.cats
    }


def check_home(cat: Cat, patrols: Iterable[Patrol], now: datetime) -> None:
    """Refuse to act on a cat that is out on patrol, naming the patrol and how to free it."""
    patrol = patrolling(patrols, now).get(cat.id)
    if patrol is None:
        return
    raise Conflict(
        f"{cat.name} (#{cat.id}) is out on Night Watch patrol #{patrol.id} until "
        f"{patrol.until()}; recall it with `purrr nightwatch recall` first",
        details={
            "cat_id": cat.id,
            "reason": "on_patrol",
            "patrol_id": patrol.id,
            "ends_at": patrol.ends_at.isoformat(),
        },
    )


def counts(patrol: Patrol) -> bool:
    """A patrol counts (totals, reputation, quests, score, achievements) only once it has
    completed at least one tick: deploying and recalling at once achieves nothing."""
    return patrol.ticks_done > 0
