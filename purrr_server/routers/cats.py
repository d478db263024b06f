"""`/api/v1/cats`: adopt, list, read, edit, delete, history and care status (care actions:
`purrr_server.routers.care`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from purrr_server.actions import MAX_ID, ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.hot import delete_args, edit_args, etag, load_cat, load_cats, total_count
from purrr_server.http import Envelope, Paging, run_action
from purrr_server.lazy import bring_to_now
from purrr_server.presenters import cat_json
from purrr_server.runtime import runtime_of
from purrr_server.services.cats import (
    AdoptArgs,
    CatEdit,
    CatOut,
    Deleted,
    find_cat,
)

router = APIRouter(prefix="/cats", tags=["cats"])

CatId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cat's id.")]
IfMatch = Annotated[str | None, Header(description='The version edited against, e.g. "3".')]


class CatStatus(BaseModel):
    id: int
    name: str
    mood_label: str
    care: dict[str, Any]
    level: int
    stats: dict[str, int]


class HistoryEntry(ActionResult):
    """One action-log row of the cat (secret arguments are stored as "[redacted]")."""

    id: int
    name: str
    args: dict[str, Any]
    result: dict[str, Any]
    seed: int
    created_at: str
    version: int


@router.get("", summary="List your cats", response_model=Envelope[list[CatOut]])
async def list_cats(request: Request, paging: Paging, who: Caller) -> Response:
    """Served by `purrr_server.hot.HotPaths` unless the query string is unusual."""
    cats, total = await load_cats(request, who.user, paging.limit, paging.offset)
    now = runtime_of(request).settings.now()
    return ok(request, [cat_json(c, now) for c in cats], headers=total_count(total))


@router.post("", status_code=201, summary="Adopt a cat", response_model=Envelope[CatOut])
async def create_cat(request: Request, body: AdoptArgs, who: Caller) -> Response:
    return await run_action(request, who, "cats.adopt", body)


@router.get(
    "/status", summary="Care status of all your cats", response_model=Envelope[list[CatStatus]]
)
async def cats_status(request: Request, who: Caller) -> Response:
    await bring_to_now(request, who.user)
    runtime = runtime_of(request)
    now = runtime.settings.now()
    out = []
    for cat in await runtime.store.read.cats.for_user(who.user.id):
        shown = cat_json(cat, now)
        out.append(
            {key: shown[key] for key in ("id", "name", "mood_label", "care", "level")}
            | {"stats": {k: shown[k] for k in cat.stats()}}
        )
    return ok(request, out)


@router.get("/{cat_id}", summary="One cat, brought to now", response_model=Envelope[CatOut])
async def get_cat(request: Request, cat_id: CatId, who: Caller) -> Response:
    """Served by `purrr_server.hot.HotPaths` (this route answers what it leaves, e.g. under
    a root path)."""
    cat = await load_cat(request, who.user, cat_id)
    return ok(request, cat_json(cat, runtime_of(request).settings.now()), headers=etag(cat))


@router.put(
    "/{cat_id}", summary="Edit name, description, is_public", response_model=Envelope[CatOut]
)
async def update_cat(
    request: Request, body: CatEdit, cat_id: CatId, who: Caller, if_match: IfMatch = None
) -> Response:
    # Served by `purrr_server.hot.HotPaths` (this route answers what it leaves: a body that
    # does not validate, a root path, …).
    return await run_action(request, who, "cats.update", edit_args(cat_id, if_match, body))


@router.delete("/{cat_id}", summary="Delete a cat", response_model=Envelope[Deleted])
async def delete_cat(
    request: Request, cat_id: CatId, who: Caller, if_match: IfMatch = None
) -> Response:
    # Served by `purrr_server.hot.HotPaths` (this route answers what it leaves).
    return await run_action(request, who, "cats.delete", delete_args(cat_id, if_match))


@router.get(
    "/{cat_id}/history",
    summary="The cat's action log, newest first",
    response_model=Envelope[list[HistoryEntry]],
)
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
