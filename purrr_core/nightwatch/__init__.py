"""Night Watch: Save the Strays (SPEC §2) — a pure, seeded patrol simulation.

Deploy cats with `start_patrol`, bring the patrol up to a time with `advance_patrol` (lazy,
deterministic catch-up in fixed ticks), end it early with `recall`, and fold an ended patrol into the
player's running `NightWatchRecord` with `record_patrol`; `patrol_reward` is the coins it earns.
`simulate` runs many nights on copies of cats for balance reports. Every number comes from `purrr_core/data/nightwatch.json`.
"""

from purrr_core.duty import check_home, counts, patrolling
from purrr_core.nightwatch.engine import (
    advance_patrol,
    check_window,
    default_role,
    effectiveness,
    energy_cost,
    in_window,
    is_fast_response,
    local_time,
    night_date,
    plan_night,
    recall,
    resolve_role,
    respond_alert,
    start_patrol,
    team_strength,
    tick_count,
    window_end,
)
from purrr_core.nightwatch.models import (
    Alert,
    CatResult,
    Encounter,
    Night,
    NightWatchConfig,
    Patrol,
    PatrolCat,
    PatrolEvent,
    Stray,
    Zone,
)
from purrr_core.nightwatch.progress import (
    EarnedAchievement,
    NightWatchRecord,
    Specialization,
    achievement_progress,
    apply_result,
    award_achievements,
    new_record,
    record_alert_response,
    record_patrol,
    record_zone,
    role_level,
)
from purrr_core.nightwatch.rewards import patrol_reward
from purrr_core.nightwatch.rules import rules
from purrr_core.nightwatch.simulation import SimulationSummary, run_night, simulate
from purrr_core.nightwatch.zones import create_zone, home_base, zone_types

__all__ = [
    "Alert",
    "CatResult",
    "EarnedAchievement",
    "Encounter",
    "Night",
    "NightWatchConfig",
    "NightWatchRecord",
    "Patrol",
    "PatrolCat",
    "PatrolEvent",
    "SimulationSummary",
    "Specialization",
    "Stray",
    "Zone",
    "achievement_progress",
    "advance_patrol",
    "apply_result",
    "award_achievements",
    "check_home",
    "check_window",
    "counts",
    "create_zone",
    "default_role",
    "effectiveness",
    "energy_cost",
    "home_base",
    "in_window",
    "is_fast_response",
    "local_time",
    "new_record",
    "night_date",
    "patrol_reward",
    "patrolling",
    "plan_night",
    "recall",
    "record_alert_response",
    "record_patrol",
    "record_zone",
    "resolve_role",
    "respond_alert",
    "role_level",
    "rules",
    "run_night",
    "simulate",
    "start_patrol",
    "team_strength",
    "tick_count",
    "window_end",
    "zone_types",
]
