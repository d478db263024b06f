"""`/api/v1/store`: the catalogue, purchases and inventory; `/api/v1/cats/{id}/use`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.errors import choose_one
from purrr_core.shop import categories, items
from purrr_server.actions import MAX_ID, ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.shop import PurchaseArgs, Purchased, UseBody, Used

router = APIRouter(tags=["store"])


class StoreItem(ActionResult):
    id: str
    name: str
    category: str
    price: int
    description: str


class Owned(ActionResult):
    item_id: str
    name: str
    category: str
    quantity: int


@router.get("/store/items", summary="The store catalogue", response_model=Envelope[list[StoreItem]])
async def list_items(
    request: Request,
    who: Caller,
    category: Annotated[
        str | None, Query(max_length=50, description="food, treats, toys, …")
    ] = None,
) -> Response:
    if category is not None and category not in categories():
        raise choose_one("category", category, categories())
    shown = [i.view() for i in items().values() if category in (None, i.category)]
    return ok(request, shown)


@router.post(
    "/store/purchase",
    status_code=201,
    summary="Buy items with coins",
    response_model=Envelope[Purchased],
)
async def purchase(request: Request, body: PurchaseArgs, who: Caller) -> Response:
    return await run_action(request, who, "store.purchase", body)


@router.get("/store/inventory", summary="Items you own", response_model=Envelope[list[Owned]])
async def inventory(request: Request, who: Caller) -> Response:
    owned = await runtime_of(request).store.read.inventory.for_user(who.user.id)
    table = items()
    return ok(
        request,
        [
            {
                "item_id": item_id,
                "name": table[item_id].name,
                "category": table[item_id].category,
                "quantity": quantity,
            }
            for item_id, quantity in owned.items()
            if item_id in table
        ],
    )


@router.post(
    "/cats/{cat_id}/use",
    summary="Use an item from your inventory on a cat",
    response_model=Envelope[Used],
)
async def use_item(
    request: Request, body: UseBody, who: Caller, cat_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    return await run_action(request, who, "store.use", {**body.model_dump(), "cat_id": cat_id})
