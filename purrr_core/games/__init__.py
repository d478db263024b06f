"""Mini-games (SPEC §4): the game table and one outcome model for every game.

`play_game(cat, game_id, now, rng, currency=…, rates=…)` returns a `GameOutcome`; the same cat,
time and seed always give the same outcome, so stored results replay exactly.
"""

from purrr_core.games._catalog import CounterRule, Finds, Game, game, games, min_energy
from purrr_core.games._play import (
    STAKE_XP,
    TRAIN_CHANCE,
    GameOutcome,
    expected_value,
    mean_score_share,
    performance,
    play_game,
    skill,
    special_bonus,
    win_chance,
)

__all__ = [
    "STAKE_XP",
    "TRAIN_CHANCE",
    "CounterRule",
    "Finds",
    "Game",
    "GameOutcome",
    "expected_value",
    "game",
    "games",
    "mean_score_share",
    "min_energy",
    "performance",
    "play_game",
    "skill",
    "special_bonus",
    "win_chance",
]
