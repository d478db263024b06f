"""`/api/v1/cats/{id}/insights`: learned preferences, consistency and mood by hour (SPEC §8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.insights import learn
from purrr_server.actions import MAX_ID, ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope
from purrr_server.runtime import runtime_of
from purrr_server.services.cats import find_cat

router = APIRouter(tags=["cats"])
#: The most recent interactions insights learn from.
HISTORY = 1000


class Insights(ActionResult):
    """Learned preferences, personality consistency and mood by hour, with confidence."""

    cat_id: int
    name: str
    personality_type: str


@router.get(
    "/cats/{cat_id}/insights",
    summary="What the cat likes, learned from its history",
    response_model=Envelope[Insights],
)
async def insights(
    request: Request, who: Caller, cat_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    store = runtime_of(request).store.read
    cat = await find_cat(store, who.user.id, cat_id)
    records = await store.interactions.for_cat(who.user.id, cat_id, HISTORY)
    return ok(
        request,
        {
            "cat_id": cat_id,
            "name": cat.name,
            "personality_type": cat.personality_type,
            **learn(records, cat.personality_type),
        },
    )
