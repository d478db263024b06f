"""OAuth2 actions (hosted mode, docs/oauth.md): client registration, the player's approval, the
token endpoint's three grants, revocation.

None of them syncs: clients, codes and tokens are credentials of the server that issued them.
`oauth.token` and `oauth.revoke` are anonymous (the client, not a player, calls them): like every
anonymous action they write on the system counter (the executor's rule, `purrr_server.actions`),
and they set `ctx.user` to the player the grant belongs to, so the action log and the events
are that player's, at a version of theirs.
Refusals raise `OAuthError` and change nothing, except the reuse of a spent code or a rotated
refresh token: that answers `invalid_grant` *and* revokes the whole grant (RFC 6749 §4.1.2,
OAuth 2.0 Security BCP §4.14), so the handler returns the refusal instead of raising, and the
revocation commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from purrr_core.errors import NotFound
from purrr_server import oauth
from purrr_server.actions import ActionArgs, ActionContext, ActionResult, Label, action
from purrr_server.auth import hash_secret
from purrr_server.envelope import ApiError
from purrr_server.oauth import OAuthError
from purrr_server.store.base import Session
from purrr_server.store.oauth import OAuthClient

ClientScope = Literal["read", "write", "admin"]
Secret = str
_SHORT = 300


def _hosted(ctx: ActionContext) -> None:
    if not ctx.settings.hosted:
        raise ApiError("FORBIDDEN", oauth.HOSTED_ONLY)


def _operator(ctx: ActionContext) -> None:
    """Clients are managed by the operator (the server's own CLI) or an admin account."""
    if ctx.via == "internal":
        return
    if ctx.user is None or ctx.user.role != "admin":
        raise ApiError("FORBIDDEN", "only an administrator may manage OAuth2 clients")


def _default_scopes() -> list[ClientScope]:
    return ["read", "write"]


class RegisterClientArgs(ActionArgs):
    name: Label = Field(..., examples=["Cat Tracker"])
    redirect_uris: list[str] = Field(default_factory=list, max_length=10)
    scopes: list[ClientScope] = Field(default_factory=_default_scopes, min_length=1, max_length=3)
    confidential: bool = Field(
        True, description="Gets a client secret; false: a public client (PKCE only)."
    )
    owner: str | None = Field(
        None,
        max_length=32,
        description="Username whose account client-credentials tokens act as (confidential).",
    )

    @field_validator("redirect_uris")
    @classmethod
    def _uris(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(oauth.check_redirect_uri(v) for v in values))

    @field_validator("scopes")
    @classmethod
    def _unique(cls, values: list[ClientScope]) -> list[ClientScope]:
        return sorted(set(values))


class ClientInfo(ActionResult):
    client_id: str
    name: str
    type: Literal["public", "confidential"]
    redirect_uris: list[str]
    scopes: list[str]
    user_id: int | None
    created_at: str


class NewClient(ClientInfo):
    client_secret: str | None = Field(
        None, description="Confidential clients only; shown only in this response."
    )


class ClientIdArgs(ActionArgs):
    client_id: str = Field(..., min_length=1, max_length=100)


class ClientRevoked(ActionResult):
    client_id: str
    revoked: bool
    tokens_revoked: int


class AuthorizeArgs(ActionArgs):
    """What the player approves: a client, where the code goes, the scopes and the PKCE
    challenge (S256 only)."""

    client_id: str = Field(..., min_length=1, max_length=100)
    redirect_uri: str | None = Field(None, max_length=2000)
    scope: str | None = Field(None, max_length=_SHORT)
    code_challenge: str = Field(..., min_length=1, max_length=128)
    code_challenge_method: str = Field("S256", max_length=20)


class Authorized(ActionResult):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: str


class TokenArgs(ActionArgs):
    """A token request (RFC 6749 §4.1.3, §4.4.2, §6), as the route parsed it from the form."""

    grant_type: str = Field(..., max_length=100)
    client_id: str | None = Field(None, max_length=100)
    client_secret: Secret | None = Field(None, max_length=_SHORT)
    code: Secret | None = Field(None, max_length=_SHORT)
    redirect_uri: str | None = Field(None, max_length=2000)
    code_verifier: Secret | None = Field(None, max_length=_SHORT)
    refresh_token: Secret | None = Field(None, max_length=_SHORT)
    scope: str | None = Field(None, max_length=_SHORT)


class TokenOut(ActionResult):
    """A token response (RFC 6749 §5.1), or, when a spent code or rotated refresh token came back
    and its grant was revoked, `error` and `error_description` instead."""

    access_token: str | None = None
    token_type: Literal["Bearer"] | None = None
    expires_in: int | None = None
    refresh_token: str | None = None
    scope: str | None = None
    error: str | None = None
    error_description: str | None = None


class RevokeArgs(ActionArgs):
    token: Secret = Field(..., min_length=1, max_length=_SHORT)
    token_type_hint: str | None = Field(None, max_length=50)
    client_id: str | None = Field(None, max_length=100)
    client_secret: Secret | None = Field(None, max_length=_SHORT)


class Revoked(ActionResult):
    revoked: int


@action(
    "oauth.client_register",
    args=RegisterClientArgs,
    result=NewClient,
    status_code=201,
    scope="admin",
    anonymous=True,
    syncs=False,
    secret_result=("client_secret",),
)
async def register_client(ctx: ActionContext, args: RegisterClientArgs) -> dict[str, Any]:
    _hosted(ctx)
    _operator(ctx)
    owner_id = None
    if args.owner is not None:
        if not args.confidential:
            raise ApiError(
                "VALIDATION_ERROR",
                "a public client cannot act as an account (client credentials need a secret); "
                "drop the owner or make the client confidential",
                details={"field": "owner", "value": args.owner},
            )
        found = await ctx.store.users.credentials(args.owner)
        if found is None:
            raise NotFound(f"no account named {args.owner!r}", details={"owner": args.owner})
        owner_id = found[0].id
    if not args.redirect_uris and owner_id is None:
        raise ApiError(
            "VALIDATION_ERROR",
            "a client needs a redirect URI (authorization code) or an owner (client credentials)",
            details={"field": "redirect_uris"},
        )
    secret = oauth.new_secret(oauth.CLIENT_SECRET_PREFIX) if args.confidential else None
    client = await ctx.store.oauth.add_client(
        client_id=oauth.new_client_id(),
        name=args.name,
        secret_hash=hash_secret(secret) if secret else None,
        redirect_uris=list(args.redirect_uris),
        scopes=list(args.scopes),
        user_id=owner_id,
        now=ctx.stamp,
    )
    return {**client.view(), "client_secret": secret}


@action(
    "oauth.client_revoke",
    args=ClientIdArgs,
    result=ClientRevoked,
    scope="admin",
    anonymous=True,
    syncs=False,
)
async def revoke_client(ctx: ActionContext, args: ClientIdArgs) -> dict[str, Any]:
    _operator(ctx)
    if await ctx.store.oauth.client(args.client_id) is None:
        raise NotFound(
            f"OAuth2 client {args.client_id} not found", details={"client_id": args.client_id}
        )
    revoked = await ctx.store.oauth.revoke_client(args.client_id, ctx.stamp)
    return {"client_id": args.client_id, "revoked": True, "tokens_revoked": len(revoked)}


async def client_for_authorization(
    session: Session, client_id: str, redirect_uri: str | None
) -> tuple[OAuthClient, str]:
    """The client and the redirect URI a code will be sent to: a registered one, exactly (the
    only one when none is named). Refused outright, never redirected (RFC 6749 §4.1.2.1)."""
    client = await session.oauth.client(client_id)
    if client is None:
        raise NotFound(f"unknown OAuth2 client {client_id!r}", details={"client_id": client_id})
    if not client.redirect_uris:
        raise ApiError(
            "BAD_REQUEST",
            f"client {client_id} has no redirect URI: it uses client credentials only",
            details={"client_id": client_id},
        )
    if redirect_uri is None:
        if len(client.redirect_uris) > 1:
            raise ApiError(
                "VALIDATION_ERROR",
                "redirect_uri is required: this client registered several",
                details={"field": "redirect_uri"},
            )
        return client, client.redirect_uris[0]
    if redirect_uri not in client.redirect_uris:
        raise ApiError(
            "VALIDATION_ERROR",
            f"redirect_uri {redirect_uri!r} is not registered for client {client_id}",
            details={"field": "redirect_uri", "value": redirect_uri},
        )
    return client, redirect_uri


def check_challenge(method: str, challenge: str) -> None:
    if method != "S256":
        raise OAuthError(
            "invalid_request",
            f"code_challenge_method {method!r} is not supported: use S256 "
            "(plain sends the verifier's equal in clear)",
        )
    if not oauth.valid_challenge(challenge):
        raise OAuthError(
            "invalid_request",
            "code_challenge must be BASE64URL(SHA256(code_verifier)) without padding "
            "(43 characters)",
        )


@action(
    "oauth.authorize",
    args=AuthorizeArgs,
    result=Authorized,
    status_code=201,
    scope="admin",
    syncs=False,
    secret_result=("code",),
)
async def authorize(ctx: ActionContext, args: AuthorizeArgs) -> dict[str, Any]:
    """The player approves `client_id` for `scope`: a single-use code, bound to the PKCE
    challenge and the redirect URI, valid for five minutes."""
    _hosted(ctx)
    client, redirect_uri = await client_for_authorization(
        ctx.store, args.client_id, args.redirect_uri
    )
    check_challenge(args.code_challenge_method, args.code_challenge)
    scopes = oauth.parse_scope(args.scope, client.scopes, what="this client may ask for")
    code = oauth.new_secret(oauth.CODE_PREFIX)
    expires = (ctx.now + oauth.CODE_TTL).isoformat()
    await ctx.store.oauth.add_code(
        code_hash=hash_secret(code),
        client_ref=client.ref,
        user_id=ctx.user_id,
        # "" when the request named none: the token request need not name one either
        redirect_uri=args.redirect_uri or "",
        scopes=scopes,
        code_challenge=args.code_challenge,
        family=oauth.new_family(),
        expires_at=expires,
        now=ctx.stamp,
    )
    ctx.emit(
        "oauth.client_authorized",
        {"client_id": client.client_id, "name": client.name, "scopes": scopes},
    )
    return {
        "code": code,
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": oauth.scope_text(scopes),
        "expires_at": expires,
    }


async def _client(ctx: ActionContext, client_id: str | None, secret: str | None) -> OAuthClient:
    """Authenticate the client (RFC 6749 §2.3): a confidential one by its secret, a public one
    by its id alone (its proof is the PKCE verifier)."""
    client = await ctx.store.oauth.client(client_id) if client_id else None
    if client is None:
        raise OAuthError("invalid_client", "unknown client or wrong client secret")
    if client.public:
        if secret:
            raise OAuthError("invalid_client", "a public client has no secret to send")
        return client
    if not oauth.secret_matches(client.secret_hash, secret):
        raise OAuthError("invalid_client", "unknown client or wrong client secret")
    return client


def _expired(expires_at: str, now: datetime) -> bool:
    return datetime.fromisoformat(expires_at) <= now


async def _issue(
    ctx: ActionContext,
    client: OAuthClient,
    user_id: int,
    access_scopes: list[str],
    family: str,
    refresh_scopes: list[str] | None,
) -> dict[str, Any]:
    """Write a new access token (and refresh token) and return the token response."""
    access = oauth.new_secret(oauth.ACCESS_PREFIX)
    ttl = oauth.ACCESS_TTL
    await ctx.store.oauth.add_token(
        token_hash=hash_secret(access),
        kind="access",
        client_ref=client.ref,
        user_id=user_id,
        scopes=access_scopes,
        family=family,
        expires_at=(ctx.now + ttl).isoformat(),
        now=ctx.stamp,
    )
    response: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(ttl.total_seconds()),
        "scope": oauth.scope_text(access_scopes),
    }
    if refresh_scopes is not None:
        refresh = oauth.new_secret(oauth.REFRESH_PREFIX)
        await ctx.store.oauth.add_token(
            token_hash=hash_secret(refresh),
            kind="refresh",
            client_ref=client.ref,
            user_id=user_id,
            scopes=refresh_scopes,
            family=family,
            expires_at=(ctx.now + oauth.REFRESH_TTL).isoformat(),
            now=ctx.stamp,
        )
        response["refresh_token"] = refresh
    return response


