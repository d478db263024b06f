"""Quests: progress from every action (the after-action hook) and claiming rewards.

Care, game, store and wallet actions are mapped to quest events here by name; a settled Night
Watch patrol (an emitted `nightwatch.*` event with a `summary`) counts as a patrol with its
rescues and deterred bobcats. Any other action reports progress by emitting
`ctx.emit("quest.event", {"type": "breed", "amount": 1, "attrs": {"personality": "curious"}})`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from purrr_core import ACTIONS as CARE_ACTIONS
from purrr_core.economy import COINS, Change
from purrr_core.levels import gain_xp
from purrr_core.quests import QuestEvent, QuestState, claim, quests, record_event
from purrr_server.actions import (
    ActionArgs,
    ActionContext,
    ActionResult,
    RowId,
    action,
    after_action,
)
from purrr_server.presenters import ACCOUNT_XP, cat_json, player_json
from purrr_server.services.cats import CatOut, load_cat
from purrr_server.services.economy import change_wallet
from purrr_server.services.timezones import player_zone, zone_of

QUEST_EVENT = "quest.event"
CARE_EVENTS = {f"cats.{name}": name for name in CARE_ACTIONS}


def _attrs(result: dict[str, Any], **extra: str) -> dict[str, str | list[str]]:
    cat = result.get("cat")
    personality = cat.get("personality_type") if isinstance(cat, dict) else None
    return {**({"personality": personality} if personality else {}), **extra}


def events_for(
    name: str, result: dict[str, Any], emitted: list[tuple[str, dict[str, Any]]]
) -> list[QuestEvent]:
    """The quest events one finished action stands for."""
    attrs = _attrs(result)
    events: list[QuestEvent] = []
    if name in CARE_EVENTS:
        events.append(QuestEvent(type=CARE_EVENTS[name], attrs=attrs))
    elif name == "games.play":
        game_attrs = _attrs(result, game=str(result["type"]))
        events.append(QuestEvent(type="game_play", attrs=game_attrs))
        if result["result"] == "win":
            events.append(QuestEvent(type="game_win", attrs=game_attrs))
        if result["type"] == "exploration":
            events.append(QuestEvent(type="exploration", attrs=game_attrs))
        if result["coins"]:
            events.append(QuestEvent(type="coins_earned", amount=Decimal(result["coins"])))
        if Decimal(result["payout_usd"]) > 0:
            events.append(QuestEvent(type="crypto_won", amount=Decimal(result["payout_usd"])))
    elif name == "store.purchase":
        events.append(
            QuestEvent(
                type="purchase",
                amount=Decimal(result["quantity"]),
                attrs={"item": str(result["item_id"])},
            )
        )
    elif name == "store.use":
        events.append(QuestEvent(type="use_item", attrs=_attrs(result, item=str(result["item"]))))
    elif name == "economy.confirm":
        events.append(QuestEvent(type="deposit"))
    if result.get("leveled_up"):
        events.append(QuestEvent(type="level_up", attrs=attrs))
    for kind, payload in emitted:
        if kind == QUEST_EVENT:
            events.append(QuestEvent.model_validate(payload))
        elif kind.startswith("nightwatch.") and isinstance(payload.get("summary"), dict):
            events += _patrol_events(payload["summary"])
    return events


def _patrol_events(summary: dict[str, Any]) -> list[QuestEvent]:
    """A settled Night Watch patrol: one patrol, its rescues and its deterred bobcats.

    The patrol event carries the personalities of the patrol's cats (a list), so a personality
    quest ("patrol 5 nights with a territorial cat") counts it once when any cat matches.
    """
    if not summary.get("counted", True):  # ended before a tick: counts for nothing
        return []
    personalities = [str(p) for p in summary.get("personalities", [])]
    attrs: dict[str, str | list[str]] = {"personality": personalities} if personalities else {}
    return [
        QuestEvent(type="patrol", attrs=attrs),
        QuestEvent(type="rescue", amount=Decimal(summary.get("strays_rescued", 0))),
        QuestEvent(type="deter", amount=Decimal(summary.get("deterred", 0))),
    ]


@after_action
async def advance_quests(
    ctx: ActionContext, name: str, args: ActionArgs, result: dict[str, Any]
) -> None:
    """Record the action's quest events for its player (same transaction as the action)."""
    if ctx.user is None:
        return
    for quest_id in await record_quest_events(
        ctx, ctx.user_id, events_for(name, result, ctx.events)
    ):
        ctx.emit("quest.completed", {"quest_id": quest_id})


