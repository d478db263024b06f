"""`/api/v1/territories`: ground held by cats (list, claim, challenge, furniture, release)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.catalog import load
from purrr_server.actions import MAX_ID, ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.territory import (
    ChallengeBody,
    ClaimArgs,
    Claimed,
    InstallBody,
    Installed,
    Released,
    TerritoryOut,
    territory_json,
)

router = APIRouter(prefix="/territories", tags=["territory"])
TerritoryId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: How many of other players' territories `?scope=all` lists.
OTHERS_SHOWN = 100


class TerritoryTypes(ActionResult):
    """The rule table: territory types with their bonus, furniture, claim requirements."""

    types: list[dict[str, object]]
    furniture: list[dict[str, object]]
    claim_requirements: dict[str, int]


@router.get(
    "",
    summary="Your territories (scope=all: also ground other players' cats hold)",
    response_model=Envelope[list[TerritoryOut]],
)
async def list_territories(
    request: Request,
    who: Caller,
    scope: Annotated[Literal["mine", "all"], Query(description="mine or all")] = "mine",
) -> Response:
    repo = runtime_of(request).store.read.territories
    rows = await repo.for_user(who.user.id)
    if scope == "all":
        rows += await repo.held_by_others(who.user.id, OTHERS_SHOWN)
    return ok(request, [territory_json(row, who.user.id) for row in rows])


@router.get(
    "/types",
    summary="Territory types, furniture and claim requirements",
    response_model=Envelope[TerritoryTypes],
)
async def territory_types(request: Request, who: Caller) -> Response:
    table = load("territory")
    return ok(
        request,
        {
            "types": table["types"],
            "furniture": table["furniture"],
            "claim_requirements": table["claim_requirements"],
        },
    )


@router.post(
    "",
    status_code=201,
    summary="Claim free ground for a cat",
    response_model=Envelope[Claimed],
)
async def claim(request: Request, body: ClaimArgs, who: Caller) -> Response:
    return await run_action(request, who, "territory.claim", body)


@router.post(
    "/{territory_id}/challenge",
    summary="Challenge the cat holding a territory (seeded, decided by stats and personality)",
    response_model=Envelope[Claimed],
)
async def challenge(
    request: Request, body: ChallengeBody, who: Caller, territory_id: TerritoryId
) -> Response:
    args = {**body.model_dump(), "territory_id": territory_id}
    return await run_action(request, who, "territory.challenge", args)


@router.post(
    "/{territory_id}/furniture",
    summary="Install a furniture item from your inventory",
    response_model=Envelope[Installed],
)
async def install(
    request: Request, body: InstallBody, who: Caller, territory_id: TerritoryId
) -> Response:
    args = {**body.model_dump(), "territory_id": territory_id}
    return await run_action(request, who, "territory.install", args)


@router.delete(
    "/{territory_id}",
    summary="Release a territory (its furniture returns to your inventory)",
    response_model=Envelope[Released],
)
async def release(request: Request, who: Caller, territory_id: TerritoryId) -> Response:
    return await run_action(request, who, "territory.release", {"territory_id": territory_id})
