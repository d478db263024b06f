"""The hot reads, `GET /api/v1/cats/{id}` and `GET /api/v1/cats`, answered by a plain ASGI layer.

Most of the traffic is these two reads, and on them FastAPI's routing (every route pattern tried
in turn), its dependency solver (the `Caller` dependency, the paging parameters, the path
parameter) and its response machinery cost more than the read itself (docs/architecture.md,
"Performance"). `HotReads` recognises them by path, authenticates with the same code as the
`Caller` dependency (`purrr_server.auth.authenticate_with`: scopes, IP allow-lists, the rate
limit), runs the same handlers as the routes (`load_cat`, `load_cats`, which the routes in
`purrr_server.routers.cats` call too), and sends the envelope itself, put together from each
cat's JSON encoded once (`presenters.cat_json_bytes`). Errors go to the app's own
exception handlers, so an error is the same envelope either way.

Only the well-formed request is taken: a path id that is not a plain decimal number in range, a
query string with anything but one `limit` and one `offset` in range, or an app served under a
root path goes on to FastAPI, which answers it (and its validation errors) as before. The routes
stay mounted for that and for the OpenAPI description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from purrr_core import Cat
from purrr_server.auth import authenticate_with
from purrr_server.envelope import dumps, meta, request_id_of, success_body
from purrr_server.lazy import bring_to_now
from purrr_server.presenters import cat_json, cat_json_bytes
from purrr_server.runtime import Runtime
from purrr_server.store.users import User

#: The paths served here (the routes of `purrr_server.routers.cats` with these paths agree).
CATS_PATH = "/api/v1/cats"
_CAT_PREFIX = CATS_PATH + "/"
#: `GET /cats/{id}`: ids are 1..2**63-1 (`purrr_server.actions.MAX_ID`).
MAX_ID = 2**63 - 1
#: `?limit&offset` of a list (`purrr_server.http.page`): its default and bounds.
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_JSON = (b"content-type", b"application/json")


async def load_cat(request: Request, user: User, cat_id: int) -> Cat:
    """`GET /cats/{id}`'s cat, brought to now (one query when nothing is pending: the cat and
    whether the player has lazy work come back together); NOT_FOUND for another's cat."""
    runtime: Runtime = request.app.state.runtime
    found, pending = await runtime.store.read.cats.get_checked(user.id, cat_id)
    if await bring_to_now(request, user, pending) or found is None:
        from purrr_server.services.cats import find_cat

        found = await find_cat(runtime.store.read, user.id, cat_id)
    return found


async def load_cats(request: Request, user: User, limit: int, offset: int) -> tuple[list[Cat], int]:
    """`GET /cats`' page of the player's cats brought to now, and how many they have (one
    query when nothing is pending, as for one cat)."""
    runtime: Runtime = request.app.state.runtime
    repo = runtime.store.read.cats
    cats, total, pending = await repo.page_checked(user.id, limit, offset)
    if await bring_to_now(request, user, pending):
        cats, total = await repo.page(user.id, limit, offset)
    return cats, total


def etag(cat: Cat) -> dict[str, str]:
    return {"ETag": f'"{cat.version}"'}


def total_count(total: int) -> dict[str, str]:
    return {"X-Total-Count": str(total)}


def cats_data(cats: list[Cat], now: datetime) -> bytes | None:
    """The JSON of `[cat_json(c, now) for c in cats]` as `envelope.dumps` writes it, from the
    cats' pre-encoded parts (`presenters.cat_json_bytes`); None if one cannot be."""
    parts = []
    for cat in cats:
        part = cat_json_bytes(cat, now)
        if part is None:
            return None
        parts.append(part)
    return b"[" + b",".join(parts) + b"]"


def envelope_with(data: bytes, rid: str, now: datetime) -> bytes:
    """`envelope.success_body` around `data`, already encoded."""
    return b'{"success":true,"data":' + data + b',"meta":' + dumps(meta(rid, now)) + b"}"


def _cat_id(path: str) -> int | None:
    """The id of `/api/v1/cats/{id}` when it is a plain decimal number in range, else None."""
    rest = path[len(_CAT_PREFIX) :]
    if not (0 < len(rest) <= 19 and rest.isascii() and rest.isdigit()):
        return None
    cat_id = int(rest)
    return cat_id if 1 <= cat_id <= MAX_ID else None


def _paging(query: bytes) -> tuple[int, int] | None:
    """(limit, offset) of a list's query string, or None unless it is at most one `limit` and
    one `offset`, each plain decimal and in range (anything else is FastAPI's to answer)."""
    values = {"limit": DEFAULT_LIMIT, "offset": 0}
    if not query:
        return DEFAULT_LIMIT, 0
    seen: set[str] = set()
    for pair in query.split(b"&"):
        name, eq, raw = pair.partition(b"=")
        key = name.decode("latin-1")
        if not eq or key not in values or key in seen or not (0 < len(raw) <= 12):
            return None
        if not raw.isdigit():
            return None
        seen.add(key)
        values[key] = int(raw)
    limit, offset = values["limit"], values["offset"]
    return (limit, offset) if 1 <= limit <= MAX_LIMIT else None


class HotReads:
    """ASGI layer answering the hot reads without FastAPI's router (module docstring)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == CATS_PATH:
            paging = _paging(scope["query_string"])
            if paging is None:
                await self.app(scope, receive, send)
                return
            await self._serve(scope, receive, send, None, paging)
        elif path.startswith(_CAT_PREFIX):
            cat_id = _cat_id(path)
            if cat_id is None:
                await self.app(scope, receive, send)
                return
            scope["path_params"] = {"cat_id": path[len(_CAT_PREFIX) :]}
            await self._serve(scope, receive, send, cat_id, (0, 0))
        else:
            await self.app(scope, receive, send)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        cat_id: int | None,
        paging: tuple[int, int],
    ) -> None:
        request = Request(scope, receive)
        try:
            principal = await authenticate_with(request, self.runtime)
            if cat_id is None:
                cats, total = await load_cats(request, principal.user, *paging)
                headers = total_count(total)
            else:
                cats = [await load_cat(request, principal.user, cat_id)]
                headers = etag(cats[0])
        except Exception as exc:
            handler = _handler_for(scope["app"], exc)
            if handler is None:
                raise
            response = await handler(request, exc)
            await response(scope, receive, send)
            return
        now = self.runtime.settings.now()
        rid = request_id_of(scope)
        data = cats_data(cats, now) if cat_id is None else cat_json_bytes(cats[0], now)
        if data is not None:
            body = envelope_with(data, rid, now)
        else:
            shown = [cat_json(c, now) for c in cats]
            body = success_body(shown if cat_id is None else shown[0], rid, now)
        raw = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()
        ]
        raw.append((b"content-length", str(len(body)).encode("latin-1")))
        raw.append(_JSON)
        await send({"type": "http.response.start", "status": 200, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _handler_for(app: Any, exc: Exception) -> Any:
    """The app's exception handler for `exc` (the nearest class in its MRO), as FastAPI's
    exception middleware would pick it; None for an exception the app does not handle."""
    handlers: dict[Any, Any] = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
