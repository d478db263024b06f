"""Balance report (not a test): simulated players, Night Watch by stage, special cats, personalities.

Run: python benchmarks/balance.py [DAYS] [--json]   (default 60 days)

Plays the pure rules (`purrr_core`) as four kinds of player would, for every personality:

- idle      one visit a day: feed and pet;
- casual    three visits a day: feed, pet, play, two coin games, groom when dirty, a daily treat;
- devoted   a visit every hour 07–22 (pet, play, rest, train, up to three coin games, feed, groom,
            treats) and a Night Watch patrol every night;
- spammer   one visit a day that repeats every free action 100 times at one instant.

Prints Markdown tables (pasted into docs/balance.md): coins and XP per day by player, Night Watch
deter and rescue rates by stage (a team that grows with its player's reputation), special cats at
their signature against ordinary cats of the same level and grown stats, and each personality's
best coin and crypto game, and every coin game, personality and store item with the situations
where it is the best choice (`options`). Deterministic: the same DAYS give the same tables.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from purrr_core import Cat, RuleError, adopt, catalog, perform, special_cat
from purrr_core.economy import default_rates
from purrr_core.games import expected_value, game, games, performance, play_game, special_bonus
from purrr_core.levels import level_for_xp, stat_growth
from purrr_core.models import ADVANCED_STATS
from purrr_core.nightwatch import (
    PatrolCat,
    apply_result,
    energy_cost,
    new_record,
    patrol_reward,
    record_patrol,
    simulate,
)
from purrr_core.nightwatch.simulation import night_seed, run_night
from purrr_core.pacing import condition
from purrr_core.pacing import table as pacing_table
from purrr_core.shop import items

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday in spring
RATES = default_rates()
PERSONALITIES = tuple(catalog.personalities())
COIN_GAMES = tuple(g.id for g in games().values() if g.kind == "coins")


@dataclass
class Player:
    """One simulated player with one cat: what they earned and how the cat fared."""

    cat: Cat
    rng: random.Random
    coins: int = 0
    game_coins: int = 0
    patrol_coins: int = 0
    actions: int = 0
    happiness: list[int] = field(default_factory=list)
    conditions: list[float] = field(default_factory=list)
    record: Any = field(default_factory=new_record)

    def act(self, action: str, args: dict[str, Any], now: datetime) -> bool:
        try:
            self.cat, _ = perform(self.cat, action, args, now, self.rng)
        except RuleError:
            return False
        self.actions += 1
        return True

    def game(self, game_id: str, now: datetime) -> bool:
        try:
            outcome = play_game(self.cat, game_id, now, self.rng, rates=RATES)
        except RuleError:
            return False
        self.cat = outcome.cat
        self.coins += outcome.coins
        self.game_coins += outcome.coins
        self.actions += 1
        return True

    def feed(self, now: datetime) -> None:
        portions = max(1, min(4, (95 - self.cat.hunger) // 25))
        self.act("feed", {"food_item": "premium_cat_food", "quantity": portions}, now)

    def look(self, now: datetime) -> None:
        """Note the cat as the player finds it on arriving (before any care)."""
        from purrr_core import advance

        seen = advance(self.cat, now)
        self.happiness.append(seen.happiness)
        self.conditions.append(condition(seen))

    def patrol(self, day: date, now: datetime) -> None:
        """Deploy the cat alone at 22:00 and settle the night at 06:00."""
        from purrr_core import advance

        self.cat = advance(self.cat, now)
        snapshot = PatrolCat.from_cat(self.cat)
        if self.cat.energy < max(30, energy_cost(snapshot)):
            return
        self.cat = self.cat.evolve(energy=self.cat.energy - energy_cost(snapshot))
        patrol = run_night(
            [snapshot], day, night_seed(7, day.toordinal()), reputation=self.record.reputation
        )
        self.record, _ = record_patrol(self.record, patrol, patrol.ends_at)
        reward = patrol_reward(patrol)
        self.coins += reward
        self.patrol_coins += reward
        self.cat, _ = apply_result(advance(self.cat, patrol.ends_at), patrol.results[self.cat.id])


def best_play(personality: str) -> str:
    """The play kind with the most happiness per energy for this personality."""
    pers = catalog.personality(personality)
    return max(
        catalog.play_kinds().values(),
        key=lambda k: k.happiness * pers.happiness_multiplier("play") / max(1, -k.energy),
    ).id


def best_coin_game(cat: Cat) -> str:
    return max(
        COIN_GAMES,
        key=lambda g: expected_value(game(g), performance(cat, game(g)))["expected_coins"],
    )


def idle_day(p: Player, day: datetime) -> None:
    at = day + timedelta(hours=19)
    p.look(at)
    p.feed(at)
    p.act("pet", {}, at)


def casual_day(p: Player, day: datetime) -> None:
    play = best_play(p.cat.personality_type)
    for hour in (8, 13, 19):
        at = day + timedelta(hours=hour)
        p.look(at)
        p.feed(at)
        p.act("pet", {}, at)
        p.act("play", {"game": play, "duration": 10}, at + timedelta(minutes=5))
        coin_game = best_coin_game(p.cat)
        for i in range(2):
            p.game(coin_game, at + timedelta(minutes=10 + i))
        if p.cat.cleanliness < 60:
            p.act("groom", {"kind": "brushing"}, at + timedelta(minutes=15))
        if hour == 19:
            p.act("treat", {"kind": "catnip"}, at + timedelta(minutes=20))


def devoted_day(p: Player, day: datetime) -> None:
    play = best_play(p.cat.personality_type)
    for hour in range(7, 23):
        at = day + timedelta(hours=hour)
        p.look(at)
        if p.cat.hunger < 60:
            p.feed(at)
        p.act("pet", {}, at)
        if hour % 2:
            p.act("play", {"game": play, "duration": 10}, at + timedelta(minutes=5))
        coin_game = best_coin_game(p.cat)
        for i in range(3):
            if p.cat.energy > 35:
                p.game(coin_game, at + timedelta(minutes=10 + i))
        p.act("train", {"command": "stay"}, at + timedelta(minutes=20))
        if p.cat.energy < 40:
            p.act("rest", {}, at + timedelta(minutes=25))
        if p.cat.cleanliness < 70:
            p.act("groom", {"kind": "brushing"}, at + timedelta(minutes=30))
        if hour % 6 == 0:
            p.act("treat", {"kind": "catnip"}, at + timedelta(minutes=35))
    p.patrol(day.date(), day + timedelta(hours=22, minutes=30))


def spammer_day(p: Player, day: datetime) -> None:
    at = day + timedelta(hours=12)
    p.look(at)
    p.act("feed", {"food_item": "salmon", "portion": "large", "quantity": 10}, at)
    coin_game = best_coin_game(p.cat)
    for _ in range(100):
        p.act("pet", {}, at)
        p.act("rest", {}, at)
        p.act("treat", {"kind": "catnip"}, at)
        p.act("play", {"game": "bird_watching", "duration": 5}, at)
        p.act("train", {"command": "sit"}, at)
        p.game(coin_game, at)


PLAYERS: dict[str, Callable[[Player, datetime], None]] = {
    "idle": idle_day,
    "casual": casual_day,
    "devoted": devoted_day,
    "spammer": spammer_day,
}


def run_player(kind: str, personality: str, days: int, seed: int = 1) -> dict[str, Any]:
    """`days` days of player `kind` with one new cat of `personality`; per-day figures."""
    cat = adopt("Sim", personality, now=START, rng=random.Random(seed)).evolve(id=1)
    player = Player(cat=cat, rng=random.Random(seed))
    for d in range(days):
        PLAYERS[kind](player, START + timedelta(days=d))
    end = player.cat
    return {
        "player": kind,
        "personality": personality,
        "days": days,
        "coins_per_day": round(player.coins / days, 1),
        "game_coins_per_day": round(player.game_coins / days, 1),
        "patrol_coins_per_day": round(player.patrol_coins / days, 1),
        "xp_per_day": round(end.experience / days, 1),
        "level": end.level,
        "mean_happiness": round(sum(player.happiness) / len(player.happiness), 1),
        "mean_condition": round(sum(player.conditions) / len(player.conditions), 3),
        "advanced_mean": round(sum(end.advanced_stats().values()) / 6, 1),
        "advanced_max": max(v for k, v in end.advanced_stats().items() if k != "training"),
        "actions_per_day": round(player.actions / days, 1),
        "reputation": player.record.reputation,
    }


def grown(personality: str, level: int, i: int = 1, special_id: str | None = None) -> Cat:
    """A fed, content cat of `personality` grown to `level` (stats grown level by level)."""
    if special_id is not None:
        cat = special_cat(special_id, now=START, rng=random.Random(i)).evolve(id=i)
    else:
        base = adopt(f"C{i}", personality, now=START, rng=random.Random(i)).evolve(id=i)
        growth = stat_growth(base, level)
        cat = base.evolve(level=level, **{s: getattr(base, s) + n for s, n in growth.items()})
    return cat.evolve(hunger=80, happiness=60)


TEAM = ("playful", "curious", "social_butterfly", "lazy")


def nightwatch_by_stage(nights: int = 150) -> list[dict[str, Any]]:
    """A four-cat team that grows with its player: level from ~95 patrol XP a night, reputation
    ~8 a night (measured), deter and rescue rates at each stage."""
    rows = []
    for night in (0, 10, 20, 30, 45, 60, 90, 120, 180):
        level, reputation = level_for_xp(95 * night), int(8.3 * night)
        team = [PatrolCat.from_cat(grown(p, level, i)) for i, p in enumerate(TEAM, 1)]
        summary = simulate(team, nights, 2026, reputation=reputation)
        rows.append(
            {
                "night": night,
                "level": level,
                "reputation": reputation,
                "deter_rate": round(summary.deter_rate or 0, 3),
                "rescue_rate": round(summary.rescue_rate or 0, 3),
                "coins_per_night": round(summary.coins_earned / nights, 1),
            }
        )
    return rows


def win_rate(cat: Cat, game_id: str, plays: int = 3000) -> float:
    wins = 0
    for s in range(plays):
        outcome = play_game(cat, game_id, START, random.Random(s), rates=RATES)
        wins += outcome.result == "win"
    return wins / plays


def special_cats_report(nights: int = 300) -> list[dict[str, Any]]:
    rows = []
    for special_id, spec in catalog.special_cats().items():
        star = grown(spec.personality_type, spec.level, 1, special_id)
        plain = grown(spec.personality_type, spec.level, 1)
        for game_id in spec.game_bonuses:
            rows.append(
                {
                    "cat": spec.name,
                    "signature": game_id,
                    "level": spec.level,
                    "special": round(win_rate(star, game_id), 3),
                    "ordinary": round(win_rate(plain, game_id), 3),
                    "bonus": special_bonus(star, game(game_id)),
                }
            )
    # BanditCat as the guardian of a level-15 team against an ordinary grown playful guardian
    rest = [PatrolCat.from_cat(grown(p, 15, i)) for i, p in enumerate(TEAM[1:], 2)]
    bandit = PatrolCat.from_cat(grown("playful", 15, 1, "bandit"))
    ordinary = PatrolCat.from_cat(grown("playful", 15, 1))
    reputation = int(8.3 * 60)
    with_bandit = simulate([bandit, *rest], nights, 2026, reputation=reputation)
    without = simulate([ordinary, *rest], nights, 2026, reputation=reputation)
    rows.append(
        {
            "cat": "BanditCat",
            "signature": "night watch guardian (deter rate)",
            "level": 15,
            "special": round(with_bandit.deter_rate or 0, 3),
            "ordinary": round(without.deter_rate or 0, 3),
            "bonus": None,
        }
    )
    return rows


def personalities_report() -> list[dict[str, Any]]:
    rows = []
    for personality in PERSONALITIES:
        cat = grown(personality, 10)
        coin = best_coin_game(cat)
        crypto = max(
            (g for g in games().values() if g.kind == "crypto"),
            key=lambda g: expected_value(g, performance(cat, g))["ev_per_fee"],
        )
        rows.append(
            {
                "personality": personality,
                "best_coin_game": coin,
                "coins_per_play": round(
                    expected_value(game(coin), performance(cat, game(coin)))["expected_coins"], 2
                ),
                "best_crypto_game": crypto.id,
                "crypto_house_edge": round(
                    expected_value(crypto, performance(cat, crypto))["house_edge"], 3
                ),
            }
        )
    return rows


#: What a coin game can be best at, for a grown level-10 cat of some personality.
GAME_METRICS: dict[str, Callable[[Cat, str], float]] = {}


def _game_metric(name: str) -> Callable[[Callable[[Cat, str], float]], Callable[[Cat, str], float]]:
    def register(fn: Callable[[Cat, str], float]) -> Callable[[Cat, str], float]:
        GAME_METRICS[name] = fn
        return fn

    return register


def _ev(cat: Cat, game_id: str) -> dict[str, float]:
    return expected_value(game(game_id), performance(cat, game(game_id)))


def _xp(cat: Cat, game_id: str) -> float:
    g = game(game_id)
    chance = _ev(cat, game_id)["win_chance"]
    mult = catalog.personality(cat.personality_type).xp_multiplier(g.activity)
    return g.xp * mult * (chance + (1 - chance) / 2)


@_game_metric("coins per play")
def _coins(cat: Cat, game_id: str) -> float:
    return _ev(cat, game_id)["expected_coins"]


@_game_metric("coins per energy")
def _coins_per_energy(cat: Cat, game_id: str) -> float:
    return _ev(cat, game_id)["expected_coins"] / game(game_id).energy


@_game_metric("XP per play")
def _xp_per_play(cat: Cat, game_id: str) -> float:
    return _xp(cat, game_id)


@_game_metric("XP per energy (a tired cat)")
def _xp_per_energy(cat: Cat, game_id: str) -> float:
    return _xp(cat, game_id) / game(game_id).energy


@_game_metric("happiness per play (an unhappy cat)")
def _happiness(cat: Cat, game_id: str) -> float:
    g = game(game_id)
    chance = _ev(cat, game_id)["win_chance"]
    mult = catalog.personality(cat.personality_type).happiness_multiplier(g.activity)
    return chance * g.happiness_win * mult + (1 - chance) * g.happiness_loss


def game_uses() -> dict[str, list[str]]:
    """For each coin game, the situations (metric, personalities) where it is the best choice."""
    uses: dict[str, list[str]] = {g: [] for g in COIN_GAMES}
    for metric, fn in GAME_METRICS.items():
        winners: dict[str, list[str]] = {}
        for personality in PERSONALITIES:
            cat = grown(personality, 10)
            best = max(COIN_GAMES, key=lambda g: fn(cat, g))
            winners.setdefault(best, []).append(personality)
        for best, who in winners.items():
            everyone = len(who) == len(PERSONALITIES)
            uses[best].append(f"{metric} ({'every personality' if everyone else ', '.join(who)})")
    return uses


def personality_uses() -> dict[str, list[str]]:
    """For each personality, the games at which a grown level-10 cat of it plays best."""
    uses: dict[str, list[str]] = {p: [] for p in PERSONALITIES}
    cats = {p: grown(p, 10) for p in PERSONALITIES}
    for g in games().values():
        best = max(PERSONALITIES, key=lambda p: performance(cats[p], g))
        uses[best].append(f"game {g.id}")
    table = catalog.personalities()
    for kind in sorted({k for p in table.values() for k in p.xp}):
        top = max(table[p].xp_multiplier(kind) for p in PERSONALITIES)
        for p in PERSONALITIES:
            if top > 1 and table[p].xp_multiplier(kind) == top:
                uses[p].append(f"{kind} XP ×{top}")
    for part in ("morning", "afternoon", "evening", "night"):
        for p in PERSONALITIES:
            if (
                table[p].schedule[part] == "high"
                and sum(table[q].schedule[part] == "high" for q in PERSONALITIES)
                <= len(PERSONALITIES) // 2
            ):
                uses[p].append(f"active in the {part} (few are)")
    cheapest = min(table[p].energy_use for p in PERSONALITIES)
    uses[min(PERSONALITIES, key=lambda p: table[p].energy_use)].append(
        f"most activity per energy (energy use ×{cheapest})"
    )
    return uses


def free_care_best() -> dict[str, float]:
    """The most one free care action can add to each stat (foods, play, grooming, pet, rest)."""
    best: dict[str, float] = {}

    def up(stat: str, value: float) -> None:
        best[stat] = max(best.get(stat, 0.0), value)

    for food in catalog.foods().values():
        up("hunger", food.satiation)
        up("happiness", food.happiness)
        up("energy", food.energy)
        up("health", food.health)
        up("mood", food.mood)
    for kind in catalog.play_kinds().values():
        up("happiness", kind.happiness)
    for groom in catalog.grooming_kinds().values():
        up("cleanliness", groom.cleanliness)
        up("health", groom.health)
        up("happiness", groom.happiness)
    rules = catalog.care_rules()
    up("happiness", rules.pet.happiness)
    up("mood", rules.pet.mood)
    up("energy", rules.rest.energy)
    return best


def store_uses() -> dict[str, list[str]]:
    """For each store item, what it does that free care cannot: items are used without fatigue
    (full strength when the free action is stale: `purrr_core.shop.use_item` is not paced; food
    has no meter, so that is no advantage for food items), and what else it does."""
    free = free_care_best()
    paced = set(pacing_table().pacing.actions)
    #: The free action each care clock belongs to (feeding has no fatigue meter).
    action_of = {"fed": "feed", "treat": "treat", "played": "play", "groomed": "groom"}
    uses: dict[str, list[str]] = {}
    for item in items().values():
        stale = item.clock is None or action_of[item.clock] in paced
        reasons = ["no fatigue"] if stale else []
        for stat, value in item.effects.items():
            if stat in ADVANCED_STATS and value > 0:
                reasons.append(f"{stat} +{value} for sure")
            elif value > free.get(stat, 0):
                reasons.append(f"{stat} +{value} (free care: at most +{free.get(stat, 0):g})")
        if item.stimulant == "dual":
            reasons.append("excites by the stronger of catnip and honeysuckle")
        if item.installs is not None:
            reasons.append("installs in a territory")
        uses[item.id] = reasons
    return uses


#: Situations a free food is chosen in: the cat as it is, what to measure on one normal portion.
FOOD_SITUATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "a hungry cat (satiation restored)": ({"hunger": 0}, "hunger"),
    "an unhappy cat (happiness)": ({"hunger": 40, "happiness": 20}, "happiness"),
    "a nearly full cat (happiness from what it still eats)": (
        {"hunger": 85, "happiness": 20},
        "happiness",
    ),
    "a tired cat (energy)": ({"hunger": 40, "energy": 10}, "energy"),
    "a sick cat (health)": ({"hunger": 40, "health": 40}, "health"),
    "a grumpy cat (mood)": ({"hunger": 40, "mood": 10}, "mood"),
    "a cat near its next level (XP per meal)": ({"hunger": 0}, "experience"),
    "a catnip responder (excitement)": (
        {"hunger": 40, "energy": 20, "stimulant_response": "catnip_responder"},
        "excited",
    ),
    "a honeysuckle responder (excitement)": (
        {"hunger": 40, "energy": 20, "stimulant_response": "honeysuckle_responder"},
        "excited",
    ),
}


def _fed(food: str, state: dict[str, Any], measure: str) -> float:
    """What one normal portion of `food` gives a grown playful cat in `state` (fresh meters);
    an excitement is worth its energy and happiness."""
    base = {"stimulant_response": "non_responder", "happiness": 50, "energy": 60, **state}
    cat = grown("playful", 10).evolve(**base, decayed_at=START)
    after, effects = perform(cat, "feed", {"food_item": food}, START, random.Random(1))
    if measure == "excited":
        gained = (after.energy - cat.energy) + (after.happiness - cat.happiness)
        return gained if effects.get("excited") else 0.0
    return float(getattr(after, measure) - getattr(cat, measure))


def food_uses() -> dict[str, list[str]]:
    """For each free food, the situations where one portion of it does the most (ties: every
    food that reaches the top counts)."""
    uses: dict[str, list[str]] = {f: [] for f in catalog.foods()}
    for situation, (state, measure) in FOOD_SITUATIONS.items():
        values = {f: _fed(f, state, measure) for f in catalog.foods()}
        top = max(values.values())
        for food, value in values.items():
            if top > 0 and value == top:
                uses[food].append(situation)
    return uses


#: Night Watch teams a zone is chosen for (grown level-10 cats, one of each listed personality).
ZONE_TEAMS: dict[str, tuple[str, ...]] = {
    "a full team": TEAM,
    "a team without a scout": ("playful", "territorial", "social_butterfly", "lazy"),
    "a team without an alarm": ("playful", "curious", "social_butterfly", "territorial"),
    "a team without a healer": ("playful", "curious", "territorial", "lazy"),
}
#: What a zone can be best at: (name, summary field or per-night count, higher is better).
ZONE_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("deter rate", "deter_rate", True),
    ("rescue rate", "rescue_rate", True),
    ("fewest injuries", "injuries", False),
    ("most strays saved", "strays_saved", True),
    ("coins per night", "coins_earned", True),
)


def zone_table(nights: int = 100) -> list[dict[str, Any]]:
    """Each zone added to the free Home Base, for each team, at reputation 249 (night 30): the
    figures a zone moves, over the same seeded nights."""
    from purrr_core.nightwatch import create_zone, home_base, zone_types

    rows = []
    for situation, kinds in ZONE_TEAMS.items():
        team = [PatrolCat.from_cat(grown(p, 10, i)) for i, p in enumerate(kinds, 1)]
        for zone_type in (None, *zone_types()):
            zones = [home_base()]
            if zone_type is not None:
                zones.append(create_zone(zone_type, zone_type, "yard", 100, coins=10**6))
            summary = simulate(team, nights, 2026, zones=zones, reputation=249)
            rows.append(
                {
                    "team": situation,
                    "zone": zone_type or "(Home Base only)",
                    "cost": zone_types()[zone_type].cost if zone_type else 0,
                    "deter_rate": round(summary.deter_rate or 0, 3),
                    "rescue_rate": round(summary.rescue_rate or 0, 3),
                    "injuries": round(summary.injuries / nights, 2),
                    "strays_saved": round(summary.strays_saved / nights, 2),
                    "coins_earned": round(summary.coins_earned / nights, 1),
                }
            )
    return rows


def zone_uses(nights: int = 100) -> dict[str, list[str]]:
    """For each zone type, the (figure, team) pairs where adding it does the most."""
    from purrr_core.nightwatch import zone_types

    rows = [r for r in zone_table(nights) if r["zone"] in zone_types()]
    uses: dict[str, list[str]] = {z: [] for z in zone_types()}
    for name, key, higher in ZONE_METRICS:
        winners: dict[str, list[str]] = {}
        for situation in ZONE_TEAMS:
            scored = {r["zone"]: r[key] for r in rows if r["team"] == situation}
            top = (max if higher else min)(scored.values())
            if sum(v == top for v in scored.values()) == 1:  # a tie chooses nothing
                best = next(z for z, v in scored.items() if v == top)
                winners.setdefault(best, []).append(situation)
        for zone, teams in winners.items():
            every = len(teams) == len(ZONE_TEAMS)
            uses[zone].append(f"{name} ({'every team' if every else ', '.join(teams)})")
    return uses


def crypto_report() -> list[dict[str, Any]]:
    """Staked play against practice for a grown level-10 playful cat: the XP a play gives (fresh,
    expected over wins and losses), the stake's expected cost, and what each extra XP costs."""
    from purrr_core.games import STAKE_XP

    cat = grown("playful", 10)
    rows = []
    for g in games().values():
        if g.kind != "crypto":
            continue
        ev = expected_value(g, performance(cat, g))
        practice = _xp(cat, g.id)
        fee = float(g.entry_fee_usd or 0)
        cost = fee * ev["house_edge"]
        rows.append(
            {
                "game": g.id,
                "practice_xp": round(practice, 1),
                "staked_xp": round(practice * STAKE_XP, 1),
                "fee_usd": fee,
                "house_edge": round(ev["house_edge"], 3),
                "usd_per_extra_xp": round(cost / (practice * (STAKE_XP - 1)), 4),
            }
        )
    return rows


