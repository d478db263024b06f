"""Levels 1–50: XP to reach level n is round(100·(n−1)^1.5); level-ups grow advanced stats."""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import cache

from purrr_core.catalog import personality
from purrr_core.models import ADVANCED_STATS, Cat
from purrr_core.pacing import stat_gain

MAX_LEVEL = 50
ACCOUNT_XP_PER_LEVEL = 1000


def xp_for_level(level: int) -> int:
    """Total XP needed to reach `level` (1 needs 0)."""
    if not 1 <= level <= MAX_LEVEL:
        raise ValueError(f"level must be 1–{MAX_LEVEL}, not {level}")
    return round(100 * math.pow(level - 1, 1.5))


@cache
def _thresholds() -> list[int]:
    return [xp_for_level(n) for n in range(1, MAX_LEVEL + 1)]


def level_for_xp(experience: int) -> int:
    return min(MAX_LEVEL, bisect_right(_thresholds(), experience))


def account_level(total_xp: int) -> int:
    """The player's level: floor(total XP / 1000) + 1."""
    return total_xp // ACCOUNT_XP_PER_LEVEL + 1


def player_progress(cat_xp: int, account_xp: int) -> dict[str, int]:
    """The player (account) level shown by the API: the XP of the player's cats plus the XP of
    quests claimed without a cat, `account_level` of it, and the XP still needed for the next."""
    total = max(0, cat_xp) + max(0, account_xp)
    return {
        "player_level": account_level(total),
        "player_xp": total,
        "player_xp_to_next": ACCOUNT_XP_PER_LEVEL - total % ACCOUNT_XP_PER_LEVEL,
    }


def gain_xp(cat: Cat, base_xp: float, kind: str) -> tuple[Cat, dict[str, object]]:
    """Add XP scaled by the cat's personality for this activity kind; apply level-ups."""
    xp = max(0, round(base_xp * personality(cat.personality_type).xp_multiplier(kind)))
    experience = cat.experience + xp
    new_level = max(cat.level, level_for_xp(experience))
    changes: dict[str, object] = {"experience": experience, "level": new_level}
    growth = stat_growth(cat, new_level)
    changes.update({stat: getattr(cat, stat) + gained for stat, gained in growth.items()})
    effects: dict[str, object] = {"xp_gained": xp, "level": new_level}
    if new_level > cat.level:
        effects["leveled_up"] = {"from": cat.level, "to": new_level, "stat_growth": growth}
    return cat.evolve(**changes), effects


def stat_growth(cat: Cat, to_level: int) -> dict[str, int]:
    """Advanced-stat growth from the cat's level up to `to_level`: each level adds the
    personality's growth, shrinking near the top (purrr_core.pacing.stat_gain), in whole points."""
    if to_level <= cat.level:
        return {}
    per_level = personality(cat.personality_type).growth
    out: dict[str, int] = {}
    for stat in ADVANCED_STATS:
        value = float(getattr(cat, stat))
        for _ in range(to_level - cat.level):
            value += stat_gain(value, per_level.get(stat, 0))
        out[stat] = min(100, math.floor(value + 0.5)) - getattr(cat, stat)
    return out


def level_progress(cat: Cat) -> dict[str, int]:
    """XP into the current level and XP needed for the next one."""
    current = xp_for_level(cat.level)
    if cat.level >= MAX_LEVEL:
        return {"level": cat.level, "xp_into_level": cat.experience - current, "xp_for_next": 0}
    return {
        "level": cat.level,
        "xp_into_level": cat.experience - current,
        "xp_for_next": xp_for_level(cat.level + 1) - cat.experience,
    }


def percent_done(current: int, required: int) -> int:
    """Progress toward `required` as a whole percent, rounded down and capped at 100, so a
    player never sees 100 % before the goal is reached."""
    return min(100, current * 100 // required)
