"""Who is calling: bearer tokens and API keys, scopes, IP allow-lists, rate limits, login throttling.

Routes depend on `authenticated` (scope `read` for GET/HEAD, `write` otherwise) or
`require_admin`. A resolved credential is cached in memory for `auth_cache_seconds` (1 s), so the
hot path costs one SHA-256 and a dict lookup, and one indexed read per credential and second;
revocations in this process drop the cache at once, other processes see them within that second.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from starlette.requests import Request

from purrr_server.envelope import ApiError
from purrr_server.ratelimit import Decision
from purrr_server.runtime import Runtime, runtime_of
from purrr_server.settings import Settings
from purrr_server.store.credentials import Credential
from purrr_server.store.users import User

if TYPE_CHECKING:
    from argon2 import PasswordHasher

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: OAuth2 access tokens (purrr_server.oauth) are bearer tokens with this prefix.
OAUTH_ACCESS_PREFIX = "poa_"
#: Credentials limited to the scopes they were given (sessions and the local token hold all).
SCOPED_KINDS = frozenset({"api_key", "oauth"})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the user, how they authenticated, what they may do."""

    user: User
    kind: str
    scopes: frozenset[str]
    token_hash: str
    key_id: int | None = None


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest; tokens and API keys carry 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> str:
    """`pk_` + 64 hex characters."""
    return "pk_" + secrets.token_hex(32)


def new_session_token() -> str:
    return "ps_" + secrets.token_hex(32)


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    """Argon2id with the given cost (verification reads the cost from each stored hash).

    argon2 is imported here: only hosted accounts have passwords, and local commands start faster.
    """
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    """Verified against when the username is unknown, so timing does not reveal which names exist."""
    return _hasher(time_cost, memory_kib).hash("purrr-dummy-password")


async def hash_password(password: str, settings: Settings) -> str:
    """Argon2id, in a worker thread (it is deliberately slow)."""
    hasher = _hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    return await asyncio.to_thread(hasher.hash, password)


async def verify_password(password_hash: str | None, password: str, settings: Settings) -> bool:
    cost = (settings.argon2_time_cost, settings.argon2_memory_kib)

    def check() -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return _hasher(*cost).verify(password_hash or _dummy_hash(*cost), password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


async def check_password(runtime: Runtime, username: str, password: str) -> User | None:
    """The user `username` if `password` is theirs, else None.

    One Argon2id verification either way, against the dummy hash when the name is unknown, so
    the answer takes as long for an unknown username as for a wrong password."""
    found = await runtime.store.read.users.credentials(username)
    user, password_hash = found if found else (None, None)
    valid = await verify_password(password_hash, password, runtime.settings)
    return user if valid and user is not None else None


def client_ip(request: Request) -> str:
    """The peer address ('unix' for a Unix-socket peer)."""
    return request.client.host if request.client else "unix"


def _presented(request: Request) -> tuple[str, str] | None:
    """(kind, secret) of the credential on the request, if any: the first `X-API-Key`, else
    the first `Authorization` (read from the ASGI headers in one pass; they are lower-case)."""
    key = authorization = None
    for name, raw in request.scope["headers"]:
        if name == b"x-api-key" and key is None:
            key = raw
        elif name == b"authorization" and authorization is None:
            authorization = raw
    if key:
        return "api_key", key.decode("latin-1").strip()
    header = authorization.decode("latin-1") if authorization else ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token = value.strip()
        return ("oauth" if token.startswith(OAUTH_ACCESS_PREFIX) else "bearer"), token
    return None


async def _resolve(runtime: Runtime, kind: str, digest: str) -> Credential | None:
    cached = runtime.auth_cache.get(digest)
    if cached is not None and time.monotonic() - cached[1] < runtime.settings.auth_cache_seconds:
        return cached[0]
    repo = runtime.store.read.credentials
    if kind == "oauth":
        from purrr_server.oauth import access_credential

        credential = await access_credential(runtime, digest)
    else:
        credential = await (repo.key(digest) if kind == "api_key" else repo.token(digest))
    if credential is not None:
        runtime.auth_cache[digest] = (credential, time.monotonic())
    return credential


def _expired(expires_at: str | None, now: datetime) -> bool:
    return expires_at is not None and datetime.fromisoformat(expires_at) <= now


def _ip_allowed(allowed: tuple[str, ...], ip: str) -> bool:
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allowed)


async def log_security(
    runtime: Runtime, event_type: str, request: Request, user_id: int | None, **details: object
) -> None:
    """Append to the security event log (its own small transaction, no version bump)."""
    async with runtime.store.write(bump_version=False) as uow:
        await uow.security.log(
            event_type,
            user_id=user_id,
            ip=client_ip(request),
            details={"path": request.url.path, "method": request.method, **details},
            now=runtime.settings.now().isoformat(),
        )


async def _forbidden(runtime: Runtime, request: Request, user_id: int, reason: str) -> ApiError:
    await log_security(runtime, "forbidden", request, user_id, reason=reason)
    return ApiError("FORBIDDEN", reason)


async def authenticate(request: Request) -> Principal:
    """Resolve the caller or raise UNAUTHORIZED / FORBIDDEN; then apply the rate limit."""
    return await _authenticate(request, runtime_of(request), rate_limited=True)


async def authenticate_with(request: Request, runtime: Runtime) -> Principal:
    """`authenticate` for a caller that has the runtime at hand (`purrr_server.hot`)."""
    return await _authenticate(request, runtime, rate_limited=True)


