"""Account actions: register, login, logout, API keys, account deletion (GDPR).

None of them syncs (`syncs=False`): accounts and credentials belong to the server they were made
on, and `POST /sync/push` refuses them. `auth.login` and `auth.logout` take arguments only the
server's own routes can supply (a user whose password was verified, the hash of the token being
revoked), which is why no other entry point may run them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from pydantic import Field, field_validator

from purrr_core import Conflict, NotFound
from purrr_core.models import LongLabel
from purrr_server.actions import (
    ActionArgs,
    ActionContext,
    ActionResult,
    NoArgs,
    Preparing,
    RowId,
    action,
)
from purrr_server.auth import hash_password, hash_secret, new_api_key, new_session_token
from purrr_server.envelope import ApiError
from purrr_server.settings import Settings
from purrr_server.store.credentials import DEFAULT_SCOPES
from purrr_server.store.users import User

USERNAME = r"^[A-Za-z0-9_.-]{3,32}$"
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
KeyScope = Literal["read", "write", "admin"]


def _default_scopes() -> list[KeyScope]:
    return [cast(KeyScope, scope) for scope in DEFAULT_SCOPES]


class RegisterArgs(ActionArgs):
    username: str = Field(..., pattern=USERNAME, examples=["whisker_fan"])
    email: LongLabel = Field(..., pattern=EMAIL, examples=["fan@example.com"])
    password: str = Field(..., min_length=8, max_length=256)


class Profile(ActionResult):
    id: int
    username: str
    email: str | None
    role: str
    tier: str
    is_local: bool
    created_at: str
    last_login_at: str | None
    timezone: str | None = Field(
        None,
        description="Your time zone (IANA name); null: the server's. Night Watch window, "
        "activity schedules and daily quest resets follow it.",
    )


class LoginArgs(ActionArgs):
    """A user whose password the `/auth/login` route has verified (never a client's input)."""

    user_id: RowId


class Session(ActionResult):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    expires_at: str
    user: Profile


class LogoutArgs(ActionArgs):
    token_hash: str = Field(..., min_length=64, max_length=64)


class LoggedOut(ActionResult):
    logged_out: bool


def _key_name(value: str) -> str:
    """A key's name: empty, or a label like a cat's name (trimmed, no control characters)."""
    from purrr_core.models import clean_name

    return clean_name(value) if value.strip() else ""


class CreateKeyArgs(ActionArgs):
    name: str = Field("", max_length=100, examples=["backup script"])
    scopes: list[KeyScope] = Field(default_factory=_default_scopes, min_length=1, max_length=3)
    expires_in_days: int | None = Field(None, ge=1, le=3650)
    allowed_ips: list[str] = Field(
        default_factory=list, max_length=50, description="Addresses or CIDR networks; empty = any."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _key_name(value)

    @field_validator("allowed_ips")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(v.strip(), strict=False)) for v in values]

    @field_validator("scopes")
    @classmethod
    def _unique(cls, values: list[KeyScope]) -> list[KeyScope]:
        return sorted(set(values))


class KeyInfo(ActionResult):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    allowed_ips: list[str]
    expires_at: str | None
    last_used_at: str | None
    created_at: str


class NewKey(KeyInfo):
    key: str = Field(..., description="The key itself: shown only in this response.")


class DeleteKeyArgs(ActionArgs):
    key_id: RowId


class Deleted(ActionResult):
    id: int
    deleted: bool


class TimezoneArgs(ActionArgs):
    """Your time zone: an IANA name (`Europe/Berlin`: summer time followed) or `UTC±HH:MM`;
    null (or "") goes back to the server's."""

    timezone: str | None = Field(..., max_length=64, examples=["Europe/Berlin"])

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        from purrr_server.services.timezones import checked

        return checked(value.strip()) if value and value.strip() else None


class Clock(ActionResult):
    timezone: str | None = Field(description="Your own setting; null: the server's zone.")
    effective_timezone: str = Field(description="The zone your time-of-day rules read.")
    server_timezone: str
    local_time: str = Field(description="Now on your clock (ISO 8601 with its offset).")


class AccountDeleted(ActionResult):
    deleted: bool
    rows: dict[str, int]


async def _hash_password(prep: Preparing, args: RegisterArgs) -> dict[str, Any]:
    """Argon2id before the write transaction opens: hashing takes tens of milliseconds and
    would hold every other player's writes while it runs."""
    return {"password_hash": await hash_password(args.password, prep.settings)}


