"""Playing a game: one outcome model for every game (SPEC §4), pure and replayable from its seed.

performance = min(1, skill × personality multiplier × condition), where skill mixes the game's
stat weights with the cat's level and condition is the cat's fitness (purrr_core.pacing). One
uniform draw u gives the score 1000·(skill_share·performance + (1 − skill_share)·(u + bonus)), bonus
being a special cat's win-probability bonus at this game; the play is a win when the score reaches
1000·win_threshold. So P(win) = clamp((1 − win_threshold − skill_share·(1 − performance)) /
(1 − skill_share) + bonus) is linear in performance, and expected values are exact (docs/games.md).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from purrr_core import catalog, clock, pacing
from purrr_core.care import landed
from purrr_core.economy import Rates, check_currency, quantize, usd_to_crypto
from purrr_core.errors import Conflict
from purrr_core.games._catalog import LEVEL_SHARE, Game, game, min_energy
from purrr_core.levels import MAX_LEVEL, gain_xp
from purrr_core.models import Cat
from purrr_core.timeflow import advance

#: A win trains the game's stat by one point with this chance.
TRAIN_CHANCE = 0.25
#: The house's edge in crypto mode is never below this, special cats included.
MIN_HOUSE_EDGE: float = float(catalog.load("games")["min_house_edge"])
#: XP multiplier of a staked crypto play over practice (games.json `stake_xp`).
STAKE_XP: float = float(catalog.load("games")["stake_xp"])


class GameOutcome(BaseModel):
    """Everything one play changed and produced; `cat` is the cat after the play."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    game_id: str
    mode: Literal["crypto", "coins", "practice"]
    result: Literal["win", "loss"]
    score: int
    performance: float
    win_chance: float
    currency: str | None
    entry_fee: Decimal
    payout: Decimal
    #: The payout's value in USD (the entry fee in USD times the multiplier; 0 on a loss).
    payout_usd: Decimal
    net: Decimal
    coins: int
    counters: dict[str, int]
    found_item: str | None
    xp_gained: int
    energy_spent: int
    happiness_gained: int
    game_data: dict[str, Any]
    effects: dict[str, Any]
    interaction: dict[str, Any]
    cat: Cat


def skill(cat: Cat, g: Game) -> float:
    """Skill in [0, 1]: the game's stat weights over the cat's stats, plus a little for level."""
    stats = sum(weight * int(getattr(cat, stat)) / 100 for stat, weight in g.skills.items())
    return (1 - LEVEL_SHARE) * stats + LEVEL_SHARE * (cat.level - 1) / (MAX_LEVEL - 1)


def special_bonus(cat: Cat, g: Game) -> float:
    """The special cat's win-probability bonus at this game id (Bandit +0.10 at mouse_hunt …),
    else 0."""
    if cat.special_id is None:
        return 0.0
    spec = catalog.special_cats().get(cat.special_id)
    return float(spec.game_bonuses.get(g.id, 0.0)) if spec else 0.0


def performance(cat: Cat, g: Game) -> float:
    """How well this cat plays this game, in [0, 1]: skill × personality × the cat's condition
    (a hungry, sick, dirty or unhappy cat plays worse; purrr_core.pacing)."""
    mult = g.personality.get(cat.personality_type, 1.0)
    return min(1.0, skill(cat, g) * mult * pacing.condition(cat))


def win_chance(g: Game, perf: float, bonus: float = 0.0) -> float:
    """P(score >= threshold) for a given performance and special bonus: exact, linear in both."""
    raw = (1 - g.win_threshold - g.skill_share * (1 - perf)) / (1 - g.skill_share) + bonus
    return max(0.0, min(1.0, raw))


def crypto_bonus(g: Game, perf: float, bonus: float) -> float:
    """The part of a special cat's bonus that applies with money at stake: the house keeps
    `min_house_edge` (games.json) against every cat, special or not."""
    cap = (1 - MIN_HOUSE_EDGE) / float(g.win_multiplier or 1)
    return max(0.0, min(bonus, cap - win_chance(g, perf)))


def mean_score_share(g: Game, perf: float, bonus: float = 0.0) -> float:
    """E[score] / 1000 for a given performance and special bonus."""
    return min(1.0, g.skill_share * perf + (1 - g.skill_share) * (0.5 + bonus))


def expected_value(g: Game, perf: float, bonus: float = 0.0) -> dict[str, float]:
    """Expected return of one play: crypto games per unit of entry fee, coin games in coins."""
    if g.kind == "crypto":
        p = win_chance(g, perf, crypto_bonus(g, perf, bonus))
        ev = p * float(g.win_multiplier or 0) - 1
        return {"win_chance": p, "ev_per_fee": ev, "house_edge": -ev}
    low, high = g.coins or (0, 0)
    return {
        "win_chance": win_chance(g, perf, bonus),
        "expected_coins": low + (high - low) * mean_score_share(g, perf, bonus),
    }


