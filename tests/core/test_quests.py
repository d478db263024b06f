"""Quests: progress from every event source, periods and resets, claiming once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from purrr_core import personalities
from purrr_core.errors import Conflict, InvalidRequest
from purrr_core.quests import (
    QuestEvent,
    QuestState,
    claim,
    event_types,
    quest,
    quest_views,
    quests,
    record_event,
    resets_at,
)
from purrr_core.shop import items

JUNE = datetime(2025, 6, 15, 12, tzinfo=UTC)


def _progress(state: QuestState, quest_id: str, now: datetime = JUNE) -> dict[str, str]:
    view = next(v for v in quest_views(state, now) if v["id"] == quest_id)
    return {r["id"]: r["text"] for r in view["requirements"]}  # type: ignore[union-attr, index]


def test_table_is_consistent() -> None:
    types = {q.type for q in quests().values()}
    assert types == {"daily", "seasonal", "personality", "achievement", "community"}
    for q in quests().values():
        assert all(r.event in event_types() for r in q.requirements), q.id
        assert set(q.rewards.items) <= set(items()), q.id
        if q.type == "personality":
            assert q.personality in personalities()
        if q.type == "seasonal":
            assert q.months
    assert {q.personality for q in quests().values() if q.type == "personality"} == set(
        personalities()
    )


@pytest.mark.parametrize(
    "event", sorted({r.event for q in quests().values() for r in q.requirements})
)
def test_every_source_advances_progress(event: str) -> None:
    """Any event named by a requirement (feed, game_win, rescue, purchase…) moves some quest."""
    q = next(q for q in quests().values() if any(r.event == event for r in q.requirements))
    req = next(r for r in q.requirements if r.event == event)
    month = q.months[0] if q.months else 6
    now = datetime(2025, month, 15, 12, tzinfo=UTC)
    attrs = dict(req.match)
    if q.personality:
        attrs["personality"] = q.personality
    state, _ = record_event(QuestState(), QuestEvent(type=event, attrs=attrs), now)
    assert state.quests[q.id].progress[req.id] == 1


def test_progress_text_completion_and_single_claim() -> None:
    state = QuestState()
    for i in range(5):
        state, completed = record_event(state, QuestEvent(type="feed"), JUNE)
        assert ("daily_feeder" in completed) == (i == 4)
    assert _progress(state, "daily_feeder") == {"feed_cat": "feed_cat: 5/5"}
    state, _ = record_event(state, QuestEvent(type="feed"), JUNE)  # capped at the target
    assert _progress(state, "daily_feeder") == {"feed_cat": "feed_cat: 5/5"}
    state, rewards = claim(state, "daily_feeder", JUNE)
    assert (rewards.xp, rewards.coins) == (30, 25)
    with pytest.raises(Conflict, match="already claimed"):
        claim(state, "daily_feeder", JUNE)


def test_incomplete_claim_says_what_is_missing() -> None:
    state, _ = record_event(QuestState(), QuestEvent(type="feed"), JUNE)
    with pytest.raises(Conflict, match=r"not complete yet \(feed_cat: 1/3, play_with_cat: 0/2"):
        claim(state, "daily_caretaker", JUNE)
    with pytest.raises(InvalidRequest, match="unknown quest 'nope'"):
        claim(state, "nope", JUNE)


def test_daily_quests_reset_at_local_midnight() -> None:
    tz = timezone(timedelta(hours=-5))
    evening = datetime(2025, 6, 16, 3, 30, tzinfo=UTC)  # 22:30 on the 15th in UTC-5
    state = QuestState()
    for _ in range(5):
        state, _ = record_event(state, QuestEvent(type="feed"), evening, tz)
    state, _ = claim(state, "daily_feeder", evening, tz)
    assert resets_at(quest("daily_feeder"), evening, tz) == datetime(2025, 6, 16, 5, tzinfo=UTC)
    after_midnight = datetime(2025, 6, 16, 5, 1, tzinfo=UTC)
    assert _progress(state, "daily_feeder", after_midnight) == {"feed_cat": "feed_cat: 0/5"}
    state, _ = record_event(state, QuestEvent(type="feed"), after_midnight, tz)
    assert state.quests["daily_feeder"].claimed_at is None
    # achievements never reset
    assert state.quests["first_meal"].period == "all"


def test_seasonal_quests_only_in_season() -> None:
    state, _ = record_event(QuestState(), QuestEvent(type="patrol"), JUNE)
    assert "winter_watch" not in state.quests
    december = datetime(2025, 12, 20, tzinfo=UTC)
    january = datetime(2026, 1, 5, tzinfo=UTC)
    state, _ = record_event(state, QuestEvent(type="patrol"), december)
    state, _ = record_event(state, QuestEvent(type="patrol"), january)
    assert state.quests["winter_watch"].progress["patrols"] == 2  # one winter across new year
    with pytest.raises(Conflict, match="out of season"):
        claim(state, "winter_watch", JUNE)


def test_personality_quests_count_only_that_personality() -> None:
    state, _ = record_event(
        QuestState(), QuestEvent(type="game_win", attrs={"personality": "lazy"}), JUNE
    )
    assert "playful_zoomies" not in state.quests
    state, _ = record_event(
        state,
        QuestEvent(type="game_win", attrs={"personality": "playful", "game": "mouse_hunt"}),
        JUNE,
    )
    assert state.quests["playful_zoomies"].progress["win_games"] == 1
    assert state.quests["mouse_catcher"].progress["mouse_hunt_wins"] == 1


def test_a_list_attribute_matches_when_it_contains_the_wanted_value() -> None:
    january = datetime(2026, 1, 10, 12, tzinfo=UTC)
    team = QuestEvent(type="patrol", attrs={"personality": ["lazy", "playful", "territorial"]})
    state, _ = record_event(QuestState(), team, january)
    # the personality quest counts the patrol once, the generic patrol quest counts it once too
    assert state.quests["territorial_guard"].progress["patrols"] == 1
    assert state.quests["winter_watch"].progress["patrols"] == 1
    others = QuestEvent(type="patrol", attrs={"personality": ["lazy", "playful"]})
    state, _ = record_event(state, others, january)
    assert state.quests["territorial_guard"].progress["patrols"] == 1
    assert state.quests["winter_watch"].progress["patrols"] == 2
    state, _ = record_event(state, QuestEvent(type="patrol", attrs={"personality": []}), january)
    assert state.quests["territorial_guard"].progress["patrols"] == 1
    # a plain string still matches only when equal
    state, _ = record_event(
        state, QuestEvent(type="patrol", attrs={"personality": "territorial"}), january
    )
    assert state.quests["territorial_guard"].progress["patrols"] == 2


def test_decimal_amounts_and_community_goal() -> None:
    state, _ = record_event(
        QuestState(), QuestEvent(type="crypto_won", amount=Decimal("2.5")), JUNE
    )
    assert _progress(state, "crypto_cat") == {"win_crypto_usd": "win_crypto_usd: 2.5/10"}
    state, done = record_event(state, QuestEvent(type="rescue"), JUNE)
    assert "community_rescue" in done
    with pytest.raises(Conflict, match="needs 1000 from everyone"):
        claim(state, "community_rescue", JUNE, community_totals={"community_rescue": Decimal(10)})
    _, rewards = claim(
        state, "community_rescue", JUNE, community_totals={"community_rescue": Decimal(1000)}
    )
    assert rewards.coins == 300


def test_unknown_events_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="unknown quest event 'dance'"):
        record_event(QuestState(), QuestEvent(type="dance"), JUNE)
