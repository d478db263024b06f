"""Helpers routers share: turning a request into an action, pagination, the caller's store."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from purrr_server.actions import MAX_ID, execute
from purrr_server.auth import Principal
from purrr_server.envelope import ApiError, JSONBody, ok, request_id
from purrr_server.runtime import runtime_of

T = TypeVar("T")


class Meta(BaseModel):
    request_id: str
    timestamp: str


class Envelope(BaseModel, Generic[T]):
    """The success envelope (SPEC §7) around `data`: routes declare `Envelope[Result]` as their
    `response_model`, so /openapi.json describes every response."""

    success: Literal[True] = True
    data: T
    meta: Meta


_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def idempotency_key(request: Request) -> str | None:
    """The request's `Idempotency-Key` (printable ASCII, at most 255 characters)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not _KEY.match(key):
        raise ApiError(
            "BAD_REQUEST",
            "Idempotency-Key must be 1–255 printable ASCII characters",
            details={"field": "Idempotency-Key", "value": key[:255]},
        )
    return key


def expected_version(if_match: str | None, body_version: int | None = None) -> int | None:
    """The version the client edits against: `If-Match: "3"` (or W/"3") or the body's `version`."""
    if if_match is None or if_match.strip() == "*":
        return body_version
    raw = if_match.strip().removeprefix("W/").strip('"')
    try:
        version = int(raw)
        if not 1 <= version <= MAX_ID:
            raise ValueError(raw)
        return version
    except ValueError:
        raise ApiError(
            "BAD_REQUEST",
            'If-Match must be the cat\'s version, e.g. "3"',
            details={"field": "If-Match", "value": if_match},
        ) from None


async def run_action(
    request: Request, who: Principal | None, name: str, args: dict[str, Any] | BaseModel
) -> Response:
    """Execute action `name` for this request's caller (None: anonymous) and answer with its
    envelope. `args` is the action's argument model, or a dict the executor validates with it.

    The executor enforces the action's policy (scope, anonymous) against the caller's
    credential. The `Idempotency-Key` header makes the request safe to retry; a replay carries
    `Idempotent-Replayed: true`.
    """
    key = idempotency_key(request) if request.method in WRITE_METHODS else None
    outcome = await execute(
        runtime_of(request),
        who.user if who else None,
        name,
        args,
        via="http",
        scopes=who.scopes if who else frozenset(),
        idempotency_key=key,
        request_id=request_id(request),
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    if outcome.body is not None:
        return JSONBody(outcome.body, outcome.status_code, headers)
    return ok(request, outcome.result, outcome.status_code, headers)


@dataclass(frozen=True, slots=True)
class Page:
    limit: int
    offset: int


async def page(
    limit: Annotated[int, Query(ge=1, le=1000, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> Page:
    """Pagination query parameters (`?limit&offset`). A coroutine: FastAPI runs a plain `def`
    dependency in its thread pool, a thread hop per request for two integers."""
    return Page(limit, offset)


Paging = Annotated[Page, Depends(page)]


#: The OpenAPI description of a Server-Sent Events route's answer.
SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}
}

#: A live stream's `?timeout=` (seconds until the server closes it; none: until the client goes).
StreamTimeout = Annotated[
    float | None, Query(gt=0, le=3600, description="Close after this many seconds.")
]


def sse_event(event: dict[str, Any]) -> bytes:
    """One event in Server-Sent Events framing; its `version` is the id a client resumes after."""
    import json

    data = json.dumps(event, separators=(",", ":"), default=str)
    return f"id: {event['version']}\nevent: {event['type']}\ndata: {data}\n\n".encode()


#: A live stream's body, given the cursor to resume after and the callback that frees its slot.
EventStream = Callable[[int, Callable[[], None]], AsyncIterator[bytes]]


def sse_response(
    request: Request, user_id: int, since: int, stream: EventStream
) -> StreamingResponse:
    """A Server-Sent Events response: it resumes after `since` or the client's `Last-Event-ID`,
    whichever is later, and holds one of the player's stream slots (`limits.stream_slots`) until
    it ends, also when it never started."""
    from starlette.background import BackgroundTask

    from purrr_server.limits import stream_slots

    last_id = request.headers.get("last-event-id", "")
    # Only a version this server could have sent (ASCII digits, a 63-bit number); else ignored.
    if 0 < len(last_id) <= 19 and last_id.isascii() and last_id.isdigit():
        since = max(since, min(int(last_id), MAX_ID))
    release = stream_slots(request).acquire(user_id)
    return StreamingResponse(
        stream(since, release),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(release),
    )
