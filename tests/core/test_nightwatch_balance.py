"""Night Watch balance over many seeded nights: ordinary patrols succeed, every role and zone matters."""

from __future__ import annotations

from functools import cache

import pytest

from purrr_core.nightwatch import PatrolCat, SimulationSummary, create_zone, home_base, simulate

NIGHTS = 300
MIX = ("playful", "curious", "social_butterfly", "lazy")  # guardian, scout, healer, alarm


def cat(i: int, personality: str, level: int = 5, **extra: object) -> PatrolCat:
    fields: dict[str, object] = {
        "id": i,
        "name": f"C{i}",
        "personality_type": personality,
        "level": level,
        "energy": 100,
        **extra,
    }
    return PatrolCat.model_validate(fields)


def standard(level: int = 5) -> list[PatrolCat]:
    return [cat(i, p, level) for i, p in enumerate(MIX, 1)]


@cache
def run(key: str) -> SimulationSummary:
    teams = {
        "standard": standard(),
        "level1": standard(1),
        "level15": standard(15),
        **{f"no_{i}": [c for c in standard() if c.id != i] for i in range(1, 5)},
        "bandit": [cat(1, "playful", 15, special_id="bandit", name="BanditCat"), *standard()[1:]],
    }
    return simulate(teams[key], NIGHTS, 2026)


def per_night(summary: SimulationSummary, field: str) -> float:
    return float(getattr(summary, field)) / summary.nights


def test_an_ordinary_well_staffed_patrol_deters_often() -> None:
    summary = run("standard")
    assert summary.deter_rate is not None and 0.6 <= summary.deter_rate <= 0.85
    assert summary.rescue_rate is not None and 0.55 <= summary.rescue_rate <= 0.9
    assert summary.encounters > NIGHTS  # bobcats are a nightly worry, not a rarity


def test_special_cats_deter_more_often() -> None:
    assert run("bandit").deter_rate > run("standard").deter_rate + 0.05  # type: ignore[operator]


def test_levels_matter() -> None:
    rates = [run(k).deter_rate for k in ("level1", "standard", "level15")]
    assert rates == sorted(rates) and rates[0] < rates[2] - 0.15  # type: ignore[operator]


@pytest.mark.parametrize("role_cat", [1, 2, 3, 4], ids=["guardian", "scout", "healer", "alarm"])
def test_removing_any_role_lowers_some_rate(role_cat: int) -> None:
    full, without = run("standard"), run(f"no_{role_cat}")
    worse = {
        "deter": without.deter_rate < full.deter_rate - 0.03,  # type: ignore[operator]
        "rescue": without.rescue_rate < full.rescue_rate - 0.03,  # type: ignore[operator]
        "found": per_night(without, "strays_found") < 0.85 * per_night(full, "strays_found"),
    }
    assert any(worse.values()), worse


def test_guardians_drive_deterrence_healers_rescue_scouts_finding() -> None:
    full = run("standard")
    assert run("no_1").deter_rate < full.deter_rate - 0.2  # type: ignore[operator]
    assert run("no_3").rescue_rate < full.rescue_rate - 0.15  # type: ignore[operator]
    assert per_night(run("no_2"), "strays_found") < 0.75 * per_night(full, "strays_found")


def test_threat_levels_seasons_and_weather_shape_the_night() -> None:
    summary = run("standard")
    by_threat = summary.by_threat_level
    assert by_threat["critical"]["encounters"] > 0
    assert (
        by_threat["medium"]["deter_rate"]
        > by_threat["high"]["deter_rate"]
        > by_threat["critical"]["deter_rate"]
    )
    year = simulate(standard(), 365 * 2, 7)
    nights_per = {"spring": 92 * 2, "summer": 92 * 2}
    spring = year.by_season["spring"]["encounters"] / nights_per["spring"]
    summer = year.by_season["summer"]["encounters"] / nights_per["summer"]
    assert spring > summer  # mating season (March–June) ×1.3
    wet = sum(year.by_weather[w]["encounters"] for w in ("rain", "snow"))
    dry = year.by_weather["clear"]["encounters"]
    assert wet < dry


def zones_run(*zones: object) -> SimulationSummary:
    return simulate(standard(), 300, 5, zones=list(zones))  # type: ignore[arg-type]


@cache
def bare() -> SimulationSummary:
    return zones_run()


def test_cat_condo_prevents_injuries_and_shelters() -> None:
    condo = zones_run(create_zone("cat_condo", "Condo", "Yard", 100, coins=500))
    assert condo.injuries < bare().injuries
    assert condo.strays_sheltered > bare().strays_sheltered == 0


def test_motion_sensor_detects_earlier() -> None:
    sensor = zones_run(create_zone("motion_sensor", "Sensor", "Gate", 200, coins=200))
    assert sensor.strays_found > bare().strays_found
    assert sensor.deter_rate > bare().deter_rate  # type: ignore[operator]


def test_safe_haven_heals() -> None:
    haven = zones_run(home_base())
    assert haven.rescue_rate > bare().rescue_rate  # type: ignore[operator]


def test_community_alert_brings_neighbours() -> None:
    alert = zones_run(create_zone("community_alert", "Street", "Elm", 200, coins=150))
    assert alert.deter_rate > bare().deter_rate  # type: ignore[operator]