async def _as_user(ctx: ActionContext, user_id: int) -> None:
    user = await ctx.store.users.get(user_id)
    if user is None:
        raise OAuthError("invalid_grant", "the account of this grant no longer exists")
    ctx.user = user


async def _revoke_grant(ctx: ActionContext, family: str, user_id: int, why: str) -> dict[str, Any]:
    """Replay of a one-time secret: revoke every token of the grant; answer invalid_grant."""
    revoked = await ctx.store.oauth.revoke_family(family, ctx.stamp)
    await _as_user(ctx, user_id)
    ctx.emit("oauth.grant_revoked", {"reason": why, "tokens_revoked": len(revoked)})
    return {
        "error": "invalid_grant",
        "error_description": f"{why}; every token of this grant is revoked",
    }


def _same_redirect(given: str | None, issued_for: str, client: OAuthClient) -> bool:
    """RFC 6749 §4.1.3: the token request repeats the authorization request's redirect_uri,
    exactly; when that request named none (the client's only one was used), any registered one
    or none at all."""
    if issued_for:
        return given == issued_for
    return given is None or given in client.redirect_uris


async def _code_grant(ctx: ActionContext, client: OAuthClient, args: TokenArgs) -> dict[str, Any]:
    if not args.code:
        raise OAuthError("invalid_request", "code is required")
    if not args.code_verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
    code = await ctx.store.oauth.code(hash_secret(args.code))
    if code is None or code.client_ref != client.ref:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if code.used_at is not None:
        return await _revoke_grant(ctx, code.family, code.user_id, "this code was already used")
    if _expired(code.expires_at, ctx.now):
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if not _same_redirect(args.redirect_uri, code.redirect_uri, client):
        raise OAuthError("invalid_grant", "redirect_uri must be the one the code was issued for")
    if not oauth.pkce_matches(args.code_verifier, code.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    if not await ctx.store.oauth.use_code(code.id, ctx.stamp):
        return await _revoke_grant(ctx, code.family, code.user_id, "this code was already used")
    await _as_user(ctx, code.user_id)
    scopes = list(code.scopes)
    return await _issue(ctx, client, code.user_id, scopes, code.family, scopes)


async def _refresh_grant(
    ctx: ActionContext, client: OAuthClient, args: TokenArgs
) -> dict[str, Any]:
    if not args.refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    token = await ctx.store.oauth.token(hash_secret(args.refresh_token))
    if token is None or token.kind != "refresh" or token.client_ref != client.ref:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if token.revoked_at is not None:
        raise OAuthError("invalid_grant", "this refresh token was revoked")
    if token.rotated_at is not None:
        return await _revoke_grant(
            ctx, token.family, token.user_id, "this refresh token was already used"
        )
    if _expired(token.expires_at, ctx.now):
        raise OAuthError("invalid_grant", "the refresh token has expired")
    scopes = oauth.parse_scope(args.scope, token.scopes, what="this grant holds")
    if not await ctx.store.oauth.rotate(token.id, ctx.stamp):
        return await _revoke_grant(
            ctx, token.family, token.user_id, "this refresh token was already used"
        )
    await _as_user(ctx, token.user_id)
    # The new refresh token keeps the grant's scopes (RFC 6749 §6); only the access token narrows.
    return await _issue(ctx, client, token.user_id, scopes, token.family, list(token.scopes))


async def _client_credentials(
    ctx: ActionContext, client: OAuthClient, args: TokenArgs
) -> dict[str, Any]:
    if client.public or client.user_id is None:
        raise OAuthError(
            "unauthorized_client",
            "this client may not use client credentials: it needs a secret and an owner account",
        )
    scopes = oauth.parse_scope(args.scope, client.scopes, what="this client may ask for")
    await _as_user(ctx, client.user_id)
    # No refresh token (RFC 6749 §4.4.3): the client can always ask again.
    return await _issue(ctx, client, client.user_id, scopes, oauth.new_family(), None)


GRANTS = {
    "authorization_code": _code_grant,
    "refresh_token": _refresh_grant,
    "client_credentials": _client_credentials,
}


@action(
    "oauth.token",
    args=TokenArgs,
    result=TokenOut,
    anonymous=True,
    syncs=False,
    secret_args=("client_secret", "code", "code_verifier", "refresh_token"),
    secret_result=("access_token", "refresh_token"),
)
async def token(ctx: ActionContext, args: TokenArgs) -> dict[str, Any]:
    _hosted(ctx)
    grant = GRANTS.get(args.grant_type)
    if grant is None:
        raise OAuthError(
            "unsupported_grant_type",
            f"grant_type {args.grant_type!r} is not supported: use {', '.join(GRANTS)}",
        )
    client = await _client(ctx, args.client_id, args.client_secret)
    return await grant(ctx, client, args)


@action(
    "oauth.revoke",
    args=RevokeArgs,
    result=Revoked,
    anonymous=True,
    syncs=False,
    secret_args=("token", "client_secret"),
)
async def revoke(ctx: ActionContext, args: RevokeArgs) -> dict[str, Any]:
    """RFC 7009: revoke a token the calling client holds. A refresh token takes its whole grant
    with it; an unknown token, or another client's, is not an error (nothing is revealed)."""
    _hosted(ctx)
    client = await _client(ctx, args.client_id, args.client_secret)
    found = await ctx.store.oauth.token(hash_secret(args.token))
    if found is None or found.client_ref != client.ref:
        return {"revoked": 0}
    await _as_user(ctx, found.user_id)
    if found.kind == "refresh":
        revoked = await ctx.store.oauth.revoke_family(found.family, ctx.stamp)
    else:
        revoked = await ctx.store.oauth.revoke_token(found.id, ctx.stamp)
    return {"revoked": len(revoked)}
