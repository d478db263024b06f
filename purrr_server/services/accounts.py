"""Account actions: register, login, logout, API keys, account deletion (GDPR)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from purrr_core import Conflict, InvalidRequest, NotFound
from purrr_server.actions import ActionContext, action
from purrr_server.auth import hash_password, hash_secret, new_api_key, new_session_token
from purrr_server.envelope import ApiError
from purrr_server.settings import Settings
from purrr_server.store.credentials import DEFAULT_SCOPES


async def _hash_password(settings: Settings, args: dict[str, Any]) -> dict[str, Any]:
    """Argon2id before the write transaction opens: hashing takes tens of milliseconds and
    would hold every other player's writes while it runs."""
    password = args.get("password")
    if not isinstance(password, str) or not password:
        raise InvalidRequest("password is required", details={"field": "password"})
    return {**args, "password_hash": await hash_password(password, settings)}


@action(
    "auth.register",
    status_code=201,
    anonymous=True,
    secret_args=("password",),
    syncs=False,
    prepare=_hash_password,
)
async def register(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    username, email = args["username"], args.get("email")
    taken = await ctx.store.users.taken(username, email)
    if taken:
        raise Conflict(
            f"that {taken} is already registered",
            details={"field": taken, "value": args.get(taken)},
        )
    user = await ctx.store.users.create(
        username=username, email=email, password_hash=args["password_hash"], now=ctx.stamp
    )
    ctx.user = user
    return user.public()


@action(
    "auth.login",
    anonymous=True,
    secret_args=("password",),
    secret_result=("access_token",),
    syncs=False,
)
async def login(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Exchange a verified user (checked by the route) for a new session token."""
    user = await ctx.store.users.get(args["user_id"])
    if user is None:
        raise ApiError("UNAUTHORIZED", "invalid username or password")
    ctx.user = user
    token = new_session_token()
    ttl = ctx.settings.token_ttl_seconds
    expires = (ctx.now + timedelta(seconds=ttl)).isoformat()
    await ctx.store.credentials.add_token(
        user.id, hash_secret(token), "session", ctx.stamp, expires
    )
    await ctx.store.users.record_login(user.id, ctx.stamp)
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ttl,
        "expires_at": expires,
        "user": user.public(),
    }


@action("auth.logout", secret_args=("token_hash",), syncs=False)
async def logout(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    revoked = await ctx.store.credentials.revoke_token(args["token_hash"])
    return {"logged_out": revoked}


@action("keys.create", status_code=201, secret_result=("key",), syncs=False)
async def create_key(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    key = new_api_key()
    expires = None
    if args.get("expires_in_days"):
        expires = (ctx.now + timedelta(days=args["expires_in_days"])).isoformat()
    record = await ctx.store.credentials.add_key(
        ctx.user_id,
        name=args.get("name") or "",
        prefix=key[:11],
        key_hash=hash_secret(key),
        scopes=list(args.get("scopes") or DEFAULT_SCOPES),
        allowed_ips=list(args.get("allowed_ips") or []),
        expires_at=expires,
        now=ctx.stamp,
    )
    return {**record, "key": key}


@action("keys.delete", syncs=False)
async def delete_key(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    if not await ctx.store.credentials.delete_key(ctx.user_id, args["key_id"], ctx.stamp):
        raise NotFound(f"API key {args['key_id']} not found", details={"key_id": args["key_id"]})
    return {"id": args["key_id"], "deleted": True}


@action("account.delete", syncs=False)
async def delete_account(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Erase every row the user owns, then the account; the audit row keeps no user id."""
    deleted = await ctx.store.accounts.erase(ctx.user_id)
    ctx.user = None
    return {"deleted": True, "rows": deleted}
