"""`/api/v1/cats`: adopt, list, read, edit, delete, history and care status (care actions:
`purrr_server.routers.care`)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.models import Description, Label, clean_name
from purrr_server.auth import Caller
from purrr_server.envelope import ApiError, ok
from purrr_server.http import Paging, run_action
from purrr_server.lazy import bring_to_now
from purrr_server.presenters import cat_json
from purrr_server.runtime import runtime_of
from purrr_server.services.cats import find_cat

router = APIRouter(prefix="/cats", tags=["cats"])

CatId = Annotated[int, Path(ge=1, description="The cat's id.")]
IfMatch = Annotated[str | None, Header(description='The version edited against, e.g. "3".')]


class CreateCat(BaseModel):
    """Adopt a cat. Without a genotype, a realistic one is rolled from the action's seed."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=200, examples=["Whiskers"])
    personality_type: str = Field(..., examples=["playful"])
    breed: Label | None = None
    sex: Literal["male", "female"] | None = None
    genotype: str | None = Field(None, max_length=500)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)


class UpdateCat(BaseModel):
    """Edit a cat. Send its current `version` (or `If-Match`) to refuse lost updates."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    description: Description | None = None
    is_public: bool | None = None
    version: int | None = Field(None, ge=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return clean_name(value) if value is not None else None


def expected_version(if_match: str | None, body_version: int | None = None) -> int | None:
    """The version the client edits against: `If-Match: "3"` (or W/"3") or the body's `version`."""
    if if_match is None or if_match.strip() == "*":
        return body_version
    raw = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(raw)
    except ValueError:
        raise ApiError(
            "BAD_REQUEST",
            'If-Match must be the cat\'s version, e.g. "3"',
            details={"field": "If-Match", "value": if_match},
        ) from None


@router.get("", summary="List your cats")
async def list_cats(request: Request, paging: Paging, who: Caller) -> Response:
    await bring_to_now(request, who.user)
    store = runtime_of(request).store.read
    now = runtime_of(request).settings.now()
    cats = await store.cats.list(who.user.id, paging.limit, paging.offset)
    total = await store.cats.count(who.user.id)
    return ok(request, [cat_json(c, now) for c in cats], headers={"X-Total-Count": str(total)})


@router.post("", status_code=201, summary="Adopt a cat")
async def create_cat(request: Request, body: CreateCat, who: Caller) -> Response:
    return await run_action(request, who.user, "cats.adopt", body.model_dump(exclude_none=True))


@router.get("/status", summary="Care status of all your cats")
async def cats_status(request: Request, who: Caller) -> Response:
    await bring_to_now(request, who.user)
    runtime = runtime_of(request)
    now = runtime.settings.now()
    out = []
    for cat in await runtime.store.read.cats.list(who.user.id):
        shown = cat_json(cat, now)
        out.append(
            {key: shown[key] for key in ("id", "name", "mood_label", "care", "level")}
            | {"stats": {k: shown[k] for k in cat.stats()}}
        )
    return ok(request, out)


@router.get("/{cat_id}", summary="One cat, brought to now")
async def get_cat(request: Request, cat_id: CatId, who: Caller) -> Response:
    await bring_to_now(request, who.user)
    runtime = runtime_of(request)
    cat = await find_cat(runtime.store.read, who.user.id, cat_id)
    return ok(request, cat_json(cat, runtime.settings.now()), headers={"ETag": f'"{cat.version}"'})


@router.put("/{cat_id}", summary="Edit name, description, is_public")
async def update_cat(
    request: Request, body: UpdateCat, cat_id: CatId, who: Caller, if_match: IfMatch = None
) -> Response:
    args = body.model_dump(exclude={"version"}, exclude_none=True)
    args["cat_id"] = cat_id
    args["expected_version"] = expected_version(if_match, body.version)
    return await run_action(request, who.user, "cats.update", args)


@router.delete("/{cat_id}", summary="Delete a cat")
async def delete_cat(
    request: Request, cat_id: CatId, who: Caller, if_match: IfMatch = None
) -> Response:
    args = {"cat_id": cat_id, "expected_version": expected_version(if_match)}
    return await run_action(request, who.user, "cats.delete", args)


@router.get("/{cat_id}/history", summary="The cat's action log, newest first")
async def cat_history(
    request: Request,
    cat_id: CatId,
    paging: Paging,
    who: Caller,
) -> Response:
    store = runtime_of(request).store.read
    await find_cat(store, who.user.id, cat_id)
    entries = await store.actions.for_cat(who.user.id, cat_id, paging.limit, paging.offset)
    total = await store.actions.count_for_cat(who.user.id, cat_id)
    return ok(request, entries, headers={"X-Total-Count": str(total)})
