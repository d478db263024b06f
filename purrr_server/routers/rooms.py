"""`/api/v1/rooms`: multiplayer rooms on a hosted server (docs/rooms.md).

`GET /rooms` lists open rooms, `POST /rooms` joins one by type (or id) with a cat, creating a
room when every one of that type is full; `POST /rooms/{id}/leave` and `POST /rooms/{id}/play`
(a round of the room's activity). `GET /rooms/{id}/events` is the room's live channel as
Server-Sent Events (joined, left, round, closed; `?since=` resumes), `/events/poll` the same
without streaming. The local game answers every route with HOSTED_ONLY (409).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from purrr_core.rooms import room_type
from purrr_server.actions import MAX_ID
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import (
    SSE_RESPONSES,
    Envelope,
    StreamTimeout,
    run_action,
    sse_event,
    sse_response,
)
from purrr_server.runtime import Runtime, runtime_of
from purrr_server.services.rooms import (
    JoinArgs,
    RoomOut,
    RoundOut,
    load_room,
    require_hosted,
    room_view,
)

router = APIRouter(prefix="/rooms", tags=["rooms"])
RoomId = Annotated[int, Path(ge=1, le=MAX_ID, description="The room's id.")]
Since = Annotated[int, Query(ge=0, le=MAX_ID, description="Only events with a higher version.")]
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


class RoomDetail(RoomOut):
    recent_rounds: list[dict[str, Any]]


class RoomEvent(BaseModel):
    id: int
    version: int
    type: str
    room_id: int
    payload: dict[str, Any]
    created_at: str


class RoomEventsPage(BaseModel):
    events: list[RoomEvent]
    cursor: int
    status: str


@router.get("", summary="Open rooms (or yours)", response_model=Envelope[list[RoomOut]])
async def list_rooms(
    request: Request,
    who: Caller,
    type: Annotated[str | None, Query(description="playground, contest or patrol")] = None,
    mine: Annotated[bool, Query(description="Only the rooms you are in.")] = False,
) -> Response:
    runtime = runtime_of(request)
    require_hosted(runtime.settings)
    if type is not None:
        room_type(type)  # an unknown type names the valid ones
    session = runtime.store.read
    if mine:
        ids = await session.rooms.rooms_of(who.user.id)
        rooms = [r for r in [await session.rooms.get(i) for i in ids] if r is not None]
        if type is not None:
            rooms = [r for r in rooms if r["type"] == type]
    else:
        rooms = await session.rooms.open_rooms(type)
    members = await session.rooms.members([r["id"] for r in rooms])
    return ok(request, [room_view(r, members[r["id"]]) for r in rooms])


@router.post(
    "",
    summary="Join a room by type (or id) with a cat",
    response_model=Envelope[RoomOut],
)
async def join_room(request: Request, who: Caller, body: JoinArgs) -> Response:
    return await run_action(request, who, "rooms.join", body)


@router.get(
    "/{room_id}",
    summary="A room, its players and recent rounds",
    response_model=Envelope[RoomDetail],
)
async def get_room(request: Request, who: Caller, room_id: RoomId) -> Response:
    runtime = runtime_of(request)
    require_hosted(runtime.settings)
    session = runtime.store.read
    room = await load_room(session, room_id)
    members = await session.rooms.members([room_id])
    detail = room_view(room, members[room_id])
    detail["recent_rounds"] = await session.rooms.rounds(room_id, limit=5)
    return ok(request, detail)


@router.post("/{room_id}/leave", summary="Leave a room", response_model=Envelope[RoomOut])
async def leave_room(request: Request, who: Caller, room_id: RoomId) -> Response:
    return await run_action(request, who, "rooms.leave", {"room_id": room_id})


@router.post(
    "/{room_id}/play",
    summary="Play a round of the room's activity",
    status_code=201,
    response_model=Envelope[RoundOut],
)
async def play_round(request: Request, who: Caller, room_id: RoomId) -> Response:
    return await run_action(request, who, "rooms.play", {"room_id": room_id})


async def _events(
    request: Request,
    runtime: Runtime,
    room_id: int,
    since: int,
    timeout: float | None,
    release: Callable[[], None],
) -> AsyncIterator[bytes]:
    """The room's events from `since` on, until the room closes, the client goes or `timeout`."""
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout is not None else None
        last_beat = loop.time()
        yield b": connected\n\n"
        while deadline is None or loop.time() < deadline:
            for event in await runtime.store.read.rooms.events_since(room_id, since):
                since = event["version"]
                yield sse_event(event)
                if event["type"] == "room.closed":
                    return
            if await request.is_disconnected():
                return
            if loop.time() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = loop.time()
                yield b": heartbeat\n\n"
            wait = (
                POLL_SECONDS
                if deadline is None
                else max(0.0, min(POLL_SECONDS, deadline - loop.time()))
            )
            await runtime.store.wait_for_change(wait)
    finally:
        release()


@router.get(
    "/{room_id}/events",
    summary="The room's live channel (text/event-stream)",
    response_class=StreamingResponse,
    responses=SSE_RESPONSES,
)
async def room_events(
    request: Request,
    who: Caller,
    room_id: RoomId,
    since: Since = 0,
    timeout: StreamTimeout = None,
) -> StreamingResponse:
    runtime = runtime_of(request)
    require_hosted(runtime.settings)
    await load_room(runtime.store.read, room_id)
    return sse_response(
        request,
        who.user.id,
        since,
        lambda since, release: _events(request, runtime, room_id, since, timeout, release),
    )


@router.get(
    "/{room_id}/events/poll",
    summary="The room's events since a version, without streaming",
    response_model=Envelope[RoomEventsPage],
)
async def poll_room_events(
    request: Request,
    who: Caller,
    room_id: RoomId,
    since: Since = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Response:
    runtime = runtime_of(request)
    require_hosted(runtime.settings)
    room = await load_room(runtime.store.read, room_id)
    events = await runtime.store.read.rooms.events_since(room_id, since, limit)
    cursor = events[-1]["version"] if events else since
    return ok(request, {"events": events, "cursor": cursor, "status": room["status"]})
