"""`/api/v1/oauth`: OAuth2 for third-party clients (hosted mode; docs/oauth.md).

`/token` and `/revoke` speak RFC 6749 / RFC 7009 rather than the purrr envelope, since OAuth2
client libraries read them: form-encoded requests, client authentication by HTTP Basic or form
fields, `{"access_token", …}` on success and `{"error", "error_description"}` on refusal. The
player's consent step (`/authorize`) and client management use the envelope like every route.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from purrr_server import oauth
from purrr_server.actions import execute
from purrr_server.auth import Admin, Caller, Principal, client_ip, enforce_rate_limit
from purrr_server.envelope import ApiError, ok, request_id
from purrr_server.http import Envelope, run_action
from purrr_server.oauth import OAuthError
from purrr_server.runtime import runtime_of
from purrr_server.services.oauth import (
    AuthorizeArgs,
    Authorized,
    ClientIdArgs,
    ClientInfo,
    ClientRevoked,
    NewClient,
    RegisterClientArgs,
    check_challenge,
    client_for_authorization,
)

router = APIRouter(prefix="/oauth", tags=["oauth"])

#: RFC 6749 §5.1: token responses must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: The form fields each endpoint passes to its action; nothing else is read from a form.
TOKEN_FIELDS = (
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
)
REVOKE_FIELDS = ("token", "token_type_hint", "client_id", "client_secret")
_FORM_FIELDS = frozenset(TOKEN_FIELDS + REVOKE_FIELDS)


def hosted_only(request: Request) -> None:
    """OAuth2 exists on hosted servers only."""
    if not runtime_of(request).settings.hosted:
        raise ApiError("FORBIDDEN", oauth.HOSTED_ONLY)


async def hosted_anonymous(request: Request) -> None:
    """`hosted_only` for the client-facing endpoints, counted against the caller's IP (the
    player's own routes count against the player, through `Caller`)."""
    hosted_only(request)
    runtime = runtime_of(request)
    await enforce_rate_limit(request, runtime, f"ip:{client_ip(request)}", "free", None)


#: Declared before `Caller`, so a local server says "hosted only" before asking for credentials.
Hosted = Annotated[None, Depends(hosted_only)]
HostedAnonymous = Annotated[None, Depends(hosted_anonymous)]


def _player(who: Principal) -> Principal:
    """Only the player's own session approves a client: not an API key, not another client."""
    if who.kind not in ("session", "local"):
        raise ApiError(
            "FORBIDDEN",
            "approve OAuth2 clients with your login session (purrr auth login), "
            "not an API key or another client's token",
        )
    return who


def _administrator(who: Principal) -> Principal:
    if who.user.role != "admin":
        raise ApiError(
            "FORBIDDEN",
            "only an administrator may manage OAuth2 clients; operators use "
            "'purrr server oauth-client add' on the server's data directory",
        )
    return who


class Consent(BaseModel):
    """What the player is asked to approve (GET /oauth/authorize)."""

    client_id: str
    name: str
    redirect_uri: str
    scopes: list[str]
    state: str | None


class Decision(BaseModel):
    """The player's answer (POST /oauth/authorize): the authorization request's parameters and
    `decision`."""

    model_config = ConfigDict(extra="forbid")
    response_type: Literal["code"] = "code"
    client_id: str = Field(..., min_length=1, max_length=100)
    redirect_uri: str | None = Field(None, max_length=2000)
    scope: str | None = Field(None, max_length=300)
    state: str | None = Field(None, max_length=500)
    code_challenge: str = Field(..., min_length=1, max_length=128)
    code_challenge_method: str = Field("S256", max_length=20)
    decision: Literal["approve", "deny"] = "approve"


