"""Operator commands: actions run by the server's operator on its data directory, without HTTP.

`purrr server oauth-client …` and `purrr server withdrawals …` call these. Each runs one registered action as the server itself
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


async def _as_owner(settings: Settings, withdrawal_id: int, name: str, args: dict[str, Any]) -> Any:
    """Run a withdrawal action for the player who owns withdrawal `withdrawal_id`."""
    from purrr_core.errors import NotFound
    from purrr_server.actions import execute
    from purrr_server.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        await runtime.ensure_open()
        owner = await runtime.store.read.withdrawals.owner(withdrawal_id)
        user = await runtime.store.read.users.get(owner) if owner is not None else None
        if user is None:
            raise NotFound(
                f"withdrawal {withdrawal_id} not found", details={"withdrawal_id": withdrawal_id}
            )
        outcome = await execute(runtime, user, name, args, via="internal", scopes=None)
        if name != "economy.withdrawal_approve":
            return outcome.result
        # Approved means marked sent: pay it out now (the provider is called outside any
        # transaction) rather than at the player's next read.
        caught = await execute(
            runtime, user, "economy.withdrawals_catch_up", {}, via="internal", scopes=None
        )
        result: dict[str, Any] = dict(outcome.result)
        fresh = await runtime.store.read.withdrawals.get(user.id, withdrawal_id)
        if fresh is not None:
            result["withdrawal"] = fresh
        result["provider_errors"] = caught.result.get("provider_errors", [])
        return result
    finally:
        await runtime.close()


async def _withdrawal_queue(settings: Settings, status: str | None, limit: int) -> Any:
    """Every player's withdrawals, after letting the open ones move on (as a read would)."""
    from purrr_core.errors import RuleError
    from purrr_server.actions import execute
    from purrr_server.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        await runtime.ensure_open()
        for user_id in await runtime.store.read.withdrawals.users_with_open():
            user = await runtime.store.read.users.get(user_id)
            if user is None:
                continue
            try:
                await execute(
                    runtime, user, "economy.withdrawals_catch_up", {}, via="internal", scopes=None
                )
            except RuleError:
                continue  # e.g. no payout provider yet: the queue is shown as it is
        return await runtime.store.read.withdrawals.every(status, limit)
    finally:
        await runtime.close()


def operator_action(settings: Settings, name: str, args: dict[str, Any]) -> Any:
    """`run_operator_action` from synchronous code (the CLI)."""
    return asyncio.run(run_operator_action(settings, name, args))


def oauth_clients(settings: Settings) -> list[dict[str, Any]]:
    """The registered OAuth2 clients (no secrets)."""
    result: list[dict[str, Any]] = asyncio.run(_read(settings, "oauth_clients"))
    return result


def withdrawal_queue(settings: Settings, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Every player's withdrawals, newest first (optionally only those in `status`)."""
    result: list[dict[str, Any]] = asyncio.run(_withdrawal_queue(settings, status, limit))
    return result


def withdrawal_action(settings: Settings, withdrawal_id: int, name: str, **args: Any) -> Any:
    """Approve or reject withdrawal `withdrawal_id` as the operator."""
    return asyncio.run(
        _as_owner(settings, withdrawal_id, name, {"withdrawal_id": withdrawal_id, **args})
    )
