"""Coins a patrol earns (SPEC §6: coins are earned in patrols), from the `coin_rewards` table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from purrr_core.nightwatch.rules import rules

if TYPE_CHECKING:
    from purrr_core.nightwatch.models import Patrol


def patrol_reward(patrol: Patrol) -> int:
    """Coins for what the patrol has done: each bobcat deterred, each stray saved (rescued or
    sheltered), and a bonus once it has run to the end of the night (a recalled patrol keeps the
    rest). For an active patrol this is what it has earned so far; the server pays it once, when
    the patrol is settled."""
    table = rules().coin_rewards
    deterred = sum(e.deterred for e in patrol.encounters)
    saved = sum(s.saved for s in patrol.strays)
    bonus = table.patrol_completed if patrol.status == "completed" else 0
    return deterred * table.deterred + saved * table.stray_saved + bonus