class Redirect(BaseModel):
    """Where the player's browser would go next: hand `redirect_to` (or `code`) to the client."""

    redirect_to: str
    code: str | None = None
    state: str | None = None
    scope: str | None = None
    expires_at: str | None = None
    error: str | None = None


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 (not the envelope: OAuth2 client libraries read it)."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    refresh_token: str | None = Field(None, description="Not for client credentials.")


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2: `invalid_request`, `invalid_client` (401), `invalid_grant`,
    `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`."""

    error: str
    error_description: str


class RevokedBody(BaseModel):
    """RFC 7009 §2.2: an empty object, whether or not the token was known."""


def _refused(error: OAuthError) -> ApiError:
    return ApiError(
        "VALIDATION_ERROR" if error.error == "invalid_scope" else "BAD_REQUEST",
        error.description,
        details={"error": error.error},
    )


@router.get(
    "/authorize",
    summary="What a client asks for (the consent step's first half)",
    response_model=Envelope[Consent],
)
async def consent(
    request: Request,
    _: Hosted,
    who: Caller,
    client_id: Annotated[str, Query(min_length=1, max_length=100)],
    code_challenge: Annotated[str, Query(min_length=1, max_length=128)],
    response_type: Annotated[Literal["code"], Query()] = "code",
    redirect_uri: Annotated[str | None, Query(max_length=2000)] = None,
    scope: Annotated[str | None, Query(max_length=300)] = None,
    state: Annotated[str | None, Query(max_length=500)] = None,
    code_challenge_method: Annotated[str, Query(max_length=20)] = "S256",
) -> Response:
    _player(who)
    runtime = runtime_of(request)
    client, uri = await client_for_authorization(runtime.store.read, client_id, redirect_uri)
    try:
        check_challenge(code_challenge_method, code_challenge)
        scopes = oauth.parse_scope(scope, client.scopes, what="this client may ask for")
    except OAuthError as error:
        raise _refused(error) from None
    return ok(
        request,
        {
            "client_id": client.client_id,
            "name": client.name,
            "redirect_uri": uri,
            "scopes": scopes,
            "state": state,
        },
    )


@router.post(
    "/authorize",
    summary="Approve (or deny) a client: the code to hand back to it",
    response_model=Envelope[Redirect],
)
async def approve(request: Request, body: Decision, _: Hosted, who: Caller) -> Response:
    _player(who)
    runtime = runtime_of(request)
    client, uri = await client_for_authorization(
        runtime.store.read, body.client_id, body.redirect_uri
    )
    if body.decision == "deny":
        target = oauth.redirect_with(uri, {"error": "access_denied", "state": body.state})
        return ok(request, {"redirect_to": target, "state": body.state, "error": "access_denied"})
    args = AuthorizeArgs(
        client_id=client.client_id,
        redirect_uri=body.redirect_uri,
        scope=body.scope,
        code_challenge=body.code_challenge,
        code_challenge_method=body.code_challenge_method,
    )
    try:
        outcome = await execute(
            runtime,
            who.user,
            "oauth.authorize",
            args,
            via="http",
            scopes=who.scopes,
            request_id=request_id(request),
        )
    except OAuthError as error:
        raise _refused(error) from None
    granted = Authorized.model_validate(outcome.result)
    target = oauth.redirect_with(uri, {"code": granted.code, "state": body.state})
    return ok(
        request,
        {
            "redirect_to": target,
            "code": granted.code,
            "state": body.state,
            "scope": granted.scope,
            "expires_at": granted.expires_at,
        },
        headers=NO_STORE,
    )


async def _form(request: Request) -> dict[str, str]:
    """The form-encoded body (RFC 6749 §3.2) plus HTTP Basic client credentials (§2.3.1)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise OAuthError(
            "invalid_request", "send the parameters as application/x-www-form-urlencoded"
        )
    try:
        pairs = parse_qsl(
            (await request.body()).decode(), keep_blank_values=True, strict_parsing=False
        )
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "the body is not UTF-8") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"parameter {name!r} was sent more than once")
        if name in _FORM_FIELDS and value != "":
            form[name] = value
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "malformed HTTP Basic credentials") from None
        if "client_secret" in form:
            raise OAuthError(
                "invalid_request", "send the client secret once: Basic or form, not both"
            )
        form["client_id"], form["client_secret"] = unquote(user), unquote(password)
    return form


def _oauth_response(body: dict[str, Any], status: int) -> Response:
    return JSONResponse(body, status, headers=NO_STORE)


async def _protocol(request: Request, name: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """Run the form's action anonymously; an OAuthError propagates to the caller."""
    form = await _form(request)
    args = {key: form[key] for key in fields if key in form}
    try:
        outcome = await execute(
            runtime_of(request),
            None,
            name,
            args,
            via="http",
            scopes=frozenset(),
            request_id=request_id(request),
        )
    except ApiError as error:
        if error.code == "VALIDATION_ERROR":
            raise OAuthError("invalid_request", error.message) from None
        raise
    return outcome.result


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749): authorization_code + PKCE, refresh_token, "
    "client_credentials",
    responses={
        200: {"model": TokenResponse, "description": "RFC 6749 §5.1 token response"},
        400: {"model": OAuthErrorBody, "description": "RFC 6749 §5.2 error"},
        401: {"model": OAuthErrorBody, "description": "invalid_client"},
    },
)
async def token(request: Request, _: HostedAnonymous) -> Response:
    try:
        result = await _protocol(request, "oauth.token", TOKEN_FIELDS)
    except OAuthError as error:
        return _oauth_response(error.body(), error.status)
    if result.get("error"):
        oauth.forget_tokens(runtime_of(request))
        return _oauth_response(
            {"error": result["error"], "error_description": result["error_description"]}, 400
        )
    return _oauth_response({k: v for k, v in result.items() if v is not None}, 200)


@router.post(
    "/revoke",
    summary="Revoke an access or refresh token (RFC 7009)",
    responses={
        200: {"model": RevokedBody, "description": "Revoked, or not this client's token"},
        400: {"model": OAuthErrorBody, "description": "RFC 6749 §5.2 error"},
        401: {"model": OAuthErrorBody, "description": "invalid_client"},
    },
)
async def revoke(request: Request, _: HostedAnonymous) -> Response:
    try:
        await _protocol(request, "oauth.revoke", REVOKE_FIELDS)
    except OAuthError as error:
        return _oauth_response(error.body(), error.status)
    oauth.forget_tokens(runtime_of(request))
    return _oauth_response({}, 200)


@router.post(
    "/clients",
    status_code=201,
    summary="Register a client (administrators; the secret is shown only here)",
    response_model=Envelope[NewClient],
)
async def register_client(
    request: Request, body: RegisterClientArgs, _: Hosted, who: Admin
) -> Response:
    return await run_action(request, _administrator(who), "oauth.client_register", body)


@router.get(
    "/clients",
    summary="Registered clients (administrators)",
    response_model=Envelope[list[ClientInfo]],
)
async def list_clients(request: Request, _: Hosted, who: Admin) -> Response:
    _administrator(who)
    clients = await runtime_of(request).store.read.oauth.clients()
    return ok(request, [c.view() for c in clients])


@router.delete(
    "/clients/{client_id}",
    summary="Retire a client and revoke its tokens (administrators)",
    response_model=Envelope[ClientRevoked],
)
async def revoke_client(
    request: Request,
    _: Hosted,
    client_id: Annotated[str, Path(min_length=1, max_length=100)],
    who: Admin,
) -> Response:
    args = ClientIdArgs(client_id=client_id)
    response = await run_action(request, _administrator(who), "oauth.client_revoke", args)
    oauth.forget_tokens(runtime_of(request))
    return response
