"""`/api/v1/account`: GDPR export of everything a user owns, account deletion, and the player's
time zone."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from purrr_server.auth import Caller, Owner
from purrr_server.envelope import ApiError, ok
from purrr_server.http import Envelope, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.accounts import AccountDeleted, Clock, TimezoneArgs, clock_json
from purrr_server.store.accounts import export_user

router = APIRouter(prefix="/account", tags=["account"])
#: Columns that never leave the server, even to their owner: a TOTP seed in an export (or in a
#: stolen session's hands) would defeat the second factor it exists for.
SECRET_COLUMNS: dict[str, frozenset[str]] = {"totp_secrets": frozenset({"secret", "last_step"})}


def without_secrets(tables: dict[str, Any]) -> dict[str, Any]:
    """The export with every secret column left out."""
    return {
        name: [{k: v for k, v in row.items() if k not in SECRET_COLUMNS[name]} for row in rows]
        if name in SECRET_COLUMNS
        else rows
        for name, rows in tables.items()
    }


class Export(BaseModel):
    exported_at: str
    tables: dict[str, list[dict[str, Any]]]


@router.get("/export", summary="All of your data as JSON", response_model=Envelope[Export])
async def export(request: Request, who: Owner) -> Response:
    runtime = runtime_of(request)
    data = await export_user(runtime.store.read, who.user.id)
    exported = {"exported_at": runtime.settings.now().isoformat(), "tables": without_secrets(data)}
    return ok(request, exported)


@router.delete(
    "", summary="Delete your account and all its data", response_model=Envelope[AccountDeleted]
)
async def delete_account(request: Request, who: Owner) -> Response:
    if who.user.is_local:
        raise ApiError(
            "FORBIDDEN", "the local player cannot be deleted; remove the data directory instead"
        )
    response = await run_action(request, who, "account.delete", {})
    runtime_of(request).forget_user(who.user.id)
    return response


@router.get(
    "/timezone",
    summary="Your clock: your time zone setting, the zone in effect, the time there",
    response_model=Envelope[Clock],
)
async def timezone(request: Request, who: Caller) -> Response:
    runtime = runtime_of(request)
    return ok(request, clock_json(runtime.settings, who.user, runtime.settings.now()))


@router.put(
    "/timezone",
    summary="Set your time zone (IANA name; null: the server's)",
    response_model=Envelope[Clock],
)
async def set_timezone(request: Request, body: TimezoneArgs, who: Caller) -> Response:
    response = await run_action(request, who, "account.timezone", body)
    runtime_of(request).forget_user(who.user.id)  # cached credentials carry the old zone
    return response
