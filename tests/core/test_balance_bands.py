"""The bands of docs/balance.md (issue 16), measured by `benchmarks/balance.py`: coins and XP a day
for each kind of player and every personality over two weeks (one week for the spammer, whose days
are all alike), spamming at one instant earning less than three short visits, and the Night Watch
deter rate of a team that grows with its player."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.benchmarks import load_benchmark

#: (coins a day, XP a day) target bands of docs/balance.md.
BANDS = {
    "idle": ((0, 10), (5, 20)),
    "casual": ((40, 80), (90, 150)),
    "devoted": ((80, 140), (300, 500)),
}


@pytest.fixture(scope="module")
def balance() -> ModuleType:
    return load_benchmark("balance.py", "balance_bands")


@pytest.fixture(scope="module")
def players(balance: ModuleType) -> dict[tuple[str, str], dict[str, Any]]:
    module = balance
    days = {"idle": 14, "casual": 14, "devoted": 14, "spammer": 7}
    return {
        (kind, p): module.run_player(kind, p, n)
        for kind, n in days.items()
        for p in module.PERSONALITIES
    }


@pytest.mark.parametrize("kind", list(BANDS))
def test_each_player_earns_inside_its_band(
    players: dict[tuple[str, str], dict[str, Any]], kind: str
) -> None:
    (coins_low, coins_high), (xp_low, xp_high) = BANDS[kind]
    for (who, personality), row in players.items():
        if who == kind:
            assert coins_low <= row["coins_per_day"] <= coins_high, (personality, row)
            assert xp_low <= row["xp_per_day"] <= xp_high, (personality, row)


def test_spamming_at_one_instant_earns_less_than_three_short_visits(
    players: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for (kind, personality), spam in players.items():
        if kind != "spammer":
            continue
        casual = players[("casual", personality)]
        assert spam["actions_per_day"] > 15 * casual["actions_per_day"]
        assert spam["coins_per_day"] < casual["coins_per_day"], personality
        assert spam["xp_per_day"] < casual["xp_per_day"], personality


def test_a_growing_team_deters_55_to_90_percent_at_every_stage(balance: ModuleType) -> None:
    """The threat grows with the player's reputation, so late Night Watch still offers decisions
    (it used to deter 97–99 % of bobcats from level 15 on)."""
    for row in balance.nightwatch_by_stage(nights=60):
        assert 0.55 <= row["deter_rate"] <= 0.90, row
