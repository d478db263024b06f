"""The hot paths of the cats API, answered by a plain ASGI layer: the reads `GET /api/v1/cats/{id}`
and `GET /api/v1/cats`, and the writes `PUT` and `DELETE /api/v1/cats/{id}`.

Most of the traffic is these requests, and on them FastAPI's routing (every route pattern tried
in turn), its dependency solver (the `Caller` dependency, the paging parameters, the path
parameter, `If-Match`), its body parsing and its response machinery cost more than the read
itself, and about a third of a write (docs/architecture.md, "Performance"). `HotPaths`
recognises them by method and path, authenticates with the same code as the `Caller`
dependency (`purrr_server.auth.authenticate_with`: scopes, IP allow-lists, the rate limit), and
runs the same code as the routes, which call it too: for a read its handler (`load_cat`,
`load_cats`), sending the envelope itself, put together from each cat's JSON encoded once
(`presenters.cat_json_bytes`); for a write the action through `purrr_server.http.run_action`
(Idempotency-Key checked and replayed, the rate-limit charge, one transaction) with the
arguments built by the route's own function (`edit_args`, `delete_args`, from the table
`WRITES`). Errors go to the app's own exception handlers, so an error is the same envelope
either way.

Only the well-formed request is taken: a path id that is not a plain decimal number in range, a
read's query string with anything but one `limit` and one `offset` in range, a write with any
query string, a write body that is not `application/json` or does not validate (it is read
here, then handed on as it came), or an app served under a root path goes on to FastAPI, which
answers it (and its validation errors) as before. The routes stay mounted for that and for the
OpenAPI description.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from purrr_core import ACTIONS as CARE_ACTIONS
from purrr_core import Cat
from purrr_server.auth import authenticate_with
from purrr_server.envelope import dumps, meta, request_id_of, success_body
from purrr_server.http import expected_version, run_action
from purrr_server.lazy import bring_to_now
from purrr_server.presenters import cat_json, cat_json_bytes
from purrr_server.runtime import Runtime
from purrr_server.store.users import User

if TYPE_CHECKING:
    from purrr_server.services.cats import CatEdit, UpdateArgs

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


def edit_args(cat_id: int, if_match: str | None, edit: CatEdit) -> UpdateArgs:
    """`PUT /cats/{id}`'s action arguments: the body's fields, the path's id and the version
    from `If-Match` or the body (BAD_REQUEST for an `If-Match` that is not a version).

    Validated by the action's own model (its rules, not copies of them here), from the body's
    values as they are (no dump to JSON types and back); `parse` takes it as it is."""
    from purrr_server.services.cats import CatEdit, UpdateArgs

    version = expected_version(if_match, edit.version)
    fields = {name: getattr(edit, name) for name in CatEdit.model_fields}
    return UpdateArgs.model_validate({**fields, "cat_id": cat_id, "version": version})


def delete_args(cat_id: int, if_match: str | None, body: None = None) -> dict[str, Any]:
    """`DELETE /cats/{id}`'s action arguments (the route reads no body)."""
    return {"cat_id": cat_id, "version": expected_version(if_match)}


#: Field names older Purrr.love scripts send, per care action → the current names.
LEGACY_ALIASES: dict[str, dict[str, str]] = {
    "feed": {"food_type": "food_item", "amount": "quantity"},
    "play": {"game_type": "game"},
    "groom": {"grooming_type": "kind"},
}


def care_args(name: str, cat_id: int, body: Any) -> Any:
    """`POST /cats/{id}/{name}`'s action arguments: no body is `{}`; an object's fields, legacy
    names mapped to the current ones (current names win when both are sent), with the path's
    id; anything else as it is, for the action's model to name the problem."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        return body
    args = dict(body)
    for old, new in LEGACY_ALIASES.get(name, {}).items():
        if old in args:
            value = args.pop(old)
            args.setdefault(new, value)
    return {**args, "cat_id": cat_id}


class LeftToRoute(ValueError):
    """A write body the layer does not take: the route reads it and answers."""


def parse_edit(raw: bytes, media_type: bytes | None) -> CatEdit:
    """`PUT /cats/{id}`'s JSON body as the route's `CatEdit` (ValueError unless it is one).
    Parsed by pydantic from the bytes: what it accepts, the route's `json.loads` reads as the
    same values (tests/server/test_hot_writes.py); what it refuses is the route's to answer."""
    from purrr_server.services.cats import CatEdit

    if media_type != b"application/json" or not raw:
        raise LeftToRoute(media_type)
    return CatEdit.model_validate_json(raw)


def parse_any(raw: bytes, media_type: bytes | None) -> Any:
    """A care action's optional JSON body as its route reads it (FastAPI's `Body()` of type
    `Any`): nothing is None, JSON is what `json.loads` makes of it, as Starlette's
    `Request.json` does (ValueError for anything else)."""
    if not raw:
        return None
    if media_type != b"application/json":
        raise LeftToRoute(media_type)
    return json.loads(raw)


