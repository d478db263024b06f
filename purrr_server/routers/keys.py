"""`/api/v1/keys`: API keys (`pk_` + 64 hex), shown once on creation, stored hashed."""

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.requests import Request
from starlette.responses import Response

from purrr_server.actions import MAX_ID
from purrr_server.auth import Admin
from purrr_server.envelope import ok
from purrr_server.http import Envelope, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.accounts import CreateKeyArgs, Deleted, KeyInfo, NewKey

router = APIRouter(prefix="/keys", tags=["keys"])


@router.post(
    "",
    status_code=201,
    summary="Create an API key (the key is returned only here)",
    response_model=Envelope[NewKey],
)
async def create_key(request: Request, body: CreateKeyArgs, who: Admin) -> Response:
    return await run_action(request, who, "keys.create", body)


@router.get(
    "", summary="Your API keys (without the secrets)", response_model=Envelope[list[KeyInfo]]
)
async def list_keys(request: Request, who: Admin) -> Response:
    return ok(request, await runtime_of(request).store.read.credentials.keys(who.user.id))


@router.delete("/{key_id}", summary="Revoke an API key", response_model=Envelope[Deleted])
async def delete_key(
    request: Request, key_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Admin
) -> Response:
    response = await run_action(request, who, "keys.delete", {"key_id": key_id})
    runtime_of(request).forget_user(who.user.id)
    return response
