"""Actions, the unit of change: a registry of named handlers and the executor that runs them.

Register a handler::

    @action("cats.feed")
    async def feed(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
        cat = await load_cat(ctx, args["cat_id"])
        ...
        await ctx.store.cats.save(ctx.user_id, new_cat)
        ctx.emit("cat.updated", {"cat_id": new_cat.id})
        return {...}

and run it with `await execute(runtime, user, "cats.feed", {"cat_id": 1, ...})`.

`execute` runs the handler inside one `BEGIN IMMEDIATE` transaction, then writes the action-log row
(name, args, fingerprint, seed, result, client id, mutation id), the emitted events and the
idempotency record, and commits. Any exception rolls everything back. The global version is bumped
once per action; repositories stamp it as `row_version` on every row they write.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from purrr_core.errors import choose_one
from purrr_server import envelope
from purrr_server.envelope import ApiError
from purrr_server.runtime import Runtime
from purrr_server.settings import Settings
from purrr_server.store import UnitOfWork
from purrr_server.store.actions import ActionRecord
from purrr_server.store.users import User

REDACTED = "[redacted]"
Handler = Callable[["ActionContext", dict[str, Any]], Awaitable[dict[str, Any]]]
#: Slow work on the arguments done before the write transaction opens (Argon2 hashing), so it
#: never holds the one writer: returns the arguments the handler gets.
Prepare = Callable[[Settings, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A registered action and how the executor treats it."""

    name: str
    handler: Handler
    status_code: int = 200
    #: May run without an authenticated user (register, login); the handler sets `ctx.user`.
    anonymous: bool = False
    #: Argument / result fields never written to the action log or the idempotency record.
    secret_args: tuple[str, ...] = ()
    secret_result: tuple[str, ...] = ()
    #: Played on a linked local game, it is queued for the remote (accounts and keys stay local).
    syncs: bool = True
    prepare: Prepare | None = None


#: Every registered action by name (`cats.feed`, `nightwatch.deploy`, …).
ACTIONS: dict[str, ActionSpec] = {}

#: Called after every successful handler, in the same transaction, with (ctx, name, args,
#: result): cross-cutting progress such as quests (purrr_server.services.quests) lives here.
AfterAction = Callable[["ActionContext", str, dict[str, Any], dict[str, Any]], Awaitable[None]]
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
    #: The arguments as the handler got them (the record's are redacted).
    args: dict[str, Any]
    action_id: int


#: Called inside every action's transaction right after its action-log row, with (ctx, logged):
#: the sync engine's outbox and mutation log (purrr_server.sync) live here.
OnLogged = Callable[["ActionContext", Logged], Awaitable[None]]
ON_LOGGED: list[OnLogged] = []


def action(
    name: str,
    *,
    status_code: int = 200,
    anonymous: bool = False,
    secret_args: tuple[str, ...] = (),
    secret_result: tuple[str, ...] = (),
    syncs: bool = True,
    prepare: Prepare | None = None,
) -> Callable[[Handler], Handler]:
    """Decorator: register `handler` as the action `name`."""

    def register(handler: Handler) -> Handler:
        if name in ACTIONS and ACTIONS[name].handler is not handler:
            raise ValueError(f"action {name!r} is already registered")
        ACTIONS[name] = ActionSpec(
            name, handler, status_code, anonymous, secret_args, secret_result, syncs, prepare
        )
        return handler

    return register


