"""`/api/v1/quests`: quests with progress, and claiming their rewards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.quests import quest_views
from purrr_server.actions import ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.quests import ClaimBody, Claimed, community_totals
from purrr_server.services.timezones import player_zone

router = APIRouter(prefix="/quests", tags=["quests"])


class QuestView(ActionResult):
    """A quest with its requirements' progress, rewards and claim state (docs/quests.md)."""

    id: str
    active: bool


@router.get(
    "", summary="Quests with progress (active first)", response_model=Envelope[list[QuestView]]
)
async def list_quests(request: Request, who: Caller) -> Response:
    runtime = runtime_of(request)
    state = await runtime.store.read.quest_progress.load(who.user.id)
    views = quest_views(
        state,
        runtime.settings.now(),
        player_zone(runtime.settings, who.user),
        community_totals=await community_totals(runtime.store.read),
    )
    return ok(request, views)


@router.post(
    "/{quest_id}/claim",
    summary="Claim a completed quest's rewards (once)",
    response_model=Envelope[Claimed],
)
async def claim(
    request: Request,
    who: Caller,
    quest_id: Annotated[str, Path(max_length=100)],
    body: Annotated[ClaimBody | None, Body()] = None,
) -> Response:
    args = {**(body or ClaimBody()).model_dump(), "quest_id": quest_id}
    return await run_action(request, who, "quests.claim", args)
