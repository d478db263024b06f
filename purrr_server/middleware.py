"""The outermost ASGI layer: open the store, correlation ids, headers, and the last-resort 500.

Written as plain ASGI (not `BaseHTTPMiddleware`) because it wraps every request on the hot path.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from purrr_server.envelope import error_body, request_id_of
from purrr_server.runtime import Runtime

log = logging.getLogger("purrr_server")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_ID.match(candidate):
                return candidate
            break
    # 128 random bits as 32 hex digits, the form of a uuid4's hex without the os.urandom
    # system call per request (a correlation id need not be unpredictable).
    return f"{random.getrandbits(128):032x}"


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


#: The headers every hosted answer carries (besides the CSP, which the docs pages do without).
_HOSTED_HEADERS = _raw(SECURITY_HEADERS)
_CSP_HEADER = (b"content-security-policy", API_CSP.encode("latin-1"))


class PlatformMiddleware:
    """Per request: store opened, `X-Request-Id` echoed or generated, rate-limit and security
    headers added, and any unhandled exception turned into an INTERNAL_SERVER_ERROR envelope."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.hosted = runtime.settings.hosted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.runtime.ensure_open()
        rid = _request_id(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = rid
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._decorate(
                    list(message.get("headers", ())), scope, state, rid
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception(
                "unhandled error in %s %s (request %s)", scope.get("method"), scope.get("path"), rid
            )
            if started:
                raise
            await self._internal_error(send, rid)

    def _decorate(
        self, raw: list[tuple[bytes, bytes]], scope: Scope, state: dict[str, Any], rid: str
    ) -> list[tuple[bytes, bytes]]:
        """`raw` (a response's headers) with the request id set and the rate-limit and security
        headers added where the response has none of that name. Raw byte pairs, built once:
        this runs on every response."""
        present = {name.lower() for name, _ in raw}
        if b"x-request-id" in present:
            raw = [(name, value) for name, value in raw if name.lower() != b"x-request-id"]
        raw.append((b"x-request-id", rid.encode("latin-1")))
        extra = _raw(state["rate_headers"]) if state.get("rate_headers") else []
        if self.hosted:
            extra += _HOSTED_HEADERS
            if not str(scope.get("path", "")).startswith("/docs"):
                extra.append(_CSP_HEADER)
        for name, value in extra:
            if name not in present:
                present.add(name)
                raw.append((name, value))
        return raw

    async def _internal_error(self, send: Send, rid: str) -> None:
        body = error_body(
            "INTERNAL_SERVER_ERROR",
            "internal server error; the request id identifies it in the server log",
            {},
            rid,
            self.runtime.settings.now(),
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        headers = self._decorate(headers, {}, {}, rid)
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (FastAPI re-raises
    HTTPExceptions met while reading the body, so the error handlers answer 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))
        self.details = {"limit_bytes": limit}


def too_large_message(limit: int) -> str:
    return (
        f"request body too large: the limit is {limit} bytes; send less data "
        "(the operator sets the limit with --max-body-bytes)"
    )


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, before anything parses them.

    A declared `Content-Length` over the limit is refused at once without reading the body; a
    body without one (chunked) is counted as it streams in and refused when it passes the limit,
    so no more than `max_bytes` (plus one chunk) is ever buffered.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        limit = self.max_bytes
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = error_body(
            "BAD_REQUEST",
            too_large_message(self.max_bytes),
            {"limit_bytes": self.max_bytes},
            request_id_of(scope),
            self.clock(),
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