@action(
    "auth.register",
    args=RegisterArgs,
    result=Profile,
    status_code=201,
    anonymous=True,
    syncs=False,
    secret_args=("password",),
    prepare=_hash_password,
    binds_player=True,
)
async def register(ctx: ActionContext, args: RegisterArgs) -> dict[str, Any]:
    taken = await ctx.store.users.taken(args.username, args.email)
    if taken:
        raise Conflict(
            f"that {taken} is already registered",
            details={"field": taken, "value": getattr(args, taken, None)},
        )
    user = await ctx.store.users.create(
        username=args.username,
        email=args.email,
        password_hash=ctx.prepared["password_hash"],
        now=ctx.stamp,
    )
    ctx.user = user
    return user.public()


@action(
    "auth.login",
    args=LoginArgs,
    result=Session,
    anonymous=True,
    syncs=False,
    secret_result=("access_token",),
    binds_player=True,
)
async def login(ctx: ActionContext, args: LoginArgs) -> dict[str, Any]:
    """Exchange a verified user (checked by the route) for a new session token."""
    if ctx.via != "http":
        raise ApiError("FORBIDDEN", "log in with POST /api/v1/auth/login")
    user = await ctx.store.users.get(args.user_id)
    if user is None:
        raise ApiError("UNAUTHORIZED", "invalid username or password")
    ctx.user = user
    await ctx.store.act_as(user.id)  # anonymous until now: the session is this player's write
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


@action(
    "auth.logout",
    args=LogoutArgs,
    result=LoggedOut,
    syncs=False,
    secret_args=("token_hash",),
)
async def logout(ctx: ActionContext, args: LogoutArgs) -> dict[str, Any]:
    revoked = await ctx.store.credentials.revoke_token(args.token_hash)
    return {"logged_out": revoked}


@action(
    "keys.create",
    args=CreateKeyArgs,
    result=NewKey,
    status_code=201,
    scope="admin",
    syncs=False,
    secret_result=("key",),
)
async def create_key(ctx: ActionContext, args: CreateKeyArgs) -> dict[str, Any]:
    key = new_api_key()
    expires = None
    if args.expires_in_days:
        expires = (ctx.now + timedelta(days=args.expires_in_days)).isoformat()
    record = await ctx.store.credentials.add_key(
        ctx.user_id,
        name=args.name,
        prefix=key[:11],
        key_hash=hash_secret(key),
        scopes=list(args.scopes),
        allowed_ips=list(args.allowed_ips),
        expires_at=expires,
        now=ctx.stamp,
    )
    return {**record, "key": key}


@action("keys.delete", args=DeleteKeyArgs, result=Deleted, scope="admin", syncs=False)
async def delete_key(ctx: ActionContext, args: DeleteKeyArgs) -> dict[str, Any]:
    if not await ctx.store.credentials.delete_key(ctx.user_id, args.key_id, ctx.stamp):
        raise NotFound(f"API key {args.key_id} not found", details={"key_id": args.key_id})
    return {"id": args.key_id, "deleted": True}


def clock_json(settings: Settings, user: User | None, now: datetime) -> dict[str, Any]:
    """A player's clock: their setting, the zone in effect, the server's and the time now."""
    from purrr_core.clock import local, zone_name
    from purrr_server.services.timezones import player_zone, server_zone

    zone = player_zone(settings, user)
    return {
        "timezone": user.timezone if user is not None else None,
        "effective_timezone": zone_name(zone),
        "server_timezone": zone_name(server_zone(settings)),
        "local_time": local(now, zone).isoformat(timespec="seconds"),
    }


@action("account.timezone", args=TimezoneArgs, result=Clock, syncs=False)
async def set_timezone(ctx: ActionContext, args: TimezoneArgs) -> dict[str, Any]:
    """Set the player's time zone (null: the server's); it applies from the next action on
    (a patrol under way keeps the clock it was deployed with)."""
    await ctx.store.users.set_timezone(ctx.user_id, args.timezone)
    user = ctx.user
    assert user is not None
    ctx.user = replace(user, timezone=args.timezone)
    return clock_json(ctx.settings, ctx.user, ctx.now)


@action(
    "account.delete",
    args=NoArgs,
    result=AccountDeleted,
    scope="admin",
    syncs=False,
)
async def delete_account(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
    """Erase every row the user owns, then the account; the audit row keeps no user id."""
    deleted = await ctx.store.accounts.erase(ctx.user_id)
    ctx.user = None
    return {"deleted": True, "rows": deleted}