async def record_quest_events(
    ctx: ActionContext, user_id: int, events: list[QuestEvent]
) -> list[str]:
    """Record `events` as `user_id`'s quest progress (in the action's transaction); returns the
    quests they completed. An action that concerns other players too (a room round) calls it
    for each of them."""
    if not events:
        return []
    if ctx.user is not None and user_id == ctx.user.id:
        tz = zone_of(ctx)
    else:  # another player in the same round: their own clock
        tz = player_zone(ctx.settings, await ctx.store.users.get(user_id))
    before = state = await ctx.store.quest_progress.load(user_id)
    completed: list[str] = []
    for event in events:
        state, done = record_event(state, event, ctx.now, tz)
        completed += done
    await ctx.store.quest_progress.save(user_id, before, state)
    return completed


async def community_totals(ctx_store: Any) -> dict[str, Decimal]:
    ids = [q.id for q in quests().values() if q.community_target is not None]
    totals: dict[str, Decimal] = await ctx_store.quest_progress.community_totals(ids)
    return totals


class ClaimBody(ActionArgs):
    """Claim a completed quest; XP goes to `cat_id` when given, else to your account."""

    cat_id: RowId | None = None


class ClaimArgs(ClaimBody):
    quest_id: str = Field(..., min_length=1, max_length=100)


class Claimed(ActionResult):
    quest_id: str
    rewards: dict[str, Any]
    balance: dict[str, Any]
    cat: CatOut | None = None
    xp_to: Literal["cat", "player"] = Field(
        description="Where the quest's XP went: the cat named, else the player level."
    )
    player_level: int
    player_xp: int
    player_xp_to_next: int


@action("quests.claim", args=ClaimArgs, result=Claimed)
async def claim_quest(ctx: ActionContext, args: ClaimArgs) -> dict[str, Any]:
    quest_id = args.quest_id
    cat = await load_cat(ctx, args.cat_id) if args.cat_id is not None else None
    before: QuestState = await ctx.store.quest_progress.load(ctx.user_id)
    state, rewards = claim(
        before,
        quest_id,
        ctx.now,
        zone_of(ctx),
        community_totals=await community_totals(ctx.store),
    )
    await ctx.store.quest_progress.save(ctx.user_id, before, state)
    changes = [
        Change(
            currency=COINS,
            amount=Decimal(rewards.coins),
            reason=f"quest {quest_id}",
            counterparty="quests",
        )
    ]
    changes += [
        Change(currency=code, amount=amount, reason=f"quest {quest_id}", counterparty="quests")
        for code, amount in rewards.currency.items()
    ]
    wallet = await change_wallet(ctx, changes)
    for item_id, quantity in rewards.items.items():
        await ctx.store.inventory.add(ctx.user_id, item_id, quantity)
    out: dict[str, Any] = {
        "quest_id": quest_id,
        "rewards": rewards.view(),
        "balance": wallet.view(),
    }
    if cat is not None:
        after, xp = gain_xp(cat, rewards.xp, "quests")
        after = after.evolve(version=cat.version + 1, updated_at=ctx.now)
        await ctx.store.cats.save(ctx.user_id, after)
        out.update(xp, cat=cat_json(after, ctx.now))
    else:
        await ctx.store.counters.add(ctx.user_id, ACCOUNT_XP, rewards.xp)
    out["xp_to"] = "cat" if cat is not None else "player"
    out.update(await player_json(ctx.store, ctx.user_id))
    ctx.emit("quest.claimed", {"quest_id": quest_id})
    return out
