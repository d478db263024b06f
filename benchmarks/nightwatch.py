"""Night Watch benchmark (not a test): a 365-night simulation of a 10-cat patrol.

Run: python benchmarks/nightwatch.py
Budget (docs/architecture.md): < 2 s for 365 nights of a 10-cat patrol, every tick simulated.
"""

from __future__ import annotations

import statistics
import time

from purrr_core.nightwatch import PatrolCat, create_zone, home_base, simulate

PERSONALITIES = (
    "playful",
    "territorial",
    "curious",
    "aloof",
    "social_butterfly",
    "lazy",
    "playful",
    "curious",
    "social_butterfly",
    "lazy",
)
BUDGET_SECONDS = 2.0


def ten_cats() -> list[PatrolCat]:
    return [
        PatrolCat(id=i, name=f"Cat{i}", personality_type=p, level=5 + i, energy=100)
        for i, p in enumerate(PERSONALITIES, 1)
    ]


def main() -> None:
    cats = ten_cats()
    zones = [
        home_base(),
        create_zone("motion_sensor", "Gate", "Back gate", 100, coins=200),
        create_zone("cat_condo", "Condo", "Garden", 75, coins=500),
    ]
    start = time.perf_counter()
    summary = simulate(cats, 365, 1, zones=zones)
    cold = time.perf_counter() - start
    runs, cpu = [], []
    for seed in range(2, 5):
        start, start_cpu = time.perf_counter(), time.process_time()
        simulate(cats, 365, seed, zones=zones)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median = statistics.median(runs)
    print("365-night simulation of a 10-cat patrol (levels 6–15, Home Base + sensor + condo)")
    print(
        f"  first run {cold:.3f} s, median of 3 more {median:.3f} s, best {min(runs):.3f} s "
        f"(CPU time median {statistics.median(cpu):.3f} s; wall time grows on a busy machine)"
    )
    print(
        f"  {summary.encounters} encounters, deter rate {summary.deter_rate:.1%}, "
        f"{summary.strays_found} strays found, rescue rate {summary.rescue_rate:.1%}, "
        f"{summary.strays_saved} saved, score {summary.score}"
    )
    print(f"  achievements: {', '.join(summary.achievements)}")
    print(
        f"  budget {BUDGET_SECONDS:.0f} s: {'ok' if median < BUDGET_SECONDS else 'OVER'} "
        f"({median / BUDGET_SECONDS:.0%} of budget)"
    )


if __name__ == "__main__":
    main()
