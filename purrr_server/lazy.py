"""Lazy time on reads: due breedings and ended patrols are caught up before a read answers, so a
cat read after the fact already shows its kittens or its patrol XP.

Each catch-up checks cheaply on the read connection (no game rules imported) and runs its action
only when something is due. Cat reads learn whether there is anything to check from the same query
that fetches the cats (`CatRepository.get_checked`), so the usual read costs one query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from purrr_server.actions import execute
from purrr_server.envelope import ApiError, request_id
from purrr_server.runtime import runtime_of
from purrr_server.store.cats import Pending
from purrr_server.store.users import User

if TYPE_CHECKING:
    from purrr_core.economy import PayoutProvider
    from purrr_server.auth import Principal


async def complete_due_breedings(request: Request, user: User) -> bool:
    """Complete the player's due breedings (the `breeding.complete` action); whether it ran."""
    runtime = runtime_of(request)
    now = runtime.settings.now()
    if any(b.due(now) for b in await runtime.store.read.breedings.pending(user.id)):
        await execute(runtime, user, "breeding.complete", {}, request_id=request_id(request))
        return True
    return False


async def catch_up_patrols(request: Request, user: User, *, create_system: bool = False) -> bool:
    """Run `nightwatch.catch_up` when a patrol has ticks waiting (or, with `create_system`, for
    Night Watch reads, when the player has no Night Watch system yet); whether it ran."""
    runtime = runtime_of(request)
    repo = runtime.store.read.nightwatch
    waiting = False
    if await repo.has_unsettled_patrols(user.id):
        from purrr_server.services.nightwatch import needs_catch_up

        now = runtime.settings.now()
        waiting = any(needs_catch_up(p, now) for p in await repo.unsettled_patrols(user.id))
    if waiting or (create_system and await repo.system(user.id) is None):
        await execute(runtime, user, "nightwatch.catch_up", {}, request_id=request_id(request))
        return True
    return False


async def bring_to_now(request: Request, user: User, pending: Pending | None = None) -> bool:
    """Everything a read of the player's cats must see first; whether anything ran (then what
    was read with `pending` is stale: read it again)."""
    if pending is None:
        pending = await runtime_of(request).store.read.cats.pending(user.id)
    ran = pending.breedings and await complete_due_breedings(request, user)
    if pending.patrols:
        ran = await catch_up_patrols(request, user) or ran
    return ran


#: Catch-ups one read runs at most: mark sent, then send and (when already due) settle.
CATCH_UP_ROUNDS = 3


async def catch_up_withdrawals(request: Request, who: Principal) -> None:
    """Let the caller's withdrawals move on (sent after the hold, settled or failed) before they
    are shown: `economy.withdrawals_catch_up` actions, run only while one is due. A send takes
    two (one marks the withdrawal sent, the next calls the provider before its transaction), so
    a read runs a few at most."""
    from purrr_server import payments
    from purrr_server.services.economy import withdrawals_due

    runtime = runtime_of(request)
    settings = runtime.settings
    try:
        provider: PayoutProvider | None = payments.payout_provider_for(
            settings.economy, settings.hosted, settings.allow_sandbox_payments
        )
    except ApiError:
        provider = None  # a hosted server without a payout provider sends nothing
    for _ in range(CATCH_UP_ROUNDS):
        rows = await runtime.store.read.withdrawals.open_for_user(who.user.id)
        if not rows or not withdrawals_due(rows, settings.now(), settings, provider):
            return
        outcome = await execute(
            runtime,
            who.user,
            "economy.withdrawals_catch_up",
            {},
            via="internal",
            scopes=who.scopes,
            request_id=request_id(request),
        )
        if not outcome.result["withdrawals"]:
            return  # nothing moved (e.g. the provider is unreachable): ask again next read