def _check_ready(cat: Cat, g: Game) -> int:
    cost = round(g.energy * catalog.personality(cat.personality_type).energy_use)
    needed = max(min_energy(g), cost)
    if cat.energy < needed:
        raise Conflict(
            f"{cat.name} is too tired to play {g.id} (energy {cat.energy}, needs {needed}); "
            "let it rest first",
            details={"cat_id": cat.id, "energy": cat.energy, "needed": needed},
        )
    return cost


def play_game(
    cat: Cat,
    game_id: str,
    now: datetime,
    rng: random.Random,
    *,
    currency: str | None = None,
    rates: Rates,
    tz: tzinfo = UTC,
) -> GameOutcome:
    """Play `game_id` with `cat`. Crypto games with a currency charge the fee; without one they are
    practice (no fee, no payout). Balances are not touched here: the caller applies `entry_fee`
    and `payout` to the ledger (which refuses a fee the wallet cannot pay)."""
    g = game(game_id)
    mode: Literal["crypto", "coins", "practice"] = g.kind if g.kind == "coins" else "practice"
    fee = Decimal(0)
    if g.kind == "crypto" and currency is not None:
        check_currency(currency)
        mode = "crypto"
        fee = usd_to_crypto(g.entry_fee_usd or Decimal(0), currency, rates)
    elif g.kind == "coins" and currency is not None:
        check_currency(currency)  # an unknown code is still an error, even if unused
        currency = None
    cat = advance(cat, now)
    cost = _check_ready(cat, g)
    # Repeats faster than they wear off pay less: coins, XP and joy (not a crypto payout).
    fresh = pacing.freshness(cat, "games", now)
    perf = performance(cat, g)
    bonus = special_bonus(cat, g)
    if mode == "crypto":
        bonus = crypto_bonus(g, perf, bonus)
    chance = win_chance(g, perf, bonus)
    # a special cat's bonus lifts the score so that its win chance rises by exactly `bonus`
    draw = rng.random() + bonus
    score = min(999, int(1000 * (g.skill_share * perf + (1 - g.skill_share) * draw)))
    won = score >= round(1000 * g.win_threshold)
    payout = quantize(fee * (g.win_multiplier or 0)) if (won and mode == "crypto") else Decimal(0)
    coins = 0
    if g.kind == "coins" and g.coins is not None:
        low, high = g.coins
        coins = round((low + (high - low) * score / 1000) * fresh)
    trained = won and rng.random() < TRAIN_CHANCE * fresh * pacing.stat_gain(
        getattr(cat, g.train_stat), 1.0
    )
    found = None
    if g.finds is not None and score >= g.finds.min_score:
        found = rng.choice(g.finds.items)

    pers = catalog.personality(cat.personality_type)
    happiness = g.happiness_win * pers.happiness_multiplier(g.activity) if won else g.happiness_loss
    changes: dict[str, Any] = {
        "energy": cat.energy - cost,
        "happiness": cat.happiness + landed(cat, "happiness", min(happiness, happiness * fresh)),
        "hunger": cat.hunger - g.satiation,
        "last_played_at": now,
        "last_care_at": now,
        "updated_at": now,
        "is_resting": False,
        "version": cat.version + 1,
        "fatigue": pacing.tire(cat, "games", now),
    }
    if trained:
        changes[g.train_stat] = getattr(cat, g.train_stat) + 1
    after = cat.evolve(**changes)
    stake = STAKE_XP if mode == "crypto" else 1.0
    after, xp_effects = gain_xp(after, (g.xp if won else g.xp / 2) * fresh * stake, g.activity)

    counters = {rule.counter: rule.amount(score, won) for rule in g.counters}
    counters = {name: n for name, n in counters.items() if n}
    result: Literal["win", "loss"] = "win" if won else "loss"
    return GameOutcome(
        game_id=g.id,
        mode=mode,
        result=result,
        score=score,
        performance=round(perf, 4),
        win_chance=round(chance, 4),
        currency=currency if mode == "crypto" else None,
        entry_fee=fee,
        payout=payout,
        payout_usd=(g.entry_fee_usd or Decimal(0)) * (g.win_multiplier or 0)
        if payout
        else Decimal(0),
        net=payout - fee,
        coins=coins,
        counters=counters,
        found_item=found,
        xp_gained=after.experience - cat.experience,
        energy_spent=cat.energy - after.energy,
        happiness_gained=after.happiness - cat.happiness,
        game_data={
            "score": score,
            "difficulty": g.difficulty,
            "time": round(30 + 90 * (1 - score / 1000), 1),
            "freshness": round(fresh, 3),
            **({"stat_trained": g.train_stat} if trained else {}),
        },
        effects=xp_effects,
        interaction={
            "type": "game",
            "activity": g.id,
            "kind": g.activity,
            "hour": clock.local_hour(now, tz),
            "happiness_delta": after.happiness - cat.happiness,
            "mood_before": cat.mood,
        },
        cat=after,
    )
