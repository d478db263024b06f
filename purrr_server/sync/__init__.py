"""Sync between a local game and a remote purrr server (DESIGN decision 5, docs/sync.md).

`hooks` is the executor hook, `remote` the remote role, `engine` the local one, `router` the HTTP
API. Importing the package imports none of them, so an app that never syncs loads no sync code:

* the executor hook is installed before any action runs, with the other after-action hooks
  (`purrr_server.services.HOOKS` names `hooks`; `actions.execute` loads them first), so no
  action of a linked game misses the outbox;
* `lifespan` starts the engine's part of an app's life (`engine.lifespan`) only where it has
  work: the daemon's background sync, or a rebuild that a crash interrupted;
* the routers import the engine when the first sync request mounts them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package stays import-light: `/health` imports `protocol`
    from fastapi import FastAPI

    from purrr_server.runtime import Runtime


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Around the app's life: `engine.lifespan` (finish an interrupted rebuild, sync in the
    background in the daemon) when there is something for it to do; nothing on a hosted server,
    nor on a local game with no rebuild pending outside the daemon."""
    runtime: Runtime = app.state.runtime
    if runtime.settings.hosted:
        yield
        return
    if not getattr(app.state, "background_sync", False) and not await _rebuild_pending(runtime):
        yield
        return
    from purrr_server.sync.engine import lifespan as engine_lifespan

    async with engine_lifespan(app):
        yield


async def _rebuild_pending(runtime: Runtime) -> bool:
    """Whether a pull left the live tables to rebuild (`sync_link.needs_rebuild`, the flag
    `store.sync.Link` reads). Asked through the users repository, which authentication has
    loaded already: `sync_local` would import the sync store module with its row types, a
    fiftieth of a one-shot command, to read one integer."""
    row = await runtime.store.read.users.fetchone(
        "SELECT needs_rebuild FROM sync_link WHERE id = 1"
    )
    return row is not None and bool(row[0])
