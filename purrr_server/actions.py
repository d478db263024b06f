"""Actions, the unit of change: a registry of typed, policed handlers and the executor that runs them.

Register a handler with its argument and result models and its policy::

    class FeedArgs(ActionArgs):
        cat_id: CatId
        food_item: str = "premium_cat_food"

    @action("cats.feed", args=FeedArgs, result=CareResult, scope="write")
    async def feed(ctx: ActionContext, args: FeedArgs) -> dict[str, Any]:
        cat = await load_cat(ctx, args.cat_id)
        ...
        return {...}

and run it with `await execute(runtime, user, "cats.feed", {"cat_id": 1}, via="http",
scopes=who.scopes)`.

`execute` is the one door to every state change, whoever knocks (an HTTP route, a pushed sync
mutation, an internal catch-up): it refuses an action the entry point may not run (`syncs`,
`anonymous`, `scope`), counts its `cost` against the player's rate limit, validates the raw
arguments with the action's model (VALIDATION_ERROR naming the field), then runs the handler
inside one `BEGIN IMMEDIATE` transaction and writes the action-log row (name, validated args
without secret fields, fingerprint, seed, result, client id, mutation id), the emitted events
and the idempotency record, and commits. Any exception rolls everything back. The global version
is bumped once per action; repositories stamp it as `row_version` on every row they write.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from purrr_core.errors import InvalidRequest, RuleError, choose_one
from purrr_core.models import Label as CoreLabel
from purrr_server import envelope
from purrr_server.envelope import ApiError
from purrr_server.runtime import Runtime
from purrr_server.settings import Settings
from purrr_server.store import UnitOfWork
from purrr_server.store.actions import ActionRecord, KeyRecord
from purrr_server.store.base import Session, orjson_text
from purrr_server.store.database import SYSTEM_PLAYER
from purrr_server.store.idempotency import StoredResponse, splice_body
from purrr_server.store.users import User

REDACTED = "[redacted]"
#: What a credential must hold to run an action (`admin` implies the others).
Scope = Literal["read", "write", "admin"]
#: How an action reached the executor: an HTTP route, a pushed sync mutation, or the server itself
#: (catch-ups run by reads, the local game re-applying its pending mutations).
Via = Literal["http", "sync", "internal"]
#: The longest offending value a validation error repeats back.
MAX_ECHO_CHARS = 200


#: The largest row id SQLite stores (a larger number can name no row).
MAX_ID = 2**63 - 1
#: A row id in arguments: a whole number (not a string, float or boolean) from 1 to MAX_ID.
RowId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
#: A player-chosen label shown to others (cat, breed, zone, key names): trimmed, 1–100
#: characters, no control characters (the cat-name rule of purrr_core).
Label = CoreLabel


class ActionArgs(BaseModel):
    """Base of every action's argument model: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoArgs(ActionArgs):
    """An action that takes no arguments."""


class ActionResult(BaseModel):
    """Base of every action's result model (documentation and response schemas).

    Results may carry more than the declared fields (e.g. a cat's phenotype), so extra keys are
    allowed; the declared ones are what clients can rely on.
    """

    model_config = ConfigDict(extra="allow")


