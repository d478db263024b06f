"""Operator commands: actions run by the server's operator on its data directory, without HTTP.

`purrr server oauth-client …` calls these. Each runs one registered action as the server itself
(`via="internal"`, no player), so it is typed, logged in the action log and transactional like
every other change, and a running server sees it at once (SQLite WAL; same database).
"""

from __future__ import annotations

import asyncio
from typing import Any

from purrr_server.settings import Settings


async def run_operator_action(settings: Settings, name: str, args: dict[str, Any]) -> Any:
    """Run action `name` on `settings`' database as the operator; its result."""
    from purrr_server.actions import execute
    from purrr_server.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        await runtime.ensure_open()
        outcome = await execute(runtime, None, name, args, via="internal", scopes=None)
        return outcome.result
    finally:
        await runtime.close()


async def _read(settings: Settings, what: str) -> Any:
    from purrr_server.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        await runtime.ensure_open()
        if what == "oauth_clients":
            return [c.view() for c in await runtime.store.read.oauth.clients()]
        raise ValueError(what)
    finally:
        await runtime.close()


def operator_action(settings: Settings, name: str, args: dict[str, Any]) -> Any:
    """`run_operator_action` from synchronous code (the CLI)."""
    return asyncio.run(run_operator_action(settings, name, args))


def oauth_clients(settings: Settings) -> list[dict[str, Any]]:
    """The registered OAuth2 clients (no secrets)."""
    result: list[dict[str, Any]] = asyncio.run(_read(settings, "oauth_clients"))
    return result