def options_report() -> list[dict[str, Any]]:
    """Every coin game and personality with the situations where it is the best choice
    (docs/balance.md "Every option has a use"); an empty `best_when` is a dominated option."""
    rows = [
        {"option": f"game {g}", "best_when": "; ".join(w) or "never (dominated)"}
        for g, w in game_uses().items()
    ]
    rows += [
        {"option": f"personality {p}", "best_when": ", ".join(w) or "never (dominated)"}
        for p, w in personality_uses().items()
    ]
    rows += [{"option": f"item {i}", "best_when": ", ".join(w)} for i, w in store_uses().items()]
    rows += [
        {"option": f"food {f}", "best_when": "; ".join(w) or "never (dominated)"}
        for f, w in food_uses().items()
    ]
    rows += [
        {"option": f"zone {z}", "best_when": "; ".join(w) or "never (dominated)"}
        for z, w in zone_uses().items()
    ]
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def players_report(days: int) -> list[dict[str, Any]]:
    return [run_player(kind, p, days) for kind in PLAYERS for p in PERSONALITIES]


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    days = int(args[0]) if args else 60
    report = {
        "players": players_report(days),
        "nightwatch_by_stage": nightwatch_by_stage(),
        "special_cats": special_cats_report(),
        "personalities": personalities_report(),
        "options": options_report(),
        "zones": zone_table(),
        "crypto_play": crypto_report(),
    }
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    for name, rows in report.items():
        print(f"## {name} ({days} days)" if name == "players" else f"## {name}")
        print()
        print(table(rows))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
