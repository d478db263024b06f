"""`/api/v1/account`: GDPR export of everything a user owns, and account deletion."""

import asyncio

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from purrr_server.auth import Owner
from purrr_server.envelope import ApiError, ok
from purrr_server.http import run_action
from purrr_server.runtime import runtime_of
from purrr_server.store.accounts import export_user

router = APIRouter(prefix="/account", tags=["account"])


@router.get("/export", summary="All of your data as JSON")
async def export(request: Request, who: Owner) -> Response:
    runtime = runtime_of(request)
    data = await asyncio.to_thread(export_user, runtime.settings.db_path, who.user.id)
    return ok(request, {"exported_at": runtime.settings.now().isoformat(), "tables": data})


@router.delete("", summary="Delete your account and all its data")
async def delete_account(request: Request, who: Owner) -> Response:
    if who.user.is_local:
        raise ApiError(
            "FORBIDDEN", "the local player cannot be deleted; remove the data directory instead"
        )
    response = await run_action(request, who.user, "account.delete", {})
    runtime_of(request).forget_user(who.user.id)
    return response
