"""`/api/v1/events`: the player's live events as Server-Sent Events, or by polling.

Every event carries its player's `version` it was written at; pass the last one you saw as
`?since=` to resume without gaps. The stream wakes at once for writes made by this process and
soon after writes made by other processes on the same database (`purrr_server.live`: PostgreSQL
LISTEN/NOTIFY, or on SQLite a poll every `events_poll_seconds`; one per process, not per stream).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from purrr_server.actions import MAX_ID
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import SSE_RESPONSES, Envelope, StreamTimeout, sse_event, sse_response
from purrr_server.runtime import Runtime, runtime_of

router = APIRouter(prefix="/events", tags=["events"])
Since = Annotated[int, Query(ge=0, le=MAX_ID, description="Only events with a higher version.")]
HEARTBEAT_SECONDS = 15.0
#: Events read at once; a full batch is followed by the next at once.
BATCH = 500


async def _stream(
    request: Request,
    runtime: Runtime,
    user_id: int,
    since: int,
    timeout: float | None,
    release: Callable[[], None],
) -> AsyncIterator[bytes]:
    try:
        async for chunk in _events(request, runtime, user_id, since, timeout):
            yield chunk
    finally:
        release()


async def _events(
    request: Request, runtime: Runtime, user_id: int, since: int, timeout: float | None
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout if timeout is not None else None
    last_beat = loop.time()
    waker = runtime.event_waker
    yield b": connected\n\n"
    async with waker.watching(user_id):
        while deadline is None or loop.time() < deadline:
            generation = waker.generation(user_id)
            batch = await runtime.store.read.events.since(user_id, since, BATCH)
            for event in batch:
                since = event["version"]
                yield sse_event(event)
            if len(batch) == BATCH:
                continue  # more are waiting: no pause
            if await request.is_disconnected():
                return
            if loop.time() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = loop.time()
                yield b": heartbeat\n\n"
            wait = HEARTBEAT_SECONDS if deadline is None else deadline - loop.time()
            await waker.wait(generation, max(0.0, min(HEARTBEAT_SECONDS, wait)))


class Event(BaseModel):
    id: int
    version: int
    type: str
    payload: dict[str, Any]
    created_at: str


class EventsPage(BaseModel):
    events: list[Event]
    cursor: int
    version: int


@router.get(
    "",
    summary="Live events (text/event-stream)",
    response_class=StreamingResponse,
    responses=SSE_RESPONSES,
)
async def stream(
    request: Request,
    who: Caller,
    since: Since = 0,
    timeout: StreamTimeout = None,
) -> StreamingResponse:
    runtime = runtime_of(request)
    return sse_response(
        request,
        who.user.id,
        since,
        lambda since, release: _stream(request, runtime, who.user.id, since, timeout, release),
    )


@router.get(
    "/poll",
    summary="Events since a version, without streaming",
    response_model=Envelope[EventsPage],
)
async def poll(
    request: Request,
    who: Caller,
    since: Since = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Response:
    runtime = runtime_of(request)
    events = await runtime.store.read.events.since(who.user.id, since, limit)
    cursor = events[-1]["version"] if events else since
    return ok(
        request,
        {
            "events": events,
            "cursor": cursor,
            "version": await runtime.store.player_version(who.user.id),
        },
    )
