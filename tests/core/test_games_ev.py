"""Expected values by simulation agree with the exact formulas documented in docs/games.md."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from purrr_core.economy import default_rates
from purrr_core.games import expected_value, game, games, performance, play_game
from tests.core.conftest import NOW, make_cat

PLAYS = 4000


@pytest.mark.parametrize("game_id", sorted(games()))
def test_simulated_ev_matches_formula(game_id: str) -> None:
    g = game(game_id)
    cat = make_cat(energy=100)
    perf = performance(cat, g)
    expected = expected_value(g, perf)
    rng = random.Random(f"ev:{game_id}")
    if g.kind == "crypto":
        fee_total = Decimal(0)
        net_total = Decimal(0)
        for _ in range(PLAYS):
            out = play_game(cat, game_id, NOW, rng, currency="USDC", rates=default_rates())
            fee_total += out.entry_fee
            net_total += out.net
        simulated = float(net_total / fee_total)
        # standard error of the net per fee is m·sqrt(p(1-p)/n) ≈ 0.016–0.024 here
        assert simulated == pytest.approx(expected["ev_per_fee"], abs=0.08)
    else:
        coins = sum(
            play_game(cat, game_id, NOW, rng, rates=default_rates()).coins for _ in range(PLAYS)
        )
        assert coins / PLAYS == pytest.approx(expected["expected_coins"], abs=0.25)


def test_house_edge_for_an_average_cat_is_documented_range() -> None:
    cat = make_cat()
    for g in games().values():
        if g.kind == "crypto":
            edge = expected_value(g, performance(cat, g))["house_edge"]
            assert 0.02 < edge < 0.25, g.id