async def _authenticate(request: Request, runtime: Runtime, *, rate_limited: bool) -> Principal:
    presented = _presented(request)
    if presented is None:
        raise ApiError(
            "UNAUTHORIZED",
            "authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    kind, secret = presented
    digest = hash_secret(secret)
    credential = await _resolve(runtime, kind, digest)
    now = runtime.settings.now()
    if credential is None or _expired(credential.expires_at, now):
        raise ApiError(
            "UNAUTHORIZED", "invalid or expired credentials", headers={"WWW-Authenticate": "Bearer"}
        )
    if not _ip_allowed(credential.allowed_ips, client_ip(request)):
        raise await _forbidden(
            runtime,
            request,
            credential.user.id,
            f"this API key may not be used from {client_ip(request)}",
        )
    needed = "read" if request.method in READ_METHODS else "write"
    if needed not in credential.scopes and "admin" not in credential.scopes:
        what = "OAuth2 token" if credential.kind == "oauth" else "API key"
        raise await _forbidden(
            runtime, request, credential.user.id, f"this {what} lacks the {needed!r} scope"
        )
    if rate_limited:
        await enforce_rate_limit(
            request, runtime, f"user:{credential.user.id}", credential.user.tier, credential.user.id
        )
    if credential.key_id is not None:
        _touch_key(runtime, credential.key_id)
    return Principal(credential.user, credential.kind, credential.scopes, digest, credential.key_id)


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """Account management: bearer sessions, or API keys and OAuth2 tokens with the `admin` scope."""
    if principal.kind in SCOPED_KINDS and "admin" not in principal.scopes:
        what = "OAuth2 token" if principal.kind == "oauth" else "API key"
        raise ApiError("FORBIDDEN", f"this {what} lacks the 'admin' scope")
    return principal


async def require_owner(request: Request) -> Principal:
    """`require_admin` without the rate limit: exporting or deleting one's own data (GDPR) is
    never refused because of a rate-limit ban."""
    return await require_admin(
        await _authenticate(request, runtime_of(request), rate_limited=False)
    )


async def enforce_rate_limit(
    request: Request, runtime: Runtime, subject: str, tier: str, user_id: int | None
) -> None:
    """Count the request against `subject`'s tier limit; 429 (and maybe a ban) when over."""
    settings = runtime.settings
    if not (settings.hosted and settings.rate_limit):
        return
    limit = settings.tier_limits.get(tier, settings.tier_limits["free"])
    decision = runtime.limiter.check(subject, limit, settings.now().timestamp())
    request.state.rate_headers = decision.headers()
    if decision.allowed:
        return
    if decision.newly_banned:
        await _record_ban(request, runtime, subject, decision, user_id)
    message = (
        "temporarily banned after repeated rate-limit violations"
        if decision.banned
        else f"rate limit of {limit} requests per hour exceeded"
    )
    raise ApiError(
        "RATE_LIMIT_EXCEEDED",
        message,
        details={"limit": limit, "retry_after": decision.retry_after},
        headers=decision.headers(),
    )


async def _record_ban(
    request: Request, runtime: Runtime, subject: str, decision: Decision, user_id: int | None
) -> None:
    now = runtime.settings.now()
    until = (now + timedelta(seconds=decision.retry_after)).isoformat()
    async with runtime.store.write(bump_version=False) as uow:
        await uow.security.ban(
            subject, until, runtime.settings.ban_after_violations, now.isoformat()
        )
        await uow.security.log(
            "rate_limit_ban",
            user_id=user_id,
            ip=client_ip(request),
            details={"subject": subject, "until": until},
            now=now.isoformat(),
        )


def _touch_key(runtime: Runtime, key_id: int) -> None:
    """Update the key's last_used_at at most once a minute, off the request path."""
    moment = time.monotonic()
    if moment - runtime.key_touched.get(key_id, -60.0) < 60:
        return
    runtime.key_touched[key_id] = moment

    async def touch() -> None:
        async with runtime.store.write(bump_version=False) as uow:
            await uow.credentials.touch_key(key_id, runtime.settings.now().isoformat())

    runtime.spawn(touch())


async def check_login_throttle(runtime: Runtime, username: str, ip: str) -> None:
    """Refuse a login attempt while (username, ip) is locked out after repeated failures.

    Failures are kept in the database, so the lockout holds on every server process."""
    settings = runtime.settings
    failures = await runtime.store.read.security.login_failures(
        username.lower(), ip, time.time() - settings.login_lockout_seconds
    )
    if len(failures) >= settings.login_max_failures:
        retry = int(settings.login_lockout_seconds - (time.time() - failures[0])) + 1
        raise ApiError(
            "RATE_LIMIT_EXCEEDED",
            "too many failed logins; try again later",
            details={"retry_after": retry},
            headers={"Retry-After": str(retry)},
        )


async def record_login_failure(runtime: Runtime, username: str, ip: str) -> int:
    """Remember a failed login; return the number of recent failures (on every process)."""
    moment = time.time()
    horizon = moment - runtime.settings.login_lockout_seconds
    async with runtime.store.write(bump_version=False) as uow:
        await uow.security.add_login_failure(username.lower(), ip, moment, horizon)
        return len(await uow.security.login_failures(username.lower(), ip, horizon))


#: Route parameter types: `who: Caller` authenticates (read/write scope by method),
#: `who: Admin` additionally requires account-management rights.
Caller = Annotated[Principal, Depends(authenticate)]
Admin = Annotated[Principal, Depends(require_admin)]
#: `Admin` that no rate limit or ban refuses (GDPR export and account deletion only).
Owner = Annotated[Principal, Depends(require_owner)]
