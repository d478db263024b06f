"""Game actions: one play = fee and payout through the ledger, the cat, counters and a result row."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from purrr_core.economy import COINS, Change, format_amount
from purrr_core.games import game, play_game
from purrr_server.actions import ActionArgs, ActionContext, ActionResult, RowId, action
from purrr_server.presenters import cat_json
from purrr_server.services.cats import CatOut, load_cat
from purrr_server.services.economy import change_wallet
from purrr_server.services.timezones import zone_of


class PlayBody(ActionArgs):
    """Play with `cat_id`; crypto games charge `crypto_type` (without it: practice)."""

    cat_id: RowId
    crypto_type: str | None = Field(None, max_length=20, examples=["BTC"])


class PlayArgs(PlayBody):
    game_type: str = Field(..., min_length=1, max_length=50, examples=["mouse_hunt"])


class GameResult(ActionResult):
    """One play (docs/games.md): outcome, fee and winnings (decimal strings), the cat after."""

    id: int
    type: str
    result: str
    coins: int
    crypto_type: str | None
    entry_fee: str
    win_amount: str
    net: str
    payout_usd: str
    seed: int
    balance: dict[str, Any]
    cat: CatOut


@action("games.play", args=PlayArgs, result=GameResult, status_code=201)
async def play(ctx: ActionContext, args: PlayArgs) -> dict[str, Any]:
    g = game(args.game_type)
    cat = await load_cat(ctx, args.cat_id)
    currency = args.crypto_type or None
    rates = ctx.settings.economy.rates
    outcome = play_game(
        cat, g.id, ctx.now, ctx.rng, currency=currency, rates=rates, tz=zone_of(ctx)
    )
    house = f"game:{g.id}"
    wallet = await change_wallet(
        ctx,
        [
            Change(
                currency=outcome.currency or COINS,
                amount=-outcome.entry_fee,
                reason=f"{g.id} entry fee",
                counterparty=house,
            ),
            Change(
                currency=outcome.currency or COINS,
                amount=outcome.payout,
                reason=f"{g.id} win",
                counterparty=house,
            ),
            Change(
                currency=COINS, amount=outcome.coins, reason=f"{g.id} reward", counterparty=house
            ),
        ],
    )
    await ctx.store.cats.save(ctx.user_id, outcome.cat)
    await ctx.store.interactions.append(ctx.user_id, cat.id, outcome.interaction, ctx.stamp)
    for counter, amount in outcome.counters.items():
        await ctx.store.counters.add(ctx.user_id, counter, amount)
    result_id = await ctx.store.game_results.add(
        ctx.user_id, cat, outcome, ctx.seed, {k: str(v) for k, v in rates.items()}, ctx.stamp
    )
    if outcome.found_item:
        await ctx.store.inventory.add(ctx.user_id, outcome.found_item, 1)
    ctx.emit("game.played", {"cat_id": cat.id, "game": g.id, "result": outcome.result})
    data = outcome.model_dump(mode="json", exclude={"cat", "interaction"})
    data.update(
        id=result_id,
        type=g.id,
        crypto_type=outcome.currency,
        entry_fee=format_amount(outcome.entry_fee),
        win_amount=format_amount(outcome.payout),
        net=format_amount(outcome.net),
        payout_usd=str(outcome.payout_usd),
        seed=ctx.seed,
        balance=wallet.view(),
        cat=cat_json(outcome.cat, ctx.now),
    )
    data.pop("payout", None)
    return data
