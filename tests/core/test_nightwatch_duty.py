"""Patrol duty: zero-tick patrols count for nothing; a cat on patrol stays there until home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from purrr_core import Conflict
from purrr_core.nightwatch import (
    PatrolCat,
    advance_patrol,
    check_home,
    counts,
    new_record,
    patrol_reward,
    patrolling,
    recall,
    record_patrol,
    start_patrol,
)
from tests.core.conftest import make_cat

T0 = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def team() -> list[PatrolCat]:
    kinds = ("playful", "curious", "social_butterfly", "lazy")
    return [
        PatrolCat(id=i, name=f"C{i}", personality_type=p, level=5, energy=100)
        for i, p in enumerate(kinds, 1)
    ]


def test_a_patrol_recalled_before_its_first_tick_counts_for_nothing() -> None:
    record = new_record()
    for minute in range(11):  # eleven deploy-and-recall cycles in one minute
        at = T0 + timedelta(seconds=5 * minute)
        patrol = recall(
            start_patrol(team(), now=at, seed=minute).model_copy(update={"id": minute}), at
        )
        assert not counts(patrol) and patrol.summary()["counted"] is False
        assert patrol_reward(patrol) == 0
        record, earned = record_patrol(record, patrol, at)
        assert earned == []
    assert record == new_record()


def test_a_patrol_with_a_completed_tick_counts() -> None:
    started = start_patrol(team(), now=T0, seed=3)
    later = T0 + timedelta(minutes=45)
    patrol = recall(advance_patrol(started, later), later)
    assert counts(patrol) and patrol.summary()["counted"] is True
    record, _ = record_patrol(new_record(), patrol, later)
    assert record.patrols == 1


def test_a_cat_on_patrol_is_refused_until_recalled() -> None:
    patrol = start_patrol(team(), now=T0, seed=5).model_copy(update={"id": 9})
    cat = make_cat(id=2, name="Scout")
    assert set(patrolling([patrol], T0 + timedelta(hours=1))) == {1, 2, 3, 4}
    with pytest.raises(Conflict, match="patrol #9") as err:
        check_home(cat, [patrol], T0 + timedelta(hours=1))
    assert err.value.details["reason"] == "on_patrol" and "recall" in err.value.message
    check_home(make_cat(id=7), [patrol], T0)  # a cat not on the patrol is free
    home = recall(patrol, T0 + timedelta(hours=1))
    check_home(cat, [home], T0 + timedelta(hours=1))  # recalled: free again
    check_home(cat, [patrol], patrol.ends_at)  # the night is over: free again
