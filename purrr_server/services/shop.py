"""Shop actions (`store.purchase`, `store.use`): buying items with coins and using them on cats."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from purrr_core.economy import COINS, Change
from purrr_core.errors import Conflict
from purrr_core.shop import quote, use_item
from purrr_server.actions import ActionArgs, ActionContext, ActionResult, RowId, action
from purrr_server.presenters import cat_json
from purrr_server.services.cats import CatOut, load_cat
from purrr_server.services.economy import change_wallet
from purrr_server.services.timezones import zone_of

ItemId = Annotated[str, Field(min_length=1, max_length=50, examples=["catnip"])]


class PurchaseArgs(ActionArgs):
    item_id: ItemId
    quantity: int = Field(1, strict=True, ge=1, le=99, description="1–99.")


class Purchased(ActionResult):
    item_id: str
    quantity: int
    total: int
    owned: int
    coins: int


class UseBody(ActionArgs):
    item_id: ItemId


class UseArgs(UseBody):
    cat_id: RowId


class Used(ActionResult):
    action: str
    item: str
    remaining: int
    cat: CatOut


@action("store.purchase", args=PurchaseArgs, result=Purchased, status_code=201)
async def purchase(ctx: ActionContext, args: PurchaseArgs) -> dict[str, Any]:
    bought = quote(args.item_id, args.quantity)
    wallet = await change_wallet(
        ctx,
        [
            Change(
                currency=COINS,
                amount=-bought.total,
                reason=f"{bought.item_id} ×{bought.quantity}",
                counterparty="store",
            )
        ],
    )
    owned = await ctx.store.inventory.add(ctx.user_id, bought.item_id, bought.quantity)
    ctx.emit("store.purchased", {"item_id": bought.item_id, "quantity": bought.quantity})
    return {**bought.model_dump(), "owned": owned, "coins": wallet.coins}


@action("store.use", args=UseArgs, result=Used)
async def use(ctx: ActionContext, args: UseArgs) -> dict[str, Any]:
    cat = await load_cat(ctx, args.cat_id)
    item_id = args.item_id
    quote(item_id)  # an unknown item is named with the choices before the inventory check
    if await ctx.store.inventory.count(ctx.user_id, item_id) < 1:
        raise Conflict(
            f"you have no {item_id}; buy one with: purrr store buy {item_id}",
            details={"item_id": item_id, "owned": 0},
        )
    after, effects = use_item(cat, item_id, ctx.now, ctx.rng, zone_of(ctx))
    left = await ctx.store.inventory.take(ctx.user_id, item_id)
    await ctx.store.cats.save(ctx.user_id, after)
    await ctx.store.interactions.append(ctx.user_id, cat.id, effects["interaction"], ctx.stamp)
    ctx.emit(
        "cat.cared",
        {"cat_id": cat.id, "action": "use", "new_stats": after.stats(), "level": after.level},
    )
    return {**effects, "remaining": left, "cat": cat_json(after, ctx.now)}
