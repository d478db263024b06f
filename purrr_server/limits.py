"""Per-player and per-process bounds on work: cats kept, rooms joined, live streams held,
CPU-heavy reads.

The numbers come from `Settings` (`max_cats_per_player`, `max_rooms_per_player`, `max_streams_per_player`,
`heavy_workers`); docs/api.md ("Limits") lists them. The request-body limit is the
`BodyLimit` middleware (purrr_server.middleware).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import anyio
import anyio.to_thread

from purrr_core import Conflict
from purrr_server.envelope import ApiError

if TYPE_CHECKING:
    from starlette.requests import Request

    from purrr_server.actions import ActionContext

T = TypeVar("T")


def max_litter() -> int:
    """The most kittens one breeding can give (the breeding rules are imported on first use:
    most requests never need them)."""
    from purrr_core.breeding import LITTER_WEIGHTS

    return max(LITTER_WEIGHTS)


class Runner(Protocol):
    """Runs `fn(*args)` and returns its result: `run_here`, or `HeavyWork.run` (a thread)."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


async def run_here(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` on the event loop (in-process callers with nothing else to serve)."""
    return fn(*args)


async def ensure_cat_room(ctx: ActionContext, adding: int = 1) -> None:
    """Refuse (CONFLICT) an action that would take the player past `max_cats_per_player`.

    The kittens of breedings under way count at their largest litter, so they always fit when
    they arrive."""
    limit = ctx.settings.max_cats_per_player
    owned = await ctx.store.cats.count(ctx.user_id)
    expected = owned + await ctx.store.cats.pending_kittens(ctx.user_id, max_litter())
    if expected + adding > limit:
        raise Conflict(
            f"a player may keep at most {limit} cats; you have {owned}"
            + (
                f" and room is kept for {expected - owned} kittens on the way"
                if expected > owned
                else ""
            )
            + f", and this needs room for {adding}; release a cat first (DELETE /api/v1/cats/{{id}})",
            details={"limit": limit, "cats": owned, "expected": expected, "needed": adding},
        )


async def ensure_room_slot(ctx: ActionContext) -> None:
    """Refuse (CONFLICT) joining one room more than `max_rooms_per_player`."""
    limit = ctx.settings.max_rooms_per_player
    rooms = await ctx.store.rooms.rooms_of(ctx.user_id)
    if len(rooms) >= limit:
        raise Conflict(
            f"a player may be in at most {limit} rooms at once; you are in "
            + ", ".join(f"#{r}" for r in rooms)
            + "; leave one first (`purrr rooms leave ID`)",
            details={"limit": limit, "rooms": rooms},
        )


class StreamSlots:
    """How many live event streams each player holds open; `acquire` refuses one too many."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: dict[int, int] = {}

    def acquire(self, user_id: int) -> Callable[[], None]:
        """Take a slot for `user_id` (429 when none is free); returns its idempotent release."""
        held = self.open.get(user_id, 0)
        if held >= self.limit:
            raise ApiError(
                "RATE_LIMIT_EXCEEDED",
                f"you already have {held} live event streams open (the most is {self.limit}); "
                "close one, or poll GET /api/v1/events/poll",
                details={"limit": self.limit, "open": held},
                headers={"Retry-After": "5"},
            )
        self.open[user_id] = held + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            left = self.open.get(user_id, 1) - 1
            if left > 0:
                self.open[user_id] = left
            else:
                self.open.pop(user_id, None)

        return release


class HeavyWork:
    """Runs CPU-bound functions in worker threads, at most `workers` at a time, so the event
    loop keeps answering (`/health/live`, other players) while a big pair ranking is computed."""

    def __init__(self, workers: int) -> None:
        self.limiter = anyio.CapacityLimiter(workers)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)


def heavy_work(request: Request) -> HeavyWork:
    """The app's worker pool for CPU-heavy reads (made by `create_app`)."""
    work: HeavyWork = request.app.state.heavy_work
    return work


def stream_slots(request: Request) -> StreamSlots:
    """The app's live-stream counter (made by `create_app`)."""
    slots: StreamSlots = request.app.state.stream_slots
    return slots
