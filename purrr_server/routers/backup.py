"""`/api/v1/backup`: the player's game as a restorable backup, and restoring one (docs/sync.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_server.actions import execute
from purrr_server.auth import Admin, Caller
from purrr_server.envelope import ok, request_id
from purrr_server.http import Envelope, idempotency_key
from purrr_server.runtime import runtime_of
from purrr_server.sync import backup

router = APIRouter(prefix="/backup", tags=["backup"])


class RestoreOut(backup.Restored):
    previous: str | None = Field(None, description="Where the replaced local game was backed up.")


@router.get(
    "",
    summary="Your game as a restorable backup (the GDPR export, with its schema)",
    response_model=Envelope[dict[str, Any]],
)
async def export(request: Request, who: Admin) -> Response:
    return ok(request, await backup.export_game(runtime_of(request), who.user.id))


@router.post(
    "/restore",
    summary="Replace your game by a backup's, in one transaction",
    response_model=Envelope[RestoreOut],
)
async def restore(request: Request, body: backup.RestoreArgs, who: Caller) -> Response:
    """On a local game, the game it replaces is first written to a backup file (`previous`)."""
    runtime = runtime_of(request)
    previous = None
    backup.check_backup(body.backup, await runtime.store.applied_migrations())  # refuse early
    if body.replace and not runtime.settings.hosted:
        if await backup.game_rows(runtime.store.read.sync_local, who.user.id):
            path = backup.default_path(runtime, "before-restore")
            previous = await backup.write_backup(runtime, who.user.id, path)
    outcome = await execute(
        runtime,
        who.user,
        "game.restore",
        body,
        via="http",
        scopes=who.scopes,
        idempotency_key=idempotency_key(request),
        request_id=request_id(request),
    )
    return ok(request, {**outcome.result, "previous": previous})