A = TypeVar("A", bound=ActionArgs)
Handler = Callable[["ActionContext", A], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Preparing:
    """What an action's `prepare` step gets: it runs before the write transaction opens, so it
    may only read (`read`, the autocommit read session) and compute. `now` is the action's clock:
    the handler's `ctx.now` is the same instant."""

    settings: Settings
    read: Session
    user: User | None
    now: datetime


#: Slow work done before the write transaction opens, so it never holds the writer: Argon2
#: hashing (register), calls to a payment provider (withdrawals). Its values reach the handler as
#: `ctx.prepared`; the handler re-checks, under its lock, anything it decides on.
Prepare = Callable[[Preparing, Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A registered action, its models and the policy the executor enforces at every entry."""

    name: str
    handler: Callable[[ActionContext, Any], Awaitable[dict[str, Any]]]
    args: type[ActionArgs]
    result: type[BaseModel]
    status_code: int = 200
    #: The credential scope needed (sessions and the local token hold every scope).
    scope: Scope = "write"
    #: May run without an authenticated user (register, login, OAuth's token endpoint). Such a
    #: call writes on the system counter (`SYSTEM_PLAYER`) unless the action `binds_player`.
    anonymous: bool = False
    #: May arrive through `POST /sync/push`, and is queued for the remote when played on a linked
    #: local game. Account, credential and money-in/out actions never sync.
    syncs: bool = True
    #: Requests it counts against the player's hourly rate limit (per pushed mutation; an HTTP
    #: request already counts one).
    cost: int = 1
    #: Argument / result fields never written to the action log, fingerprints or idempotency rows.
    secret_args: tuple[str, ...] = ()
    secret_result: tuple[str, ...] = ()
    #: Slow work before the transaction opens (see `Prepare`).
    prepare: Prepare | None = None
    #: An anonymous action whose handler names the player it acts for and binds them before its
    #: first write (register creates the account, login looks it up; see `_run`).
    binds_player: bool = False

    def parse(self, raw: dict[str, Any] | BaseModel) -> ActionArgs:
        """The validated arguments, or VALIDATION_ERROR naming the first bad field."""
        if type(raw) is self.args:
            return raw  # already validated by a route (the same model as its body)
        if isinstance(raw, BaseModel):
            raw = raw.model_dump()
        if not isinstance(raw, dict):
            raise InvalidRequest(
                f"the arguments of {self.name} must be a JSON object",
                details={"field": "args", "value": _echo(raw)},
            )
        try:
            return self.args.model_validate(raw)
        except ValidationError as exc:
            raise validation_error(exc, self.name) from None

    def fingerprint(self, args: dict[str, Any]) -> str:
        """`fingerprint` of these arguments with the secret fields left out."""
        return fingerprint(self.name, _without(args, self.secret_args))


#: Every registered action by name (`cats.feed`, `nightwatch.deploy`, …).
ACTIONS: dict[str, ActionSpec] = {}

#: Called after every successful handler, in the same transaction, with (ctx, name, args,
#: result): cross-cutting progress such as quests (purrr_server.services.quests) lives here.
AfterAction = Callable[["ActionContext", str, ActionArgs, dict[str, Any]], Awaitable[None]]
AFTER_ACTION: list[AfterAction] = []


def after_action(hook: AfterAction) -> AfterAction:
    """Decorator: run `hook` after every action (once per hook, however often imported)."""
    if hook not in AFTER_ACTION:
        AFTER_ACTION.append(hook)
    return hook


@dataclass(frozen=True, slots=True)
class Logged:
    """An action whose action-log row is written but not yet committed (for `ON_LOGGED`)."""

    record: ActionRecord
    #: The validated arguments as JSON (the record's have the secret fields redacted).
    args: dict[str, Any]
    action_id: int


#: Called inside every action's transaction right after its action-log row, with (ctx, logged):
#: the sync engine's outbox and mutation log (purrr_server.sync) live here.
OnLogged = Callable[["ActionContext", Logged], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class LoggedHook:
    """An `ON_LOGGED` hook and whether it may write for an action."""

    run: OnLogged
    #: Whether `run` may write anything for this action. When no hook may, the action-log
    #: statement is the transaction's last, and on PostgreSQL its `COMMIT` goes in the same
    #: round trip (a write holds its player's lock one round trip less).
    writes: Callable[[ActionContext], bool]


ON_LOGGED: list[LoggedHook] = []


def logged_hook(writes: Callable[[ActionContext], bool]) -> Callable[[OnLogged], OnLogged]:
    """Decorator: run the hook inside every action's transaction after its log row (once per
    hook, however often imported); `writes` says for which actions it may write."""

    def register(hook: OnLogged) -> OnLogged:
        if all(known.run is not hook for known in ON_LOGGED):
            ON_LOGGED.append(LoggedHook(hook, writes))
        return hook

    return register


def action(
    name: str,
    *,
    args: type[A],
    result: type[BaseModel] = ActionResult,
    status_code: int = 200,
    scope: Scope = "write",
    anonymous: bool = False,
    syncs: bool = True,
    cost: int = 1,
    secret_args: tuple[str, ...] = (),
    secret_result: tuple[str, ...] = (),
    prepare: Prepare | None = None,
    binds_player: bool = False,
) -> Callable[[Handler[A]], Handler[A]]:
    """Decorator: register `handler` as the action `name` with its models and policy."""
    unknown = [f for f in secret_args if f not in args.model_fields]
    if unknown:
        raise ValueError(f"action {name!r}: secret_args {unknown} are not fields of {args}")
    if anonymous and syncs:
        raise ValueError(f"action {name!r}: an anonymous action cannot sync")
    if binds_player and not anonymous:
        raise ValueError(f"action {name!r}: only an anonymous action binds its own player")

    def register(handler: Handler[A]) -> Handler[A]:
        if name in ACTIONS and ACTIONS[name].handler is not handler:
            raise ValueError(f"action {name!r} is already registered")
        ACTIONS[name] = ActionSpec(
            name,
            handler,
            args,
            result,
            status_code,
            scope,
            anonymous,
            syncs,
            cost,
            secret_args,
            secret_result,
            prepare,
            binds_player,
        )
        return handler

    return register


@dataclass
class ActionContext:
    """What a handler gets: the unit of work, the caller, the clock and a seeded RNG."""

    store: UnitOfWork
    user: User | None
    now: datetime
    #: The seed of `rng` (stored in the action log: it replays the action's chances).
    seed: int
    settings: Settings
    #: The cat this action is about (shown in its history); defaults to the `cat_id` argument.
    cat_id: int | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: How the action arrived (HTTP route, sync push, internal).
    via: Via = "internal"
    #: What the action's `prepare` computed before the transaction (e.g. a password hash).
    prepared: dict[str, Any] = field(default_factory=dict)
    _rng: random.Random | None = field(default=None, repr=False)

    @property
    def rng(self) -> random.Random:
        """The action's random numbers, from `seed` (seeded on first use: most actions roll
        nothing, and seeding a Mersenne Twister was ~1.5 % of an action's time)."""
        if self._rng is None:
            self._rng = random.Random(self.seed)
        return self._rng

    @property
    def user_id(self) -> int:
        if self.user is None:
            raise ApiError("UNAUTHORIZED", "this action needs an authenticated user")
        return self.user.id

    @property
    def version(self) -> int:
        """The acting player's version this action writes."""
        return self.store.version

    @property
    def stamp(self) -> str:
        """`now` as stored in the database (ISO 8601)."""
        return self.now.isoformat()

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        """Queue an event for the caller's live stream; stored with the action, on commit."""
        self.events.append((event_type, payload))


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of `execute`: the handler's result and, with a key, the exact response body."""

    result: dict[str, Any]
    status_code: int
    body: bytes | None = None
    replayed: bool = False
    action_id: int | None = None
    version: int | None = None


def fingerprint(name: str, args: dict[str, Any]) -> str:
    """Identifies a request's meaning: the action name and canonical arguments.

    Callers leave secret fields out first (`ActionSpec.fingerprint`): the digest is stored and
    exported, and a plain hash of a password is a dictionary attack away from the password.
    """
    return hashlib.sha256(_canonical([name, args])).hexdigest()


def _canonical(value: list[Any]) -> bytes:
    """`json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)` as bytes (what
    fingerprints have always hashed), made by orjson when its bytes are the same: no escape
    sequence, nothing outside printable ASCII and no float (the two print some differently)."""
    try:
        fast = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        fast = b"\\"
    if b"\\" not in fast and fast.isascii() and b"\x7f" not in fast and not _has_float(value):
        return fast
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_float(v) for v in value)
    return False


def mutation_fingerprint(name: str, args: dict[str, Any]) -> str:
    """The fingerprint of a raw sync mutation: secret fields of a known action left out."""
    spec = ACTIONS.get(name)
    return fingerprint(name, _without(args, spec.secret_args if spec else ()))


def _without(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    if not fields:
        return data
    return {k: v for k, v in data.items() if k not in fields}


def _redact(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    if not fields:
        return data
    return {k: (REDACTED if k in fields else v) for k, v in data.items()}


def _echo(value: Any) -> Any:
    """An offending value as a validation error repeats it: JSON-safe and short."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_ECHO_CHARS else text[:MAX_ECHO_CHARS] + "…"


def validation_error(exc: ValidationError, what: str) -> InvalidRequest:
    """A pydantic error as the standard VALIDATION_ERROR: names the first bad field (and value)."""
    described = []
    for error in exc.errors(include_url=False):
        entry: dict[str, Any] = {
            "field": ".".join(str(p) for p in error["loc"]) or what,
            "message": error["msg"],
            "type": error["type"],
        }
        if error["type"] != "missing":
            entry["value"] = _echo(error.get("input"))
        described.append(entry)
    message, details = envelope.validation_summary(described, what)
    return InvalidRequest(message, details=details)


def spec_for(name: str) -> ActionSpec | None:
    """The registered action `name`, importing its module first if needed."""
    from purrr_server import services  # its modules import this one

    if name not in ACTIONS:
        services.load_for(name)
    return ACTIONS.get(name)


def _spec(name: str) -> ActionSpec:
    spec = spec_for(name)
    if spec is None:
        from purrr_server import services

        services.load_all()  # so that the error lists every action
        raise choose_one("action", name, tuple(sorted(ACTIONS)))
    return spec


def has_scope(scopes: Collection[str] | None, needed: Scope) -> bool:
    """Whether a credential holding `scopes` (None: the server itself) may act at `needed`."""
    return scopes is None or needed in scopes or "admin" in scopes


def authorize(
    spec: ActionSpec, user: User | None, via: Via, scopes: Collection[str] | None
) -> None:
    """Refuse `spec` unless its policy admits this caller through this entry point."""
    if via == "sync" and not spec.syncs:
        raise ApiError(
            "FORBIDDEN",
            f"action {spec.name!r} cannot be pushed through sync; "
            "account, credential and payment actions run only on the server's own routes",
            details={"action": spec.name, "syncs": False},
        )
    if user is None:
        if not spec.anonymous:
            raise ApiError("UNAUTHORIZED", f"action {spec.name!r} needs an authenticated user")
        return
    if not has_scope(scopes, spec.scope):
        raise ApiError(
            "FORBIDDEN",
            f"this API key lacks the {spec.scope!r} scope that {spec.name} needs",
            details={"action": spec.name, "scope": spec.scope},
        )


def charge(runtime: Runtime, user: User | None, units: int) -> None:
    """Count `units` requests against the player's hourly limit (hosted mode); 429 when over.

    The first refused unit counts as a violation toward a ban like any refused request; the
    persisted ban is recorded by the next HTTP request (`purrr_server.auth.enforce_rate_limit`).
    """
    settings = runtime.settings
    if user is None or units <= 0 or not (settings.hosted and settings.rate_limit):
        return
    limit = settings.tier_limits.get(user.tier, settings.tier_limits["free"])
    now = settings.now().timestamp()
    for _ in range(units):
        decision = runtime.limiter.check(f"user:{user.id}", limit, now)
        if not decision.allowed:
            raise ApiError(
                "RATE_LIMIT_EXCEEDED",
                f"rate limit of {limit} requests per hour exceeded",
                details={"limit": limit, "retry_after": decision.retry_after},
                headers=decision.headers(),
            )


async def execute(
    runtime: Runtime,
    user: User | None,
    name: str,
    args: dict[str, Any] | BaseModel,
    *,
    via: Via = "internal",
    scopes: Collection[str] | None = None,
    idempotency_key: str | None = None,
    client_id: str | None = None,
    mutation_id: int | None = None,
    seed: int | None = None,
    request_id: str = "",
) -> Outcome:
    """Run action `name` once (see the module docstring).

    `via` and `scopes` (the credential's; None for the server itself) decide what the policy
    admits. With `idempotency_key`, a retry returns the stored response; the same key with other
    arguments is a VALIDATION_ERROR; a concurrent duplicate is a CONFLICT. With `client_id` and
    `mutation_id` (the sync engine), an already-applied mutation returns its stored result.
    """
    spec = _spec(name)
    authorize(spec, user, via, scopes)
    if via == "sync":
        charge(runtime, user, spec.cost)
    elif via == "http":
        charge(runtime, user, spec.cost - 1)
    parsed = spec.parse(args)
    _load_hooks()
    canonical = parsed.model_dump(mode="json")
    digest = spec.fingerprint(canonical)
    owner = user.id if user else 0
    if idempotency_key is not None:
        if spec.prepare is not None:
            # a replay must not redo the slow work before the transaction (a password hash,
            # a payment provider's call): look the key up before it, too
            stored = await _stored_response(runtime, owner, idempotency_key, digest)
            if stored is not None:
                return stored
        slot = (owner, idempotency_key)
        if slot in runtime.in_flight:
            raise ApiError(
                "CONFLICT",
                "a request with this Idempotency-Key is still in progress; retry in a moment",
                details={"idempotency_key": idempotency_key},
            )
        runtime.in_flight.add(slot)
    try:
        if client_id is not None and mutation_id is not None:
            applied = await runtime.store.read.actions.by_mutation(
                user.id if user else None, client_id, mutation_id
            )
            if applied is not None:
                return _applied_mutation(applied, digest, spec)
        now = runtime.settings.now()
        prepared = {}
        if spec.prepare is not None:
            await runtime.ensure_open()
            reading = Preparing(runtime.settings, runtime.store.read, user, now)
            prepared = await spec.prepare(reading, parsed)
        return await _run(
            runtime,
            spec,
            user,
            _Call(parsed, canonical, digest, via, prepared, now),
            idempotency_key,
            client_id,
            mutation_id,
            seed,
            request_id,
        )
    except _Replay as replay:
        return replay.outcome
    except (sqlite3.IntegrityError, RuleError):
        # Another process stored this key between our lookup and our commit: replay theirs.
        # Our insert of the key then fails on the unique key, or, on PostgreSQL, the action
        # itself fails first (the lookup's snapshot predates the lock it waited for, so the
        # handler saw the other request's changes: a version conflict, a spent balance). The
        # stored response, not this attempt's error, is the answer to a repeated key.
        if idempotency_key is not None:
            stored = await _stored_response(runtime, owner, idempotency_key, digest)
            if stored is not None:
                return stored
        raise
    finally:
        if idempotency_key is not None:
            runtime.in_flight.discard((owner, idempotency_key))


@dataclass(frozen=True, slots=True)
class _Call:
    args: ActionArgs
    canonical: dict[str, Any]
    digest: str
    via: Via
    prepared: dict[str, Any]
    now: datetime


def _load_hooks() -> None:
    global _HOOKS_LOADED
    if _HOOKS_LOADED:
        return  # an import statement per action cost more than the rest of this check
    from purrr_server import services

    services.load_hooks()
    _HOOKS_LOADED = True


_HOOKS_LOADED = False


class _Replay(Exception):
    """Raised inside the write transaction when its Idempotency-Key already has a response:
    the transaction rolls back (it wrote nothing) and `execute` returns the stored one."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("replayed")
        self.outcome = outcome


async def _stored_response(runtime: Runtime, owner: int, key: str, digest: str) -> Outcome | None:
    return _replayed(await runtime.store.read.idempotency.get(owner, key), key, digest)


def _replayed(stored: StoredResponse | None, key: str, digest: str) -> Outcome | None:
    """The response stored for an Idempotency-Key as a replayed outcome (None: no response
    yet); VALIDATION_ERROR when the key was used for another request."""
    if stored is None:
        return None
    if stored.fingerprint != digest:
        raise ApiError(
            "VALIDATION_ERROR",
            "this Idempotency-Key was already used with a different request; use a new key",
            details={"field": "Idempotency-Key", "value": key},
        )
    body = stored.body
    if body is None:
        raise ApiError(
            "CONFLICT",
            "this Idempotency-Key was used, but the action-log entry its response was kept in "
            "is gone; send the request again with a new key",
            details={"field": "Idempotency-Key", "value": key},
        )
    return Outcome(json.loads(body).get("data") or {}, stored.status_code, body, replayed=True)


def _applied_mutation(applied: dict[str, Any], digest: str, spec: ActionSpec) -> Outcome:
    if applied["fingerprint"] != digest:
        raise ApiError(
            "VALIDATION_ERROR",
            "this mutation id was already used for another action",
            details={"field": "mutation_id", "value": applied["mutation_id"]},
        )
    return Outcome(
        applied["result"],
        spec.status_code,
        replayed=True,
        action_id=applied["id"],
        version=applied["version"],
    )


async def _run(
    runtime: Runtime,
    spec: ActionSpec,
    user: User | None,
    call: _Call,
    idempotency_key: str | None,
    client_id: str | None,
    mutation_id: int | None,
    seed: int | None,
    request_id: str,
) -> Outcome:
    seed = secrets.randbits(63) if seed is None else seed
    now = call.now
    cat_id = call.canonical.get("cat_id")
    keyed = idempotency_key is not None and user is not None
    async with runtime.store.write(None if keyed else user.id if user else None) as uow:
        if idempotency_key is not None:
            # Looked up inside the write transaction, with the player's lock (SQLite: under the
            # single writer; PostgreSQL: in the statement that takes the lock, see
            # `act_as_keyed`), on the writer's connection (SQLite: its page cache is warm, the
            # reader's is invalidated by every commit). A hit rolls the transaction back. A key
            # stored meanwhile by another process fails this transaction's insert of it (the
            # unique key), and `execute` replays that response.
            found = (
                await uow.act_as_keyed(user.id, idempotency_key)
                if user is not None
                else await uow.idempotency.get(0, idempotency_key)
            )
            replayed = _replayed(found, idempotency_key, call.digest)
            if replayed is not None:
                raise _Replay(replayed)
        ctx = ActionContext(
            uow,
            user,
            now,
            seed,
            runtime.settings,
            cat_id=cat_id if isinstance(cat_id, int) else None,
            via=call.via,
            prepared=call.prepared,
        )
        if user is None and not spec.binds_player:
            await uow.act_as(SYSTEM_PLAYER)  # an anonymous write that names no player
        result = await spec.handler(ctx, call.args)
        await _bind_player(uow, ctx)
        for hook in AFTER_ACTION:
            await hook(ctx, spec.name, call.args, result)
        owner = ctx.user.id if ctx.user else None
        logged = _redact(result, spec.secret_result)
        # encoded once: the log row stores it and a key's response is spliced from it
        logged_json = orjson_text(logged)
        record = ActionRecord(
            user_id=owner,
            cat_id=ctx.cat_id,
            client_id=client_id,
            mutation_id=mutation_id,
            name=spec.name,
            args=_redact(call.canonical, spec.secret_args),
            fingerprint=call.digest,
            seed=seed,
            result=logged,
            created_at=ctx.stamp,
            result_json=logged_json,
        )
        body = key = None
        if idempotency_key is not None:
            body, key = _keyed_response(
                spec, result, record, user.id if user else 0, idempotency_key, request_id, now
            )
        # the log row, the player's events and the key's response (one statement on PostgreSQL,
        # with the COMMIT when no hook writes after it)
        last = not any(logged_by.writes(ctx) for logged_by in ON_LOGGED)
        action_id = await uow.actions.log(record, ctx.events, key, last=last)
        for logged_by in ON_LOGGED:
            await logged_by.run(ctx, Logged(record, call.canonical, action_id))
    return Outcome(result, spec.status_code, body, action_id=action_id, version=uow.version)


def _keyed_response(
    spec: ActionSpec,
    result: dict[str, Any],
    record: ActionRecord,
    owner: int,
    key: str,
    request_id: str,
    now: datetime,
) -> tuple[bytes, KeyRecord]:
    """The response body of a keyed action and the key's record. The stored response is the
    body with the secret result fields redacted, which is the log row's result in an envelope:
    the key keeps only its request id, and a replay splices the body from the log row
    (`store.idempotency`); a result only the standard library encodes is stored in full."""
    spliced = None
    if record.result_json is not None and record.created_at == now.isoformat():
        spliced = splice_body(record.result_json, request_id, record.created_at)
    if spec.secret_result or spliced is None:
        body = envelope.success_body(result, request_id, now)
    else:
        body = spliced
    stored = None
    if spliced is None:
        stored = (
            envelope.success_body(record.result, request_id, now) if spec.secret_result else body
        ).decode()
    return body, KeyRecord(owner, key, record.fingerprint, spec.status_code, stored, request_id)


async def _bind_player(uow: UnitOfWork, ctx: ActionContext) -> None:
    """After the handler: the player the action turned out to be about (`ctx.user`, set by an
    anonymous handler such as OAuth's token endpoint) gets a version of their own for the log
    row and their events, which their live stream reads in their version order; a write that
    named nobody at all stays on the system counter."""
    if uow.player is None:
        await uow.act_as(ctx.user.id if ctx.user else SYSTEM_PLAYER)
    elif ctx.user is not None and uow.player != ctx.user.id:
        await uow.lock_players(ctx.user.id)
