"""`/api/v1/breeding`, `/api/v1/genetics` and `/api/v1/cats/{id}/pedigree` (docs/breeding.md).

Starting a breeding is the `breeding.breed` action (purrr_server.services.breeding). Reads first
complete the player's due breedings (the `breeding.complete` action), so kittens exist as soon
as anyone looks.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import InvalidRequest, NotFound
from purrr_core.breeding import breeding_method
from purrr_server.actions import MAX_ID, ActionResult, RowId
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope, Paging, run_action
from purrr_server.lazy import complete_due_breedings
from purrr_server.limits import heavy_work
from purrr_server.runtime import runtime_of
from purrr_server.services import breeding as service
from purrr_server.services.breeding import BreedingOut, Started
from purrr_server.services.cats import CatOut
from purrr_server.store.users import User

router = APIRouter()

BreedingId = Annotated[int, Path(ge=1, le=MAX_ID, description="The breeding's id.")]
CatId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cat's id.")]
Method = Annotated[
    str | None,
    Query(
        max_length=50,
        description="natural (default), ai_assisted or genetic_enhancement: the success rate shown.",
    ),
]
STATUSES = ("pending", "completed", "failed")
RECENT = 5


class Breed(BaseModel):
    """Start a breeding (`breeding.breed`: `BreedArgs`). `father_id`, `mother_id` and
    `breeding_method` (the product document's names) are accepted too; the current names win
    when both are sent."""

    model_config = ConfigDict(extra="forbid")
    sire_id: RowId | None = Field(None, examples=[1])
    dam_id: RowId | None = Field(None, examples=[2])
    method: str | None = Field(None, max_length=50, examples=["natural"])
    seed: int | None = Field(None, description="Local servers only: roll from this seed.")
    father_id: RowId | None = None
    mother_id: RowId | None = None
    breeding_method: str | None = Field(None, max_length=50)

    def action_args(self) -> dict[str, object]:
        """The `BreedArgs` of this body (the executor validates them; a missing id is named)."""
        args: dict[str, object] = {
            "sire_id": self.sire_id or self.father_id,
            "dam_id": self.dam_id or self.mother_id,
            "method": self.method or self.breeding_method,
            "seed": self.seed,
        }
        return {key: value for key, value in args.items() if value is not None}


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sire_id: RowId
    dam_id: RowId
    method: str | None = Field(None, max_length=50)


class Cross(BaseModel):
    """Two genotypes in the reference notation (genetics-reference.md)."""

    model_config = ConfigDict(extra="forbid")
    sire: str = Field(..., max_length=500, examples=["O/Y D/d"])
    dam: str = Field(..., max_length=500, examples=["O/o D/d"])


class Prediction(ActionResult):
    """A pair's prediction: compatibility, COI, success rates, the exact kitten distribution."""

    sire_id: int
    dam_id: int
    compatibility: int
    can_breed: bool
    blocked_reason: str | None
    success_rate: float
    predicted_traits: list[dict[str, Any]]
    offspring: list[dict[str, Any]]


class BreedingWithKittens(BreedingOut):
    kittens: list[CatOut]


class CrossOut(ActionResult):
    """The genetics contract of two genotypes (genetics-reference.md)."""

    sire: dict[str, Any]
    dam: dict[str, Any]
    offspring: list[dict[str, Any]]


class PedigreeOut(ActionResult):
    cat_id: int
    coi: float
    coi_fraction: str
    cats: list[dict[str, Any]]


@router.post(
    "/breeding/breed",
    status_code=201,
    tags=["breeding"],
    summary="Start a breeding",
    response_model=Envelope[Started],
)
async def breed(request: Request, body: Breed, who: Caller) -> Response:
    return await run_action(request, who, "breeding.breed", body.action_args())


@router.get(
    "/breeding/pairs",
    tags=["breeding"],
    summary="Pairs ranked by compatibility, with COI, success rate and predictions",
    response_model=Envelope[list[Prediction]],
)
async def pairs(
    request: Request,
    who: Caller,
    method: Method = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Pairs per page.")] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    available: Annotated[bool, Query(description="Only pairs that can breed now.")] = False,
) -> Response:
    await complete_due_breedings(request, who.user)
    runtime = runtime_of(request)
    page, total = await service.rank_pairs(
        runtime.store.read,
        who.user.id,
        runtime.settings.now(),
        breeding_method(method),
        limit=limit,
        offset=offset,
        available=available,
        run=heavy_work(request).run,
    )
    return ok(request, page, headers={"X-Total-Count": str(total)})


@router.get(
    "/breeding",
    tags=["breeding"],
    summary="Your breedings, newest first",
    response_model=Envelope[list[BreedingOut]],
)
@router.get(
    "/breeding/history",
    tags=["breeding"],
    summary="Your breedings, newest first",
    response_model=Envelope[list[BreedingOut]],
)
async def history(
    request: Request,
    who: Caller,
    paging: Paging,
    status: Annotated[
        str | None, Query(max_length=20, description="pending, completed or failed")
    ] = None,
) -> Response:
    if status is not None and status not in STATUSES:
        raise InvalidRequest(
            f"unknown status {status!r}; choose one of {', '.join(STATUSES)}",
            details={"field": "status", "value": status},
        )
    await complete_due_breedings(request, who.user)
    repo = runtime_of(request).store.read.breedings
    found = await repo.for_user(who.user.id, paging.limit, paging.offset, status)
    total = await repo.count(who.user.id, status)
    return ok(
        request, [service.breeding_json(b) for b in found], headers={"X-Total-Count": str(total)}
    )


@router.get(
    "/breeding/status",
    tags=["breeding"],
    summary="Breedings under way and the latest finished ones, with their kittens",
    response_model=Envelope[list[BreedingWithKittens]],
)
async def status(request: Request, who: Caller) -> Response:
    await complete_due_breedings(request, who.user)
    runtime = runtime_of(request)
    repo = runtime.store.read.breedings
    shown = await repo.pending(who.user.id)
    shown += [b for b in await repo.for_user(who.user.id, RECENT, 0) if b.status != "pending"]
    family = await service.load_family(runtime.store.read, who.user.id)
    now = runtime.settings.now()
    return ok(
        request,
        [
            {
                **service.breeding_json(b),
                "kittens": service.kittens_json(family.cats, b.kitten_ids, now),
            }
            for b in shown
        ],
    )


@router.get(
    "/breeding/{breeding_id}",
    tags=["breeding"],
    summary="One breeding and its kittens",
    response_model=Envelope[BreedingWithKittens],
)
async def one(request: Request, breeding_id: BreedingId, who: Caller) -> Response:
    await complete_due_breedings(request, who.user)
    runtime = runtime_of(request)
    found = await runtime.store.read.breedings.get(who.user.id, breeding_id)
    if found is None:
        raise NotFound(f"breeding {breeding_id} not found", details={"breeding_id": breeding_id})
    family = await service.load_family(runtime.store.read, who.user.id)
    kittens = service.kittens_json(family.cats, found.kitten_ids, runtime.settings.now())
    return ok(request, {**service.breeding_json(found), "kittens": kittens})


async def _predict(request: Request, user: User, pair: Pair) -> Response:
    await complete_due_breedings(request, user)
    runtime = runtime_of(request)
    result = await service.predict_pair(
        runtime.store.read,
        user.id,
        runtime.settings.now(),
        pair.sire_id,
        pair.dam_id,
        breeding_method(pair.method),
    )
    return ok(request, result)


@router.get(
    "/genetics/predict",
    tags=["genetics"],
    summary="Predict the kittens of two of your cats (exact distribution, COI)",
    response_model=Envelope[Prediction],
)
async def predict(
    request: Request,
    who: Caller,
    sire_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    dam_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    method: Method = None,
) -> Response:
    return await _predict(request, who.user, Pair(sire_id=sire_id, dam_id=dam_id, method=method))


@router.post(
    "/genetics/predict",
    tags=["genetics"],
    summary="The same prediction, from a body",
    response_model=Envelope[Prediction],
)
async def predict_body(request: Request, body: Pair, who: Caller) -> Response:
    return await _predict(request, who.user, body)


@router.post(
    "/genetics/cross",
    tags=["genetics"],
    summary="Exact offspring of two genotypes (the genetics contract)",
    response_model=Envelope[CrossOut],
)
async def cross(request: Request, body: Cross, who: Caller) -> Response:
    result = await heavy_work(request).run(service.cross_genotypes, body.sire, body.dam)
    return ok(request, result)


@router.get(
    "/cats/{cat_id}/pedigree",
    tags=["cats"],
    summary="A cat and its known ancestors (pedigree JSON for `purrr genetics coi`)",
    response_model=Envelope[PedigreeOut],
)
async def pedigree(request: Request, cat_id: CatId, who: Caller) -> Response:
    await complete_due_breedings(request, who.user)
    runtime = runtime_of(request)
    return ok(request, await service.pedigree_of(runtime.store.read, who.user.id, cat_id))
