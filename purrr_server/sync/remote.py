"""The remote role: process pushed mutations exactly once, and serve the change feed.

`push` runs a client's mutations in id order through the action registry. Each mutation id is
processed once per (user, client): an applied mutation's outcome is written in its action's own
transaction (purrr_server.sync.hooks), a rejected one in its own, and the primary key of
`sync_mutations` refuses a second outcome for the same id even across processes. A retried id
returns the stored outcome; an id beyond the next expected one is a CONFLICT naming it.
Random outcomes and money are decided here: mutations run with this server's seed and clock.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from purrr_core import RuleError
from purrr_server.actions import execute, mutation_fingerprint
from purrr_server.envelope import ApiError
from purrr_server.runtime import Runtime
from purrr_server.store.sync import digest
from purrr_server.store.users import User
from purrr_server.sync import protocol
from purrr_server.sync.hooks import PUSHING, Pushed
from purrr_server.sync.refs import has_refs, resolve

log = logging.getLogger("purrr.sync")

#: Errors that say nothing about the mutation itself: retry later, record nothing.
TRANSIENT_CODES = frozenset({"RATE_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR"})
#: A mutation that crashes its handler this many times in a row is rejected (a poison pill must
#: not block the client's queue forever).
POISON_ATTEMPTS = 3
#: How long a sync lease lasts without a request from its client (each push and pull renews it).
LEASE_SECONDS = 120
SYNC_BUSY = "SYNC_BUSY"


@dataclass(frozen=True, slots=True)
class Mutation:
    id: int
    name: str
    args: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return mutation_fingerprint(self.name, self.args)


@dataclass
class _ClientState:
    lock: asyncio.Lock
    crashes: dict[int, int]
    #: mutation id → rows it created ([[table, id], …]), for resolving references
    created: dict[int, list[list[Any]]]


_clients: dict[tuple[int, int, str], _ClientState] = {}


def _state(runtime: Runtime, user_id: int, client_id: str) -> _ClientState:
    key = (id(runtime), user_id, client_id)
    if key not in _clients:
        _clients[key] = _ClientState(asyncio.Lock(), {}, {})
    return _clients[key]


def meta(runtime: Runtime) -> dict[str, Any]:
    """What every push and pull answer carries besides its data: the protocol versions this
    server serves and its clock (clients warn about skew)."""
    return {"protocol": protocol.advertised(), "server_time": runtime.settings.now().isoformat()}


async def take_lease(runtime: Runtime, user: User, client_id: str) -> None:
    """Take or renew the account's sync lease for `client_id` (one device syncs at a time);
    CONFLICT with `details.reason` = SYNC_BUSY while another client holds it."""
    now = runtime.settings.now()
    expires = now + timedelta(seconds=LEASE_SECONDS)
    async with runtime.store.write(bump_version=False) as uow:
        holder = await uow.sync_log.take_lease(
            user.id, client_id, now.isoformat(), expires.isoformat()
        )
    if holder is not None:
        raise ApiError(
            "CONFLICT",
            f"another device of this account (client {holder['client_id'][:8]}) is syncing"
            f" now; sync again in a minute (its lease ends by {holder['expires_at']})",
            details={"reason": SYNC_BUSY, "holder": holder["client_id"], **holder},
            headers={"Retry-After": str(LEASE_SECONDS)},
        )


async def release_lease(runtime: Runtime, user: User, client_id: str) -> dict[str, Any]:
    """The end of a sync: the account's other devices may sync now."""
    async with runtime.store.write(bump_version=False) as uow:
        released = await uow.sync_log.release_lease(user.id, client_id)
    return {"released": released, **meta(runtime)}


def _error(exc: RuleError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "details": exc.details}


async def push(
    runtime: Runtime,
    user: User,
    client_id: str,
    mutations: list[Mutation],
    *,
    scopes: Collection[str] | None = None,
) -> dict[str, Any]:
    """Process `mutations` (consecutive ids) in order; see the module docstring.

    Each runs through the executor as a sync entry (`via="sync"`): only actions that sync are
    applied, each is checked against `scopes` (the pushing credential's) and counted against the
    player's rate limit. A refusal by policy is a permanent rejection of that mutation; an
    exhausted rate limit stops processing with `retry`, like any transient failure.

    Returns `{last_mutation_id, results, retry}`: one outcome per mutation processed (or
    already processed), and `retry` = `{id, error}` when processing stopped at a transient
    failure (nothing recorded for it; the client sends it again later).
    """
    ids = [m.id for m in mutations]
    if ids and ids != list(range(ids[0], ids[0] + len(ids))):
        raise ApiError(
            "VALIDATION_ERROR",
            "mutation ids in one push must be consecutive",
            details={"field": "mutations", "ids": ids[:20]},
        )
    await take_lease(runtime, user, client_id)
    state = _state(runtime, user.id, client_id)
    async with state.lock:
        state.created.clear()  # a cache for this push only
        last = await runtime.store.read.sync_log.last_mutation_id(user.id, client_id)
        if ids and ids[0] > last + 1:
            raise ApiError(
                "CONFLICT",
                f"mutation {ids[0]} is out of order: expected {last + 1}",
                details={"expected": last + 1, "received": ids[0], "last_mutation_id": last},
            )
        results: list[dict[str, Any]] = []
        for mutation in mutations:
            if mutation.id <= last:
                results.append(await _stored(runtime, user, client_id, mutation))
                continue
            outcome = await _process(runtime, user, client_id, mutation, state, scopes)
            if outcome is None:
                retry = {
                    "id": mutation.id,
                    "error": {"code": "TRANSIENT", "message": "try again later"},
                }
                return {
                    "last_mutation_id": last,
                    "results": results,
                    "retry": retry,
                    **meta(runtime),
                }
            results.append(outcome)
            last = mutation.id
        return {"last_mutation_id": last, "results": results, "retry": None, **meta(runtime)}


