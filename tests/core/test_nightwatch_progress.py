"""Night Watch progress: running totals, score, specializations, all ten achievements and the
coins a patrol earns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from purrr_core import Conflict
from purrr_core.levels import percent_done
from purrr_core.nightwatch import (
    Alert,
    NightWatchRecord,
    PatrolCat,
    Specialization,
    achievement_progress,
    advance_patrol,
    apply_result,
    award_achievements,
    home_base,
    new_record,
    patrol_reward,
    recall,
    record_alert_response,
    record_patrol,
    record_zone,
    role_level,
    rules,
    simulate,
    start_patrol,
)
from purrr_core.nightwatch.simulation import night_seed, run_night
from tests.core.conftest import make_cat

T0 = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def team() -> list[PatrolCat]:
    kinds = ("playful", "curious", "social_butterfly", "lazy")
    return [
        PatrolCat(id=i, name=f"C{i}", personality_type=p, level=5, energy=100)
        for i, p in enumerate(kinds, 1)
    ]


def night(seed: int) -> object:
    return advance_patrol(start_patrol(team(), now=T0, seed=seed), T0 + timedelta(hours=9))


def alert(level: str = "critical", minutes: int = 3) -> Alert:
    raised = T0
    return Alert(
        id=1,
        type="emergency" if level == "critical" else "bobcat_sighting",
        level=level,
        message="m",
        raised_at=raised,  # type: ignore[arg-type]
        expires_at=raised + timedelta(hours=2),
        responded_at=raised + timedelta(minutes=minutes),
    )


def ids(record: NightWatchRecord) -> set[str]:
    return {a.id for a in record.achievements}


def test_new_record_starts_at_protection_level_one() -> None:
    record = new_record()
    assert record.protection_level == 1 and record.score == 0 and record.zones == 1


def test_record_patrol_adds_up_and_refuses_active_patrols() -> None:
    patrol = night(5)
    record, new = record_patrol(new_record(), patrol, T0)  # type: ignore[arg-type]
    assert record.patrols == 1 and [a.id for a in new] == ["first_night_watch"]
    assert record.encounters == len(patrol.encounters)  # type: ignore[attr-defined]
    assert record.strays_saved == sum(s.saved for s in patrol.strays)  # type: ignore[attr-defined]
    assert record.reputation > 0
    assert record.score == (
        record.strays_saved * 100
        + record.encounters * 50
        + record.reputation * 10
        + record.patrols * 25
        + 500
    )
    assert set(record.specializations) == {1, 2, 3, 4}
    assert record.specializations[1].primary_role == "guardian"
    with pytest.raises(Conflict, match="still under way"):
        record_patrol(record, start_patrol(team(), now=T0, seed=1), T0)


def test_earned_achievements_are_not_awarded_twice() -> None:
    record = new_record()
    for seed in range(3):
        record, new = record_patrol(record, night(seed), T0)  # type: ignore[arg-type]
    assert sum(a.id == "first_night_watch" for a in record.achievements) == 1


@pytest.mark.parametrize(
    ("counters", "expected"),
    [
        ({"patrols": 1}, "first_night_watch"),
        ({"strays_saved": 10}, "stray_savior"),
        ({"deterred": 5}, "bobcat_buster"),
        ({"alerts_responded": 25}, "community_hero"),
        ({"patrols": 100}, "night_protector"),
        ({"zones": 10}, "zone_master"),
        ({"critical_fast_responses": 10}, "emergency_responder"),
        ({"strays_rehabilitated": 50}, "stray_rehabilitator"),
    ],
)
def test_counter_achievements(counters: dict[str, int], expected: str) -> None:
    ((name, value),) = counters.items()
    _, none = award_achievements(NightWatchRecord(**{name: value - 1}), T0)
    assert expected not in {a.id for a in none}
    at = NightWatchRecord(**{name: value})
    progress = {row["id"]: row for row in achievement_progress(at)}
    assert progress[expected]["percent"] == 100 and not progress[expected]["earned"]
    record, new = award_achievements(at, T0)
    assert expected in {a.id for a in new} and expected in ids(record)
    again, none = award_achievements(record, T0)
    assert again == record and not none


def test_zone_master_after_ten_zones() -> None:
    record = new_record()
    for _ in range(8):
        record, new = record_zone(record, T0)
        assert not new
    record, new = record_zone(record, T0)
    assert [a.id for a in new] == ["zone_master"] and record.zones == 10


def test_emergency_responder_needs_fast_critical_answers() -> None:
    record = new_record()
    for _ in range(10):
        record, _ = record_alert_response(record, alert("critical", 6), T0)
        record, _ = record_alert_response(record, alert("high", 1), T0)
    assert record.critical_fast_responses == 0 and "emergency_responder" not in ids(record)
    for _ in range(10):
        record, _ = record_alert_response(record, alert("critical", 5), T0)
    assert "emergency_responder" in ids(record)
    assert "community_hero" in ids(record)  # 30 answers


def test_guardian_master_at_guardian_level_twenty() -> None:
    need = 20 * 19**2
    assert role_level(need - 1) == 19 and role_level(need) == 20
    spec = Specialization(cat_id=1, role_xp={"guardian": need - 1, "scout": 50})
    record = NightWatchRecord(specializations={1: spec})
    record, new = record_patrol(record, night(1), T0)  # type: ignore[arg-type]
    assert "guardian_master" in {a.id for a in new}
    assert record.specializations[1].secondary_role == "scout"


def test_bobcat_expert_needs_every_threat_level_in_every_season() -> None:
    combos = tuple(
        f"{s}:{t}"
        for s in ("winter", "spring", "summer", "autumn")
        for t in ("medium", "high", "critical")
    )
    almost = NightWatchRecord(deter_combinations=combos[:-1])
    record, _ = award_achievements(almost, T0)
    assert "bobcat_expert" not in ids(record)
    record, _ = award_achievements(almost.model_copy(update={"deter_combinations": combos}), T0)
    assert "bobcat_expert" in ids(record)


def test_all_ten_achievements_exist_and_a_long_campaign_earns_most() -> None:
    assert len(rules().achievements) == 10
    summary = simulate(team(), 365, 8)
    assert {
        "First Night Watch",
        "Stray Savior",
        "Bobcat Buster",
        "Night Protector",
        "Stray Rehabilitator",
    } <= set(summary.achievements)


def test_apply_result_gives_xp_and_injuries() -> None:
    patrol = night(2)
    result = next(iter(patrol.results.values()))  # type: ignore[attr-defined]
    cat = make_cat(id=result.cat_id, personality_type="territorial")
    hurt = result.model_copy(update={"health_lost": 10})
    updated, effects = apply_result(cat, hurt)
    assert updated.experience == round(result.xp * 1.3)  # territorial patrol XP ×1.3
    assert updated.health == cat.health - 10 and effects["health_lost"] == 10


def test_records_and_patrols_survive_a_json_round_trip() -> None:
    from purrr_core.nightwatch import Patrol

    patrol = night(3)
    record, _ = record_patrol(new_record(), patrol, T0)  # type: ignore[arg-type]
    assert NightWatchRecord.model_validate_json(record.model_dump_json()) == record
    assert Patrol.model_validate_json(patrol.model_dump_json()) == patrol  # type: ignore[attr-defined]


# --- coins --------------------------------------------------------------------------------------


def test_the_coin_rewards_come_from_the_table() -> None:
    table = rules().coin_rewards
    assert (table.deterred, table.stray_saved, table.patrol_completed) == (8, 5, 10)
    assert not hasattr(rules(), "starting_coins")  # coins start in the economy's wallet only


def test_patrol_reward_pays_deterred_bobcats_saved_strays_and_a_full_night() -> None:
    table = rules().coin_rewards
    for seed in range(6):
        patrol = night(seed)
        assert patrol.status == "completed"  # type: ignore[attr-defined]
        deterred = sum(e.deterred for e in patrol.encounters)  # type: ignore[attr-defined]
        saved = sum(s.saved for s in patrol.strays)  # type: ignore[attr-defined]
        expected = deterred * table.deterred + saved * table.stray_saved + table.patrol_completed
        assert patrol_reward(patrol) == expected  # type: ignore[arg-type]
        assert patrol.summary()["coins_earned"] == expected  # type: ignore[attr-defined]


def test_a_recalled_patrol_keeps_what_it_earned_but_not_the_full_night_bonus() -> None:
    started = start_patrol(team(), now=T0, seed=11)
    assert patrol_reward(started) == 0
    so_far = advance_patrol(started, T0 + timedelta(hours=4, minutes=10))
    recalled = recall(so_far, T0 + timedelta(hours=4, minutes=10))
    assert recalled.status == "recalled"
    assert patrol_reward(recalled) == patrol_reward(so_far)  # the ended ticks, no bonus
    full = advance_patrol(started, T0 + timedelta(hours=9))
    assert patrol_reward(full) >= patrol_reward(recalled) + rules().coin_rewards.patrol_completed


def test_a_standard_team_earns_a_few_dozen_coins_a_night() -> None:
    """Documented in docs/nightwatch.md: about 45 coins a night for four level-5 cats, so the
    cheapest zone (150) takes a few nights and a cat condo (500) about a dozen."""
    summary = simulate(team(), 120, 3)
    per_night = summary.coins_earned / summary.nights
    assert 30 <= per_night <= 60
    nights = [
        run_night(team(), summary.start + timedelta(days=n), night_seed(3, n), zones=[home_base()])
        for n in range(3)
    ]
    assert simulate(team(), 3, 3).coins_earned == sum(patrol_reward(p) for p in nights)


def test_percent_rounds_down_and_caps() -> None:
    """Achievements and special-cat unlocks share it: never 100 % before the goal is reached."""
    assert [percent_done(c, 200) for c in (0, 1, 199, 200, 450)] == [0, 0, 99, 100, 100]
