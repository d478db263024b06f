"""purrr_core: the rules of Purrr.love. Pure functions of (state, request, now, rng); no I/O.

The public face is small: the cat model, the care actions, time passing, levels and status.
Genetics, Night Watch, games and the economy live in their own subpackages.
"""

from purrr_core.adoption import adopt, adopt_special, special_cat, unlock_progress
from purrr_core.care import ACTIONS, parse_request, perform
from purrr_core.catalog import personalities, personality
from purrr_core.errors import Conflict, InvalidRequest, NotFound, RuleError
from purrr_core.levels import account_level, level_for_xp, level_progress, xp_for_level
from purrr_core.models import ADVANCED_STATS, CORE_STATS, Cat
from purrr_core.status import care_status, mood_label
from purrr_core.timeflow import advance

__all__ = [
    "ACTIONS",
    "ADVANCED_STATS",
    "CORE_STATS",
    "Cat",
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "RuleError",
    "account_level",
    "adopt",
    "adopt_special",
    "advance",
    "care_status",
    "level_for_xp",
    "level_progress",
    "mood_label",
    "parse_request",
    "perform",
    "personalities",
    "personality",
    "special_cat",
    "unlock_progress",
    "xp_for_level",
]