async def _stored(
    runtime: Runtime, user: User, client_id: str, mutation: Mutation
) -> dict[str, Any]:
    stored = await runtime.store.read.sync_log.outcome(user.id, client_id, mutation.id)
    if stored is None:  # processed ids are never forgotten; this is a bug, not a client error
        raise RuntimeError(f"mutation {mutation.id} of {client_id} has no stored outcome")
    if stored.pop("fingerprint") != mutation.fingerprint:
        raise ApiError(
            "CONFLICT",
            f"mutation {mutation.id} was already processed with other "
            "content; this client's outbox does not match the server",
            details={"mutation_id": mutation.id, "name": stored["name"]},
        )
    return stored


async def _process(
    runtime: Runtime,
    user: User,
    client_id: str,
    mutation: Mutation,
    state: _ClientState,
    scopes: Collection[str] | None,
) -> dict[str, Any] | None:
    """Apply or reject one mutation; None when it failed transiently."""
    pushed = Pushed(client_id, mutation.id, mutation.name, mutation.fingerprint)
    try:
        args = mutation.args
        if has_refs(args):
            args = await resolve(args, _lookup(runtime, user, client_id, state))
        token = PUSHING.set(pushed)
        try:
            await execute(
                runtime,
                user,
                mutation.name,
                args,
                via="sync",
                scopes=scopes,
                client_id=client_id,
                mutation_id=mutation.id,
            )
        finally:
            PUSHING.reset(token)
    except RuleError as exc:
        if exc.code in TRANSIENT_CODES:
            return None
        return await _reject(runtime, user, client_id, mutation, _error(exc))
    except (sqlite3.OperationalError, OSError, TimeoutError):
        log.warning(
            "sync: mutation %s of %s failed transiently", mutation.id, client_id, exc_info=True
        )
        return None
    except sqlite3.IntegrityError:
        pass  # processed concurrently by another process: its outcome is stored
    except Exception as exc:  # a handler crash: retried, then rejected as a poison pill
        log.exception("sync: mutation %s (%s) of %s crashed", mutation.id, mutation.name, client_id)
        crashes = state.crashes[mutation.id] = state.crashes.get(mutation.id, 0) + 1
        if crashes < POISON_ATTEMPTS:
            return None
        error = {
            "code": "INTERNAL_SERVER_ERROR",
            "message": f"the server could not apply {mutation.name} "
            f"({type(exc).__name__}); it was dropped after {crashes} attempts",
            "details": {"attempts": crashes},
        }
        return await _reject(runtime, user, client_id, mutation, error)
    state.crashes.pop(mutation.id, None)
    if pushed.outcome is not None:
        state.created[mutation.id] = pushed.outcome["created"]
        return pushed.outcome
    return await _stored(runtime, user, client_id, mutation)


def _lookup(runtime: Runtime, user: User, client_id: str, state: _ClientState) -> Any:
    async def lookup(mutation_id: int, table: str, ordinal: int) -> int | None:
        if mutation_id not in state.created:
            stored = await runtime.store.read.sync_log.outcome(user.id, client_id, mutation_id)
            if stored is None:
                return None
            state.created[mutation_id] = stored["created"]
        rows = [row_id for name, row_id in state.created[mutation_id] if name == table]
        return rows[ordinal] if ordinal < len(rows) else None

    return lookup


async def _reject(
    runtime: Runtime, user: User, client_id: str, mutation: Mutation, error: dict[str, Any]
) -> dict[str, Any]:
    try:
        async with runtime.store.write(user.id) as uow:
            await uow.sync_log.record(
                user.id,
                client_id,
                mutation.id,
                name=mutation.name,
                fingerprint=mutation.fingerprint,
                status="rejected",
                result=error,
                created=[],
                now=runtime.settings.now().isoformat(),
            )
    except sqlite3.IntegrityError:
        pass  # decided concurrently by another process: return that outcome
    return await _stored(runtime, user, client_id, mutation)


async def pull(runtime: Runtime, user: User, cursor: int, client_id: str | None) -> dict[str, Any]:
    """Every change of `user` after `cursor`, as one consistent snapshot.

    The reads run inside a version-neutral write transaction that locks the player's version
    row, so no action of the player commits between them: the new cursor covers exactly the rows, tombstones and outcomes returned, and
    `digest` (per-table hashes of all the player's rows, for the agreement check) describes
    exactly the state at that cursor. A pull for a client takes or renews its sync lease.
    """
    if client_id:
        await take_lease(runtime, user, client_id)
    async with runtime.store.write(user.id, bump_version=False) as uow:
        upto = uow.player_version  # the player's row stays locked until the pull's reads end
        changes = await uow.sync_log.changes(user.id, cursor, upto)
        tombstones = await uow.sync_log.tombstones(user.id, cursor, upto)
        outcomes, last = [], 0
        if client_id:
            outcomes = await uow.sync_log.outcomes_since(user.id, client_id, cursor, upto)
            last = await uow.sync_log.last_mutation_id(user.id, client_id)
        hashes = digest(await uow.sync_log.game(user.id))
    return {
        "cursor": upto,
        "changes": changes,
        "tombstones": tombstones,
        "client_id": client_id,
        "last_mutation_id": last,
        "mutations": outcomes,
        "user": {"id": user.id, "username": user.username},
        "digest": hashes,
        **meta(runtime),
    }
