"""Invariants under any sequence of care actions and elapsed time (hypothesis)."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from purrr_core import RuleError, catalog, perform
from purrr_core.models import STAT_RANGES
from tests.core.conftest import NOW, make_cat

action = st.one_of(
    st.tuples(
        st.just("feed"),
        st.fixed_dictionaries(
            {
                "food_item": st.sampled_from(list(catalog.foods())),
                "quantity": st.integers(1, 10),
                "portion": st.sampled_from(["small", "normal", "large"]),
            }
        ),
    ),
    st.tuples(
        st.just("play"),
        st.fixed_dictionaries(
            {"game": st.sampled_from(list(catalog.play_kinds())), "duration": st.integers(1, 120)}
        ),
    ),
    st.tuples(
        st.just("groom"),
        st.fixed_dictionaries({"kind": st.sampled_from(list(catalog.grooming_kinds()))}),
    ),
    st.tuples(st.just("pet"), st.just({})),
    st.tuples(st.just("rest"), st.just({})),
    st.tuples(
        st.just("train"),
        st.fixed_dictionaries({"command": st.sampled_from(list(catalog.training_commands()))}),
    ),
    st.tuples(
        st.just("treat"),
        st.fixed_dictionaries({"kind": st.sampled_from(["catnip", "honeysuckle"])}),
    ),
)
steps = st.lists(st.tuples(st.integers(0, 72 * 60), action), max_size=25)
personality = st.sampled_from(list(catalog.personalities()))


def _run(personality_type: str, plan: list, seed: int):
    cat = make_cat(personality_type=personality_type)
    rng = random.Random(seed)
    now = NOW
    history = []
    for minutes, (name, args) in plan:
        now += timedelta(minutes=minutes)
        try:
            cat, effects = perform(cat, name, args, now, rng)
            history.append(effects)
        except RuleError as err:
            history.append(err.code)
        yield cat
    return history


@given(personality, steps, st.integers(0, 2**32))
@settings(max_examples=120, deadline=None)
def test_stats_stay_in_range(personality_type, plan, seed):
    for cat in _run(personality_type, plan, seed):
        for stat, (low, high) in STAT_RANGES.items():
            assert low <= getattr(cat, stat) <= high, stat
        assert cat.experience >= 0


@given(personality, steps, st.integers(0, 2**32))
@settings(max_examples=60, deadline=None)
def test_same_inputs_and_seed_give_same_outputs(personality_type, plan, seed):
    assert list(_run(personality_type, plan, seed)) == list(_run(personality_type, plan, seed))
