"""The executor hook (`purrr_server.actions.ON_LOGGED`): sync bookkeeping inside each action's
own transaction, so an action and its sync record commit — or roll back — together.

* Remote role: a pushed mutation being processed gets its outcome row in `sync_mutations`.
* Local role, re-applying a pending mutation after a pull: its new provisional ids are noted.
* Local role, linked: every other syncable action is appended to the outbox with the next
  gapless mutation id, its provisional-id arguments kept as references.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from purrr_server.actions import ActionContext, Logged, logged_hook, spec_for
from purrr_server.sync.refs import created_rows, symbolize


@dataclass(slots=True)
class Pushed:
    """The mutation the remote is processing now (set around `execute`); the hook leaves the
    outcome it recorded here."""

    client_id: str
    mutation_id: int
    name: str
    fingerprint: str
    outcome: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Reapplying:
    """The pending mutation the local game is re-applying now, and its previous action-log row."""

    mutation_id: int
    previous_action_id: int | None


PUSHING: ContextVar[Pushed | None] = ContextVar("purrr_sync_pushing", default=None)
REAPPLYING: ContextVar[Reapplying | None] = ContextVar("purrr_sync_reapplying", default=None)


def syncs(name: str) -> bool:
    """Whether action `name` is queued for the remote when played on a linked game."""
    spec = spec_for(name)
    return spec is not None and spec.syncs and not spec.anonymous


def _writes(ctx: ActionContext) -> bool:
    """Whether `on_logged` may write for this action: on a hosted server only for a pushed
    mutation (its sync-log row); on a local game whenever it runs."""
    return PUSHING.get() is not None or not ctx.settings.hosted


@logged_hook(writes=_writes)
async def on_logged(ctx: ActionContext, logged: Logged) -> None:
    if not _writes(ctx):
        # its own guard, so that it never writes where it told the executor it would not (the
        # executor then committed with the action-log statement)
        return
    record, uow = logged.record, ctx.store
    created = created_rows(uow.inserted)
    pushed = PUSHING.get()
    if pushed is not None and record.client_id == pushed.client_id and record.user_id is not None:
        rows = [(table, row_id) for table, row_id, _ in created]
        await uow.sync_log.record(
            record.user_id,
            pushed.client_id,
            pushed.mutation_id,
            name=record.name,
            fingerprint=pushed.fingerprint,
            status="applied",
            result=record.result,
            created=rows,
            now=ctx.stamp,
        )
        pushed.outcome = {
            "id": pushed.mutation_id,
            "name": pushed.name,
            "status": "applied",
            "created": [list(row) for row in rows],
            "version": ctx.version,
            "result": record.result,
        }
        return
    if ctx.settings.hosted:
        return  # a hosted server is a remote: it has no outbox (another client's push)
    reapplying = REAPPLYING.get()
    if reapplying is not None:
        await uow.sync_local.add_provisional(reapplying.mutation_id, created)
        await uow.sync_local.set_applied(reapplying.mutation_id, logged.action_id)
        if reapplying.previous_action_id is not None:
            await uow.sync_local.delete_action(reapplying.previous_action_id)
        return
    if record.client_id is not None or record.user_id is None or not syncs(record.name):
        return
    link = await uow.sync_local.link()
    if link is None or link.user_id != record.user_id:
        return

    async def provisional(table: str, row_id: int) -> list[object] | None:
        found = await uow.sync_local.provisional(table, row_id)
        return [found[0], table, found[1]] if found else None

    args = await symbolize(logged.args, provisional)
    mutation_id = await uow.sync_local.take_mutation_id()
    await uow.sync_local.append(
        mutation_id, record.name, args, record.seed, ctx.stamp, logged.action_id
    )
    await uow.sync_local.add_provisional(mutation_id, created)
