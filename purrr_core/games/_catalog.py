"""The game table (`purrr_core/data/games.json`) as frozen models."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.catalog import load
from purrr_core.errors import choose_one


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CounterRule(_Frozen):
    """How a play advances a player counter (special-cat unlocks): per score step, on a win, or always."""

    counter: str
    per_score: int | None = Field(None, gt=0)
    on: Literal["win", "always"] | None = None

    def amount(self, score: int, won: bool) -> int:
        if self.per_score is not None:
            return score // self.per_score
        return 1 if self.on == "always" or (self.on == "win" and won) else 0


class Finds(_Frozen):
    """Items a play may turn up when its score reaches `min_score`."""

    min_score: int
    items: list[str]


class Game(_Frozen):
    """One mini-game: its economics, skill model, effects on the cat and counters."""

    id: str
    name: str
    description: str
    kind: Literal["crypto", "coins"]
    activity: Literal["games", "exploration"]
    difficulty: Literal["easy", "medium", "hard"]
    entry_fee_usd: Decimal | None = None
    win_multiplier: Decimal | None = None
    coins: tuple[int, int] | None = None
    skill_share: float = Field(ge=0, lt=1)
    win_threshold: float = Field(gt=0, lt=1)
    skills: dict[str, float]
    energy: int = Field(ge=0)
    xp: int = Field(ge=0)
    happiness_win: int
    happiness_loss: int
    satiation: int = Field(ge=0)
    train_stat: str
    personality: dict[str, float]
    counters: list[CounterRule]
    finds: Finds | None = None

    def view(self) -> dict[str, object]:
        """The public description of the game (`GET /api/v1/games`)."""
        out: dict[str, object] = {
            "type": self.id,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "activity": self.activity,
            "difficulty": self.difficulty,
            "energy_cost": self.energy,
            "min_energy": min_energy(self),
            "base_xp": self.xp,
            "personality_bonuses": dict(self.personality),
        }
        if self.kind == "crypto":
            out.update(
                entry_fee_usd=str(self.entry_fee_usd), max_win_multiplier=str(self.win_multiplier)
            )
        else:
            out["coin_range"] = list(self.coins or ())
        return out


@cache
def games() -> dict[str, Game]:
    """Every game by id."""
    return {row["id"]: Game.model_validate(row) for row in load("games")["games"]}


def game(game_id: str) -> Game:
    """The game `game_id`, or 'unknown game …; choose one of …'."""
    table = games()
    if game_id not in table:
        raise choose_one("game", game_id, tuple(table))
    return table[game_id]


def min_energy(g: Game) -> int:
    """Energy a cat needs to start `g`: its cost, and never less than the table's floor (5)."""
    return max(int(load("games")["min_energy"]), g.energy)


LEVEL_SHARE: float = float(load("games")["level_share"])
