"""One local clock for every time-of-day rule (purrr_core.clock): the Night Watch window, its
ticks' schedules, the activity schedules of play, recorded interaction hours and daily quest
resets all read the player's time zone, summer time included."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from purrr_core import Conflict, catalog, clock, perform
from purrr_core.nightwatch import (
    NightWatchConfig,
    PatrolCat,
    advance_patrol,
    in_window,
    local_time,
    start_patrol,
    tick_count,
)
from purrr_core.nightwatch.engine import check_window, tick_hour
from purrr_core.quests import period_key, quests, resets_at
from tests.core.conftest import make_cat

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def team() -> list[PatrolCat]:
    kinds = ("playful", "curious", "social_butterfly", "lazy")
    return [
        PatrolCat(id=i, name=f"Cat{i}", personality_type=p, level=5, energy=100)
        for i, p in enumerate(kinds, 1)
    ]


def test_a_berlin_player_at_22_30_local_is_inside_the_window() -> None:
    winter = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)  # 22:30 CET
    summer = datetime(2026, 7, 15, 20, 30, tzinfo=UTC)  # 22:30 CEST
    berlin = NightWatchConfig(tz=BERLIN)
    for now in (winter, summer):
        assert in_window(now, berlin)
        assert local_time(now, berlin).strftime("%H:%M") == "22:30"
        patrol = start_patrol(team(), now=now, seed=1, config=berlin)
        assert patrol.timezone == "Europe/Berlin" and patrol.tick_hours[0] == 22
        assert clock.local(patrol.ends_at, BERLIN).hour == 6
    assert not in_window(summer, NightWatchConfig())  # 20:30 on the UTC clock: the old rule
    with pytest.raises(Conflict) as refused:
        check_window(datetime(2026, 7, 15, 18, 30, tzinfo=UTC), berlin)
    assert refused.value.details["local_time"] == "20:30"  # what a Berlin clock says


def test_the_same_instant_in_two_zones() -> None:
    now = datetime(2026, 7, 15, 20, 30, tzinfo=UTC)  # 22:30 in Berlin, 16:30 in New York
    assert in_window(now, NightWatchConfig(tz=BERLIN))
    with pytest.raises(Conflict, match=r"\(it is 16:30\)"):
        start_patrol(team(), now=now, seed=1, config=NightWatchConfig(tz=NEW_YORK))
    # the New York player's night starts at 21:00 there, five hours later
    later = now + timedelta(hours=4, minutes=30)
    assert in_window(later, NightWatchConfig(tz=NEW_YORK))
    # an aloof cat (schedule: night high) plays with more joy at 22:30 in Berlin (night) than
    # at the same instant in New York (16:30, afternoon: moderate)
    cat = make_cat(personality_type="aloof", happiness=30, energy=90)
    joy = {
        tz: perform(cat, "play", {}, now, random.Random(1), tz=tz)[1]["happiness_gained"]
        for tz in (BERLIN, NEW_YORK)
    }
    assert joy[BERLIN] > joy[NEW_YORK]
    level = catalog.personality("aloof").activity_level
    assert (level(22), level(16)) == (1.2, 1.0)


def test_interactions_are_recorded_at_the_local_hour() -> None:
    now = datetime(2026, 7, 15, 20, 30, tzinfo=UTC)
    cat = make_cat(energy=90)
    effects = perform(cat, "pet", {}, now, random.Random(1), tz=BERLIN)[1]
    assert effects["interaction"]["hour"] == 22


def test_a_patrol_across_the_end_of_summer_time_follows_the_clock() -> None:
    # 25 October 2026: Berlin's clocks go back from 03:00 to 02:00
    deploy = clock.at_local(datetime(2026, 10, 24).date(), 21, BERLIN)
    patrol = start_patrol(team(), now=deploy, seed=1, config=NightWatchConfig(tz=BERLIN))
    assert patrol.ends_at - patrol.started_at == timedelta(hours=10)  # 21:00 → 06:00 local
    assert tick_count(patrol) == 20
    hours = [tick_hour(patrol, t) for t in range(tick_count(patrol))]
    assert hours.count(2) == 4  # the hour from 02:00 is lived twice
    assert hours[-1] == 5
    assert advance_patrol(patrol, patrol.ends_at).status == "completed"


def test_a_fixed_offset_has_no_summer_time() -> None:
    east = clock.fixed_zone(60)
    assert clock.zone_name(east) == "UTC+01:00" and clock.parse_fixed("UTC+01:00") == east
    assert clock.zone_name(clock.fixed_zone(-330)) == "UTC-05:30"
    assert clock.zone_name(UTC) == "UTC" and clock.parse_fixed("UTC") is UTC
    assert clock.parse_fixed("Europe/Berlin") is None and clock.parse_fixed("UTC+15:00") is None
    assert clock.local_hour(datetime(2026, 7, 15, 20, 30, tzinfo=UTC), east) == 21


def test_daily_quests_reset_at_local_midnight() -> None:
    daily = next(q for q in quests().values() if q.type == "daily")
    before = datetime(2026, 7, 15, 21, 59, tzinfo=UTC)  # 23:59 in Berlin
    after = before + timedelta(minutes=2)  # 00:01 in Berlin, still the 15th in UTC
    assert period_key(daily, before, BERLIN) == "2026-07-15"
    assert period_key(daily, after, BERLIN) == "2026-07-16"
    assert period_key(daily, after, UTC) == "2026-07-15"
    assert resets_at(daily, before, BERLIN) == datetime(2026, 7, 15, 22, 0, tzinfo=UTC)
    assert resets_at(daily, before, NEW_YORK) == datetime(2026, 7, 16, 4, 0, tzinfo=UTC)
