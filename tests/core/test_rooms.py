"""Multiplayer room rules (purrr_core.rooms): seeded, personality-driven, data from rooms.json."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from purrr_core import Conflict, InvalidRequest
from purrr_core.nightwatch import rules as nightwatch_rules
from purrr_core.rooms import (
    Entrant,
    check_fit,
    contest_score,
    play_round,
    room_type,
    room_types,
    rules,
)
from tests.core.conftest import NOW, make_cat


def entrants(*personalities: str, **stats: Any) -> list[Entrant]:
    return [
        Entrant(
            user_id=100 + i,
            player=f"player{i}",
            cat=make_cat(id=i, name=f"Cat{i}", personality_type=p, **stats),
        )
        for i, p in enumerate(personalities, 1)
    ]


def test_the_table_names_the_three_room_types_and_sane_limits() -> None:
    assert set(room_types()) == {"playground", "contest", "patrol"}
    assert room_type("patrol").max_players <= nightwatch_rules().window.max_cats
    assert all(t.min_cats <= t.max_players for t in room_types().values())
    with pytest.raises(InvalidRequest, match="playground"):
        room_type("arena")


@pytest.mark.parametrize("kind", ["contest", "playground", "patrol"])
def test_a_round_is_the_same_for_the_same_seed_whatever_the_joining_order(kind: str) -> None:
    cats = entrants("territorial", "social_butterfly", "lazy")
    first = play_round(kind, cats, NOW, random.Random(7))
    again = play_round(kind, list(reversed(cats)), NOW, random.Random(7))
    assert first == again
    assert {p.cat_id for p in first.placings} == {1, 2, 3}


def test_a_contest_ranks_by_score_and_pays_prizes_by_place() -> None:
    played = play_round(
        "contest", entrants("playful", "curious", "aloof", "lazy"), NOW, random.Random(3)
    )
    table = rules().contest
    scores = [p.score for p in played.placings]
    assert scores == sorted(scores, reverse=True)
    assert [p.place for p in played.placings] == [1, 2, 3, 4]
    assert [p.coins for p in played.placings] == [*table.prizes[:3], table.participation_coins]
    assert played.event is not None and played.event["id"] in {e.id for e in table.events}
    for placing, cat in zip(played.placings, played.cats, strict=True):
        assert placing.energy_spent > 0 and placing.xp_gained > 0
        assert cat.experience == placing.xp_gained  # a fresh cat had 0 XP
    winner = played.placings[0]
    assert winner.xp_gained >= max(p.xp_gained for p in played.placings[1:]) * 0.8


def test_two_cats_the_loser_takes_no_prize() -> None:
    played = play_round("contest", entrants("playful", "curious"), NOW, random.Random(1))
    assert [p.coins for p in played.placings] == [
        rules().contest.prizes[0],
        rules().contest.participation_coins,
    ]


def test_territorial_cats_are_better_at_contests() -> None:
    """Equal stats: the territorial cat's competitive factor wins most contests (luck aside)."""
    wins: Counter[str] = Counter()
    for seed in range(300):
        played = play_round("contest", entrants("territorial", "lazy"), NOW, random.Random(seed))
        wins[played.placings[0].personality_type] += 1
    assert wins["territorial"] > 2 * wins["lazy"]
    cat = make_cat(personality_type="territorial")
    same = cat.evolve(personality_type="lazy")
    event = rules().contest.events[0]
    assert contest_score(cat, event) > contest_score(same, event)


def test_condition_and_stats_decide_too() -> None:
    event = rules().contest.events[0]  # the sprint: agility first
    fit = make_cat(personality_type="curious", agility=90)
    slow = fit.evolve(agility=20)
    starving = fit.evolve(hunger=0, health=30)
    assert contest_score(fit, event) > contest_score(slow, event)
    assert contest_score(fit, event) > contest_score(starving, event)


def test_social_butterflies_gain_most_happiness_in_a_playground() -> None:
    played = play_round(
        "playground", entrants("social_butterfly", "aloof", "playful"), NOW, random.Random(2)
    )
    gained = {p.personality_type: p.happiness_gained for p in played.placings}
    assert gained["social_butterfly"] > gained["playful"] > gained["aloof"] > 0
    assert all(p.place is None and p.coins == rules().romp.coins for p in played.placings)
    by_id = {c.id: c for c in played.cats}
    assert by_id[1].social > 50  # a romp trains the social stat


def test_a_joint_patrol_runs_the_night_watch_rules_and_shares_its_coins() -> None:
    played = play_round(
        "patrol", entrants("territorial", "aloof", "curious"), NOW, random.Random(9)
    )
    assert played.summary["counted"] is True
    total = played.summary["coins_earned"]
    assert sum(p.coins for p in played.placings) == total
    assert max(p.coins for p in played.placings) - min(p.coins for p in played.placings) < 3
    assert sum(p.bobcats_deterred or 0 for p in played.placings) == played.summary["deterred"]
    assert all(p.energy_spent > 0 and p.xp_gained > 0 for p in played.placings)


def test_a_round_needs_enough_cats_and_fit_ones() -> None:
    with pytest.raises(Conflict, match="at least 2"):
        play_round("contest", entrants("lazy"), NOW, random.Random(1))
    tired = make_cat(energy=rules().min_energy - 1)
    with pytest.raises(Conflict, match="too tired"):
        check_fit(tired, NOW)
    check_fit(make_cat(energy=rules().min_energy), NOW)
    weary = entrants("lazy", "aloof", energy=rules().min_energy)
    with pytest.raises(Conflict, match="too tired for a night patrol"):
        play_round("patrol", weary, NOW, random.Random(1))
    with pytest.raises(InvalidRequest, match="once per round"):
        twice = entrants("lazy")
        play_round("contest", [*twice, *twice], NOW, random.Random(1))