@dataclass(frozen=True, slots=True)
class HotWrite:
    """A write on `/api/v1/cats/{id}[/suffix]` the layer serves: the action it runs, how its
    body is parsed (`(raw, media type) -> value`; whatever it raises leaves the request to the
    route; None: the route reads no body), and the route's own argument builder `(cat id,
    If-Match, parsed body) -> arguments`."""

    action: str
    parse: Callable[[bytes, bytes | None], Any] | None
    args: Callable[[int, str | None, Any], Any]


def _care(name: str) -> HotWrite:
    return HotWrite(
        f"cats.{name}", parse_any, lambda cat_id, if_match, body: care_args(name, cat_id, body)
    )


#: The writes served here, by method and what follows the cat's id in the path (the routes of
#: `purrr_server.routers.cats` and `purrr_server.routers.care` agree).
WRITES: dict[tuple[str, str], HotWrite] = {
    ("PUT", ""): HotWrite("cats.update", parse_edit, edit_args),
    ("DELETE", ""): HotWrite("cats.delete", None, delete_args),
    **{("POST", f"/{name}"): _care(name) for name in CARE_ACTIONS},
}


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
    return _plain_id(path[len(_CAT_PREFIX) :])


def _plain_id(text: str) -> int | None:
    """`text` as an id when it is a plain decimal number in range, else None."""
    if not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    cat_id = int(text)
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


class HotPaths:
    """ASGI layer answering the hot reads and writes without FastAPI's router (module docstring)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        if method == "GET":
            if path == CATS_PATH:
                paging = _paging(scope["query_string"])
                if paging is not None:
                    await self._read(scope, receive, send, None, paging)
                    return
            elif path.startswith(_CAT_PREFIX) and (cat_id := _cat_id(path)) is not None:
                scope["path_params"] = {"cat_id": path[len(_CAT_PREFIX) :]}
                await self._read(scope, receive, send, cat_id, (0, 0))
                return
        elif path.startswith(_CAT_PREFIX) and not scope["query_string"]:
            raw_id, slash, action = path[len(_CAT_PREFIX) :].partition("/")
            write = WRITES.get((method, slash + action))
            if write is not None and (cat_id := _plain_id(raw_id)) is not None:
                await self._write(scope, receive, send, write, raw_id, cat_id)
                return
        await self.app(scope, receive, send)

    async def _read(
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
            await _answer_error(request, exc, send)
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

    async def _write(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        write: HotWrite,
        raw_id: str,
        cat_id: int,
    ) -> None:
        body: Any = None
        if write.parse is not None:
            recorded = Recorded(receive)
            receive = recorded.replay
            raw = await recorded.body()
            try:
                if raw is None:  # cut short: a disconnect, the body limit's 413
                    raise LeftToRoute("incomplete body")
                body = write.parse(raw, _content_type(scope))
            except Exception:  # not JSON, cut short, invalid, too deep: the route answers it
                await self.app(scope, receive, send)
                return
        scope["path_params"] = {"cat_id": raw_id}
        request = Request(scope, receive)
        try:
            principal = await authenticate_with(request, self.runtime)
            args = write.args(cat_id, request.headers.get("if-match"), body)
            response = await run_action(request, principal, write.action, args)
        except Exception as exc:
            await _answer_error(request, exc, send)
            return
        await response(scope, receive, send)


class Recorded:
    """A request's `receive`, remembering the messages read through it, so that a request the
    layer leaves to the app after reading its body reaches it as it came (`replay`): the same
    messages, then an error `receive` raised (the body limit's 413), then the live channel."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.messages: list[Message] = []
        self.error: Exception | None = None

    async def body(self) -> bytes | None:
        """The whole body, or None when it did not come whole (a disconnect, an error)."""
        chunks = []
        while True:
            try:
                message = await self.receive()
            except Exception as exc:
                self.error = exc
                return None
            self.messages.append(message)
            if message["type"] != "http.request":
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def replay(self) -> Message:
        if self.messages:
            return self.messages.pop(0)
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return await self.receive()


def _content_type(scope: Scope) -> bytes | None:
    """The media type of the first `Content-Type` header (lower case, parameters dropped)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.partition(b";")[0].strip().lower()
            return media_type
    return None


async def _answer_error(request: Request, exc: Exception, send: Send) -> None:
    """Answer `exc` with the app's exception handler for it, as FastAPI's exception
    middleware would; an exception the app does not handle goes on up (the platform layer
    answers it with INTERNAL_SERVER_ERROR)."""
    handler = _handler_for(request.scope["app"], exc)
    if handler is None:
        raise exc
    response = await handler(request, exc)
    await response(request.scope, request.receive, send)


def _handler_for(app: Any, exc: Exception) -> Any:
    """The app's exception handler for `exc` (the nearest class in its MRO), as FastAPI's
    exception middleware would pick it; None for an exception the app does not handle."""
    handlers: dict[Any, Any] = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
