"""`/api/v1/auth`: register, login, logout, profile (accounts exist in hosted mode)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.models import Label
from purrr_server.auth import (
    Caller,
    check_login_throttle,
    check_password,
    client_ip,
    enforce_rate_limit,
    log_security,
    record_login_failure,
)
from purrr_server.envelope import ApiError, ok
from purrr_server.http import Envelope, run_action
from purrr_server.presenters import player_json
from purrr_server.runtime import runtime_of
from purrr_server.services.accounts import (
    LoggedOut,
    Profile,
    RegisterArgs,
    Session,
    clock_json,
)

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Label
    password: str = Field(..., min_length=1, max_length=256)


class ProfileOut(Profile):
    auth: str
    scopes: list[str]
    player_level: int = Field(description="The account level: floor(player_xp / 1000) + 1.")
    player_xp: int = Field(description="XP of your cats plus the quest XP claimed without a cat.")
    player_xp_to_next: int
    effective_timezone: str = Field(
        description="The zone your time-of-day rules read: `timezone`, else the server's."
    )


async def hosted_only(request: Request) -> None:
    """Accounts are a hosted-mode feature; anonymous calls count against the caller's IP."""
    runtime = runtime_of(request)
    if not runtime.settings.hosted:
        raise ApiError(
            "FORBIDDEN",
            "accounts exist only on a hosted server (purrr server run "
            "--hosted); the local server has one player",
        )
    await enforce_rate_limit(request, runtime, f"ip:{client_ip(request)}", "free", None)


Hosted = Annotated[None, Depends(hosted_only)]


@router.post(
    "/register", status_code=201, summary="Create an account", response_model=Envelope[Profile]
)
async def register(request: Request, body: RegisterArgs, _: Hosted) -> Response:
    return await run_action(request, None, "auth.register", body)


@router.post(
    "/login",
    summary="Exchange username and password for a bearer token",
    response_model=Envelope[Session],
)
async def login(request: Request, body: Login, _: Hosted) -> Response:
    runtime = runtime_of(request)
    ip = client_ip(request)
    await check_login_throttle(runtime, body.username, ip)
    user = await check_password(runtime, body.username, body.password)
    if user is None:
        failures = await record_login_failure(runtime, body.username, ip)
        known = await runtime.store.read.users.credentials(body.username)
        user_id = known[0].id if known else None
        await log_security(
            runtime, "login_failed", request, user_id, username=body.username, failures=failures
        )
        if failures >= runtime.settings.login_max_failures:
            await log_security(runtime, "login_locked", request, user_id, username=body.username)
        raise ApiError("UNAUTHORIZED", "invalid username or password")
    return await run_action(request, None, "auth.login", {"user_id": user.id})


@router.post(
    "/logout",
    summary="Revoke the bearer token of this request",
    response_model=Envelope[LoggedOut],
)
async def logout(request: Request, who: Caller) -> Response:
    if who.kind == "api_key":
        raise ApiError(
            "BAD_REQUEST",
            "logout revokes bearer tokens; delete API keys with DELETE /api/v1/keys/{id}",
        )
    if who.kind == "oauth":
        raise ApiError(
            "BAD_REQUEST",
            "logout ends login sessions; a client revokes its OAuth2 tokens with "
            "POST /api/v1/oauth/revoke",
        )
    response = await run_action(request, who, "auth.logout", {"token_hash": who.token_hash})
    runtime_of(request).auth_cache.pop(who.token_hash, None)
    return response


@router.get("/profile", summary="The authenticated account", response_model=Envelope[ProfileOut])
async def profile(request: Request, who: Caller) -> Response:
    player = await player_json(runtime_of(request).store.read, who.user.id)
    runtime = runtime_of(request)
    clock = clock_json(runtime.settings, who.user, runtime.settings.now())
    shown = {
        **who.user.public(),
        "auth": who.kind,
        "scopes": sorted(who.scopes),
        **player,
        "effective_timezone": clock["effective_timezone"],
    }
    return ok(request, shown)
