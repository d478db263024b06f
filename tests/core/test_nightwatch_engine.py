"""Night Watch engine: the window, every refusal, determinism, lazy catch-up, recall, zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purrr_core import Conflict, InvalidRequest
from purrr_core.clock import fixed_zone
from purrr_core.nightwatch import (
    NightWatchConfig,
    PatrolCat,
    advance_patrol,
    create_zone,
    home_base,
    in_window,
    plan_night,
    recall,
    respond_alert,
    rules,
    start_patrol,
    tick_count,
)
from tests.core.conftest import make_cat

NIGHT = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def team(level: int = 5, energy: int = 100) -> list[PatrolCat]:
    kinds = ("playful", "curious", "social_butterfly", "lazy")
    return [
        PatrolCat(id=i, name=f"Cat{i}", personality_type=p, level=level, energy=energy)
        for i, p in enumerate(kinds, 1)
    ]


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# --- the window ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "allowed"),
    [
        (at(20, 59), False),
        (at(21, 0), True),
        (at(5, 59, 24), True),
        (at(6, 0, 24), False),
        (at(12, 0), False),
        (at(0, 0, 24), True),
    ],
)
def test_window_edges(when: datetime, allowed: bool) -> None:
    assert in_window(when) is allowed
    if allowed:
        assert start_patrol(team(), now=when, seed=1).active
    else:
        with pytest.raises(Conflict) as err:
            start_patrol(team(), now=when, seed=1)
        assert "Night patrols can only be deployed between 21:00 and 06:00" in err.value.message
        assert err.value.details["window"] == {"start": "21:00", "end": "06:00"}


def test_window_is_configurable_and_read_in_local_time() -> None:
    config = NightWatchConfig(start_hour=22, end_hour=5)
    assert not in_window(at(21, 30), config)
    with pytest.raises(Conflict, match="between 22:00 and 05:00"):
        start_patrol(team(), now=at(21, 30), seed=1, config=config)
    # UTC 20:30 is 21:30 one hour east of UTC: inside the default window there
    east = NightWatchConfig(tz=fixed_zone(60))
    assert in_window(at(20, 30), east)
    patrol = start_patrol(team(), now=at(20, 30), seed=1, config=east)
    assert patrol.ends_at == at(5, 0, 24)  # 06:00 local


def test_patrol_runs_to_the_end_of_the_window_in_fixed_ticks() -> None:
    patrol = start_patrol(team(), now=at(21, 0), seed=1)
    assert patrol.ends_at == at(6, 0, 24)
    assert tick_count(patrol) == 18
    late = start_patrol(team(), now=at(5, 59, 24), seed=1)
    assert tick_count(late) == 1
    assert advance_patrol(late, at(6, 0, 24)).status == "completed"


# --- refusals --------------------------------------------------------------------------------


def test_refuses_no_cats_duplicates_and_too_many() -> None:
    with pytest.raises(InvalidRequest, match="at least one cat"):
        start_patrol([], now=NIGHT, seed=1)
    cats = team()
    with pytest.raises(InvalidRequest, match="repeated: 1"):
        start_patrol([cats[0], cats[1], cats[0]], now=NIGHT, seed=1)
    eleven = [
        PatrolCat(id=i, name=f"C{i}", personality_type="lazy", level=3, energy=90)
        for i in range(1, 12)
    ]
    with pytest.raises(InvalidRequest, match="at most 10 cats"):
        start_patrol(eleven, now=NIGHT, seed=1)
    assert start_patrol(eleven[:10], now=NIGHT, seed=1).active
    with pytest.raises(InvalidRequest, match="at most 3 cats"):
        start_patrol(cats, now=NIGHT, seed=1, config=NightWatchConfig(max_cats=3))


def test_one_active_patrol_per_player_naming_it_and_its_cats() -> None:
    cats = team()
    under_way = start_patrol(cats[:2], now=NIGHT, seed=1).model_copy(update={"id": 3})
    for wanted in ([cats[2]], [cats[1]], cats):  # other cats, a cat already out, everyone
        with pytest.raises(Conflict) as err:
            start_patrol(wanted, now=NIGHT, seed=2, active_patrol=under_way)
        assert err.value.message == (
            "patrol #3 is already under way with Cat1, Cat2 (until 06:00); recall it with "
            "`purrr nightwatch recall` or wait for it to end"
        )
        assert err.value.details["patrol_id"] == 3 and err.value.details["cat_ids"] == [1, 2]
    # the window is checked first; an ended (recalled or completed) patrol does not block
    with pytest.raises(Conflict, match="only be deployed between"):
        start_patrol([cats[2]], now=at(20, 0), seed=2, active_patrol=under_way)
    ended = recall(under_way, NIGHT + timedelta(minutes=40))
    assert start_patrol(
        cats[2:], now=NIGHT + timedelta(minutes=45), seed=2, active_patrol=ended
    ).active
    done = advance_patrol(under_way, at(6, 0, 24))
    assert start_patrol(cats, now=at(21, 0, 24), seed=2, active_patrol=done).active


def test_the_until_time_is_on_the_server_local_clock() -> None:
    east = NightWatchConfig(tz=fixed_zone(60))
    under_way = start_patrol(team()[:1], now=at(21, 0), seed=1, config=east)
    with pytest.raises(Conflict, match=r"patrol #0 is already under way with Cat1 \(until 06:00\)"):
        start_patrol(team()[1:], now=at(21, 30), seed=2, config=east, active_patrol=under_way)


def test_refuses_tired_cats() -> None:
    cats = team()
    cats[2] = cats[2].model_copy(update={"energy": 12})
    with pytest.raises(Conflict, match=r"too tired.*Cat3 \(#3, energy 12\)"):
        start_patrol(cats, now=NIGHT, seed=1)


def test_refuses_bad_roles_and_areas() -> None:
    with pytest.raises(InvalidRequest, match="unknown role 'ninja'; choose one of scout, guardian"):
        start_patrol(team(), now=NIGHT, seed=1, roles={1: "ninja"})
    with pytest.raises(InvalidRequest, match="not in this patrol: 7"):
        start_patrol(team(), now=NIGHT, seed=1, roles={7: "healer"})
    with pytest.raises(InvalidRequest, match="unknown area 'moon'"):
        start_patrol(team(), now=NIGHT, seed=1, area="moon")
    bandit = PatrolCat(
        id=9,
        name="BanditCat",
        personality_type="playful",
        level=15,
        energy=100,
        special_id="bandit",
    )
    with pytest.raises(InvalidRequest, match="BanditCat is always a guardian"):
        start_patrol([bandit], now=NIGHT, seed=1, roles={9: "scout"})


def test_refuses_naive_times() -> None:
    with pytest.raises(InvalidRequest, match="timezone-aware"):
        start_patrol(team(), now=datetime(2026, 11, 23, 22, 0), seed=1)


# --- roles -----------------------------------------------------------------------------------


def test_roles_default_from_personality_and_can_be_chosen() -> None:
    patrol = start_patrol(team(), now=NIGHT, seed=1, roles={4: "healer"})
    assert patrol.roles == {1: "guardian", 2: "scout", 3: "healer", 4: "healer"}
    for personality, role in rules().personality_roles.items():
        cat = PatrolCat(id=1, name="X", personality_type=personality, level=5, energy=100)
        assert start_patrol([cat], now=NIGHT, seed=1).roles[1] == role


def test_fit_bonus_applies_when_personality_suits_the_role() -> None:
    cat = PatrolCat(id=1, name="X", personality_type="territorial", level=5, energy=100)
    fit = start_patrol([cat], now=NIGHT, seed=1).results[1].effectiveness
    misfit = start_patrol([cat], now=NIGHT, seed=1, roles={1: "healer"}).results[1].effectiveness
    assert fit / misfit == pytest.approx(rules().fit_bonus, rel=0.01)


def test_special_abilities() -> None:
    bandit = PatrolCat(
        id=1, name="BanditCat", personality_type="playful", level=5, energy=100, special_id="bandit"
    )
    plain = bandit.model_copy(update={"special_id": None})
    b = start_patrol([bandit], now=NIGHT, seed=1)
    assert b.roles[1] == "guardian"
    assert b.results[1].effectiveness == pytest.approx(
        2 * start_patrol([plain], now=NIGHT, seed=1).results[1].effectiveness, rel=0.01
    )
    from purrr_core.nightwatch import team_strength

    cats = team()
    base = start_patrol(cats, now=NIGHT, seed=1)
    luna = start_patrol(
        [
            *cats,
            PatrolCat(
                id=9,
                name="LunaCat",
                personality_type="curious",
                level=1,
                energy=30,
                special_id="luna",
            ),
        ],
        now=NIGHT,
        seed=1,
        roles={9: "alarm"},
    )
    rycat = start_patrol(
        [
            *cats,
            PatrolCat(
                id=9,
                name="RyCat",
                personality_type="curious",
                level=1,
                energy=30,
                special_id="rycat",
            ),
        ],
        now=NIGHT,
        seed=1,
        roles={9: "healer"},
    )
    assert team_strength(luna, 23).detection > team_strength(base, 23).detection
    assert team_strength(rycat, 23).coordination > team_strength(base, 23).coordination


def test_patrol_cat_from_a_cat() -> None:
    cat = make_cat(id=5, level=7, energy=80, strength=70, special_id="luna")
    snap = PatrolCat.from_cat(cat, "healer")
    assert (snap.id, snap.level, snap.energy, snap.strength, snap.role) == (5, 7, 80, 70, "healer")
    assert snap.special_id == "luna"


# --- the night -------------------------------------------------------------------------------


def test_plan_night_is_seeded_and_follows_the_tables() -> None:
    assert plan_night(date(2026, 4, 2), 5) == plan_night(date(2026, 4, 2), 5)
    spring = plan_night(date(2026, 4, 2), 5)
    assert spring.mating_season and spring.season == "spring" and spring.season_multiplier == 1.3
    nights = [plan_night(date(2026, 1, 1) + timedelta(days=d), 3) for d in range(365)]
    assert {n.weather for n in nights} == set(rules().weather)
    for n in nights:
        expected = 0.1 * (0.7 if n.weather in ("rain", "snow") else 1.0) * n.season_multiplier
        assert n.bobcat_activity == pytest.approx(expected)
        assert n.mating_season == (n.date.month in (3, 4, 5, 6))
    assert not any(n.weather == "snow" for n in nights if n.season == "summer")


# --- determinism and catch-up ----------------------------------------------------------------


def whole_night(seed: int) -> object:
    patrol = start_patrol(team(), now=at(21, 0), seed=seed, zones=[home_base()])
    return advance_patrol(patrol, at(6, 0, 24))


def test_same_seed_same_night_and_different_seeds_differ() -> None:
    assert whole_night(11) == whole_night(11)
    assert len({whole_night(s).model_dump_json() for s in range(8)}) == 8  # type: ignore[attr-defined]


def test_advance_before_a_tick_ends_changes_nothing() -> None:
    patrol = start_patrol(team(), now=at(21, 0), seed=3)
    assert advance_patrol(patrol, at(21, 29)) is patrol
    assert advance_patrol(patrol, at(21, 30)).ticks_done == 1
    assert advance_patrol(patrol, at(20, 0)) is patrol


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    start=st.integers(0, 8 * 60 + 59),
    reads=st.lists(st.integers(0, 11 * 60), max_size=12),
)
def test_catching_up_at_once_equals_reading_every_so_often(
    seed: int, start: int, reads: list[int]
) -> None:
    deploy = at(21, 0) + timedelta(minutes=start)
    patrol = start_patrol(team(), now=deploy, seed=seed, zones=[home_base()])
    stepped = patrol
    for minutes in sorted(reads):
        stepped = advance_patrol(stepped, deploy + timedelta(minutes=minutes))
    end = at(7, 0, 24)
    assert advance_patrol(stepped, end) == advance_patrol(patrol, end)
    if reads:
        last = deploy + timedelta(minutes=max(reads))
        assert stepped == advance_patrol(patrol, last)


def test_tick_by_tick_equals_one_call() -> None:
    patrol = start_patrol(team(), now=at(21, 10), seed=99)
    stepped = patrol
    now = patrol.started_at
    while stepped.active:
        now += timedelta(minutes=30)
        stepped = advance_patrol(stepped, now)
    assert stepped == advance_patrol(patrol, at(23, 0, 24))
    assert stepped.ended_at == at(6, 0, 24)


# --- results ---------------------------------------------------------------------------------


def test_results_are_consistent() -> None:
    for seed in range(30):
        patrol = whole_night(seed)
        assert patrol.status == "completed"  # type: ignore[attr-defined]
        for e in patrol.encounters:  # type: ignore[attr-defined]
            assert e.threat_level == rules().threat.label(e.activity)
            assert 0 <= e.deter_chance <= 1
            assert e.cats_protected + e.injuries == 4
            if e.deterred:
                assert e.injuries == 0
            alert = next(a for a in patrol.alerts if a.id == e.alert_id)  # type: ignore[attr-defined]
            assert (alert.type == "emergency") == (e.threat_level == "critical")
        for s in patrol.strays:  # type: ignore[attr-defined]
            assert 1 <= s.condition <= 100
            assert s.rescued <= s.needs_rescue
        assert patrol.shelter_used <= 10  # type: ignore[attr-defined]
        kinds = [e.kind for e in patrol.events]  # type: ignore[attr-defined]
        assert kinds[0] == "deployed" and kinds[-1] == "completed"


def test_critical_threats_happen_and_raise_emergencies() -> None:
    emergencies = 0
    for seed in range(80):
        patrol = whole_night(seed)
        crit = [e for e in patrol.encounters if e.threat_level == "critical"]  # type: ignore[attr-defined]
        emergencies += sum(a.type == "emergency" for a in patrol.alerts)  # type: ignore[attr-defined]
        assert len(crit) == sum(a.type == "emergency" for a in patrol.alerts)  # type: ignore[attr-defined]
    assert emergencies > 0


def test_xp_flows_to_every_cat_and_completion_bonus() -> None:
    patrol = whole_night(4)
    assert all(r.xp > 0 and r.role_xp > 0 for r in patrol.results.values())  # type: ignore[attr-defined]
    half = advance_patrol(
        start_patrol(team(), now=at(21, 0), seed=4, zones=[home_base()]), at(1, 0, 24)
    )
    assert all(half.results[i].xp < patrol.results[i].xp for i in half.results)  # type: ignore[attr-defined]


def test_recall() -> None:
    patrol = start_patrol(team(), now=at(21, 0), seed=4)
    called = recall(patrol, at(23, 45))
    assert called.status == "recalled" and called.ended_at == at(23, 45)
    assert called.ticks_done == 5  # 21:00–23:30; the tick under way is dropped
    assert called.events[-1].kind == "recalled"
    assert advance_patrol(called, at(6, 0, 24)) is called
    with pytest.raises(Conflict, match="already ended"):
        recall(called, at(23, 50))
    with pytest.raises(Conflict, match="already ended"):
        recall(patrol, at(6, 30, 24))


def test_alert_responses() -> None:
    patrol = next(p for p in (whole_night(s) for s in range(40)) if p.alerts)  # type: ignore[attr-defined]
    alert = patrol.alerts[0]  # type: ignore[attr-defined]
    answered = respond_alert(alert, alert.raised_at + timedelta(minutes=3))
    assert answered.responded_at is not None and not answered.is_open(alert.raised_at)
    with pytest.raises(Conflict, match="already answered"):
        respond_alert(answered, alert.raised_at + timedelta(minutes=4))
    with pytest.raises(Conflict, match="expired"):
        respond_alert(alert, alert.expires_at)


# --- zones -----------------------------------------------------------------------------------


def test_create_zone_validates_and_charges() -> None:
    zone = create_zone("cat_condo", "Porch", "Front yard", coins=1000)
    assert (zone.radius, zone.cost) == (50, 500)
    assert create_zone("community_alert", "Street", "Elm St", 200, coins=150).radius == 200
    with pytest.raises(InvalidRequest, match="unknown zone type 'moat'; choose one of cat_condo"):
        create_zone("moat", "x", "y", coins=1000)
    for radius in (24, 201):
        with pytest.raises(InvalidRequest, match="radius must be 25–200"):
            create_zone("safe_haven", "x", "y", radius, coins=1000)
    with pytest.raises(
        Conflict, match="not enough coins: a cat_condo zone costs 500 coins and you have 499"
    ):
        create_zone("cat_condo", "x", "y", coins=499)
    with pytest.raises(InvalidRequest, match="zone name"):
        create_zone("safe_haven", "  ", "y", coins=1000)
    assert home_base().model_dump(exclude={"id"}) == {
        "type": "safe_haven",
        "name": "Home Base",
        "location": "user_home",
        "radius": 100,
        "cost": 0,
    }


def test_larger_zones_act_more_strongly() -> None:
    small = create_zone("motion_sensor", "s", "l", 25, coins=200)
    large = create_zone("motion_sensor", "s", "l", 200, coins=200)
    assert small.effect("detection_range") < large.effect("detection_range")