@dataclass
class ActionContext:
    """What a handler gets: the unit of work, the caller, the clock and a seeded RNG."""

    store: UnitOfWork
    user: User | None
    now: datetime
    rng: random.Random
    seed: int
    settings: Settings
    #: The cat this action is about (shown in its history); defaults to `args["cat_id"]`.
    cat_id: int | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def user_id(self) -> int:
        if self.user is None:
            raise ApiError("UNAUTHORIZED", "this action needs an authenticated user")
        return self.user.id

    @property
    def version(self) -> int:
        """The global version this action writes."""
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
    """Identifies a request's meaning: the action name and canonical arguments."""
    canonical = json.dumps([name, args], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _redact(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    if not fields:
        return data
    return {k: (REDACTED if k in fields else v) for k, v in data.items()}


def spec_for(name: str) -> ActionSpec | None:
    """The registered action `name`, importing its module first if needed."""
    from purrr_server import services  # its modules import this one

    if name not in ACTIONS:
        services.load_for(name)
    return ACTIONS.get(name)


def _spec(name: str, user: User | None) -> ActionSpec:
    spec = spec_for(name)
    if spec is None:
        from purrr_server import services

        services.load_all()  # so that the error lists every action
        raise choose_one("action", name, tuple(sorted(ACTIONS)))
    if user is None and not spec.anonymous:
        raise ApiError("UNAUTHORIZED", f"action {name!r} needs an authenticated user")
    return spec


async def execute(
    runtime: Runtime,
    user: User | None,
    name: str,
    args: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    client_id: str | None = None,
    mutation_id: int | None = None,
    seed: int | None = None,
    request_id: str = "",
) -> Outcome:
    """Run action `name` once (see the module docstring).

    With `idempotency_key`, a retry returns the stored response; the same key with other
    arguments is a VALIDATION_ERROR; a concurrent duplicate is a CONFLICT. With `client_id` and
    `mutation_id` (the sync engine), an already-applied mutation returns its stored result.
    """
    spec = _spec(name, user)
    _load_hooks()
    digest = fingerprint(name, args)
    owner = user.id if user else 0
    if idempotency_key is not None:
        stored = await _stored_response(runtime, owner, idempotency_key, digest)
        if stored is not None:
            return stored
        slot = (owner, idempotency_key)
        if slot in runtime.in_flight:
            raise ApiError(
                "CONFLICT",
                "a request with this Idempotency-Key is still in progress",
                details={"idempotency_key": idempotency_key},
            )
        runtime.in_flight.add(slot)
    try:
        if client_id is not None and mutation_id is not None:
            applied = await runtime.store.read.actions.by_mutation(
                user and user.id, client_id, mutation_id
            )
            if applied is not None:
                return _applied_mutation(applied, digest, spec)
        prepared = await spec.prepare(runtime.settings, args) if spec.prepare else args
        return await _run(
            runtime,
            spec,
            user,
            args,
            prepared,
            digest,
            idempotency_key,
            client_id,
            mutation_id,
            seed,
            request_id,
        )
    except sqlite3.IntegrityError:
        # Another process stored this key between our check and our commit: replay theirs.
        if idempotency_key is not None:
            stored = await _stored_response(runtime, owner, idempotency_key, digest)
            if stored is not None:
                return stored
        raise
    finally:
        if idempotency_key is not None:
            runtime.in_flight.discard((owner, idempotency_key))


def _load_hooks() -> None:
    from purrr_server import services

    services.load_hooks()


async def _stored_response(runtime: Runtime, owner: int, key: str, digest: str) -> Outcome | None:
    stored = await runtime.store.read.idempotency.get(owner, key)
    if stored is None:
        return None
    if stored.fingerprint != digest:
        raise ApiError(
            "VALIDATION_ERROR",
            "this Idempotency-Key was already used with a different request; use a new key",
            details={"field": "Idempotency-Key", "value": key},
        )
    body = stored.body.encode()
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
    args: dict[str, Any],
    prepared: dict[str, Any],
    digest: str,
    idempotency_key: str | None,
    client_id: str | None,
    mutation_id: int | None,
    seed: int | None,
    request_id: str,
) -> Outcome:
    seed = secrets.randbits(63) if seed is None else seed
    now = runtime.settings.now()
    async with runtime.store.write() as uow:
        ctx = ActionContext(
            uow, user, now, random.Random(seed), seed, runtime.settings, cat_id=args.get("cat_id")
        )
        result = await spec.handler(ctx, prepared)
        for hook in AFTER_ACTION:
            await hook(ctx, spec.name, args, result)
        owner = ctx.user.id if ctx.user else None
        record = ActionRecord(
            user_id=owner,
            cat_id=ctx.cat_id,
            client_id=client_id,
            mutation_id=mutation_id,
            name=spec.name,
            args=_redact(args, spec.secret_args),
            fingerprint=digest,
            seed=seed,
            result=_redact(result, spec.secret_result),
            created_at=ctx.stamp,
        )
        action_id = await uow.actions.append(record)
        for on_logged in ON_LOGGED:
            await on_logged(ctx, Logged(record, args, action_id))
        if owner is not None:
            await _store_events(ctx, owner, spec.name, action_id)
        body = None
        if idempotency_key is not None:
            body = envelope.success_body(result, request_id, now)
            stored = envelope.success_body(_redact(result, spec.secret_result), request_id, now)
            await uow.idempotency.put(
                user.id if user else 0,
                idempotency_key,
                fingerprint=digest,
                action_id=action_id,
                status_code=spec.status_code,
                body=stored.decode(),
                now=ctx.stamp,
            )
    return Outcome(result, spec.status_code, body, action_id=action_id, version=uow.version)


async def _store_events(ctx: ActionContext, owner: int, name: str, action_id: int) -> None:
    applied = {"action_id": action_id, "name": name, "cat_id": ctx.cat_id}
    for event_type, payload in [("action.applied", applied), *ctx.events]:
        await ctx.store.events.append(owner, event_type, payload, ctx.stamp)
