"""Night Watch balance report (not a test): deter and rescue rates over many seeded nights.

Run: python benchmarks/nightwatch_balance.py [NIGHTS]   (default 600 nights per row)
Prints Markdown tables pasted into docs/nightwatch.md: by role mix, level, personality per role
slot, special cats, zones, threat level, season and weather. Every row starts the same seeded year
(from 1 January), so rows differ only by the team or the zones.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from purrr_core.nightwatch import (
    PatrolCat,
    SimulationSummary,
    Zone,
    create_zone,
    home_base,
    simulate,
)

SEED = 2026
MIX = (
    ("playful", "guardian"),
    ("curious", "scout"),
    ("social_butterfly", "healer"),
    ("lazy", "alarm"),
)
PERSONALITIES = ("playful", "territorial", "curious", "aloof", "social_butterfly", "lazy")
HEADER = (
    "| team | deter rate | rescue rate | encounters / night | strays found / night "
    "| saved / night | injuries / night |\n|---|---|---|---|---|---|---|"
)


def cat(
    i: int,
    personality: str,
    level: int = 5,
    role: str | None = None,
    special_id: str | None = None,
    name: str | None = None,
) -> PatrolCat:
    return PatrolCat(
        id=i,
        name=name or f"Cat{i}",
        personality_type=personality,
        level=level,
        energy=100,
        role=role,
        special_id=special_id,
    )


def standard(level: int = 5) -> list[PatrolCat]:
    return [cat(i, p, level, role) for i, (p, role) in enumerate(MIX, 1)]


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def row(label: str, s: SimulationSummary) -> str:
    n = s.nights
    return (
        f"| {label} | {pct(s.deter_rate)} | {pct(s.rescue_rate)} | {s.encounters / n:.2f} "
        f"| {s.strays_found / n:.2f} | {s.strays_saved / n:.2f} | {s.injuries / n:.2f} |"
    )


def run(
    team: Sequence[PatrolCat], nights: int, zones: list[Zone] | None = None
) -> SimulationSummary:
    return simulate(team, nights, SEED, zones=zones)


def role_mix(nights: int) -> None:
    print("### By role mix (level-5 cats, personalities suited to their roles, Home Base)\n")
    print(HEADER)
    team = standard()
    print(row("guardian + scout + healer + alarm", run(team, nights)))
    for i, (_, role) in enumerate(MIX, 1):
        print(row(f"without the {role}", run([c for c in team if c.id != i], nights)))
    print(row("4 guardians", run([cat(i, "playful") for i in range(1, 5)], nights)))
    print(
        row(
            "2 guardians + scout + healer",
            run(
                [
                    cat(1, "playful"),
                    cat(2, "territorial"),
                    cat(3, "curious"),
                    cat(4, "social_butterfly"),
                ],
                nights,
            ),
        )
    )
    print(
        row(
            "8 cats (2 of each role)",
            run([*team, *[c.model_copy(update={"id": c.id + 4}) for c in team]], nights),
        )
    )
    print()


def levels(nights: int) -> None:
    print("### By level (the standard four-role team)\n")
    print(HEADER)
    for level in (1, 5, 10, 20, 35):
        print(row(f"level {level}", run(standard(level), nights)))
    print()


def personality_slots(nights: int) -> None:
    print("### By personality in each role slot (the other three cats as in the standard team)\n")
    print(
        "| personality | as guardian: deter | as scout: deter / strays found | "
        "as healer: rescue | as alarm: deter / rescue |\n|---|---|---|---|---|"
    )
    base = standard()
    for personality in PERSONALITIES:
        cells = []
        for slot, (_, role) in enumerate(MIX):
            team = list(base)
            team[slot] = cat(slot + 1, personality, 5, role)
            s = run(team, nights)
            cells.append(
                {
                    "guardian": pct(s.deter_rate),
                    "scout": f"{pct(s.deter_rate)} / {s.strays_found / s.nights:.2f}",
                    "healer": pct(s.rescue_rate),
                    "alarm": f"{pct(s.deter_rate)} / {pct(s.rescue_rate)}",
                }[role]
            )
        print(f"| {personality} | " + " | ".join(cells) + " |")
    print()


def specials(nights: int) -> None:
    print("### Special cats (at their own levels) against an ordinary cat at the same level\n")
    print(HEADER)
    for special, personality, level, slot in (
        ("bandit", "playful", 15, 0),
        ("luna", "curious", 12, 1),
        ("rycat", "curious", 10, 3),
    ):
        role = MIX[slot][1]
        for label, special_id in (
            (f"{special} as {role} (level {level})", special),
            (f"ordinary {personality} as {role} (level {level})", None),
        ):
            team = standard()
            team[slot] = cat(
                slot + 1, personality, level, None if special == "bandit" else role, special_id
            )
            print(row(label, run(team, nights)))
    print()


def zones(nights: int) -> None:
    print("### Zones (standard team)\n")
    print(HEADER)
    print(row("no zones at all", run(standard(), nights, [])))
    print(row("Home Base (safe_haven, radius 100)", run(standard(), nights, [home_base()])))
    for zone_type, cost in (("cat_condo", 500), ("motion_sensor", 200), ("community_alert", 150)):
        zone = create_zone(zone_type, zone_type, "yard", 100, coins=cost)
        print(
            row(
                f"Home Base + {zone_type} (radius 100)",
                run(standard(), nights, [home_base(), zone]),
            )
        )
    print()


def conditions(nights: int) -> None:
    years = max(4, nights // 150)
    s = run(standard(), 365 * years)
    print(f"### By threat level, season and weather (standard team, {years} years)\n")
    print("| slice | encounters | deter rate | rescue rate |\n|---|---|---|---|")
    for title, table in (
        ("threat", s.by_threat_level),
        ("season", s.by_season),
        ("weather", s.by_weather),
    ):
        for key, data in table.items():
            print(
                f"| {title}: {key} | {data['encounters']} | {pct(data['deter_rate'])} "
                f"| {pct(data['rescue_rate'])} |"
            )
    print()


def main() -> None:
    nights = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    print(
        f"Night Watch balance: {nights} seeded nights per row (seed {SEED}), "
        "deter rate = deterred / encounters, rescue rate = rescued / strays needing rescue.\n"
    )
    role_mix(nights)
    levels(nights)
    personality_slots(nights)
    specials(nights)
    zones(nights)
    conditions(nights)


if __name__ == "__main__":
    main()
