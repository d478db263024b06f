"""The outermost ASGI layer: open the store, correlation ids, headers, and the last-resort 500.

Written as plain ASGI (not `BaseHTTPMiddleware`) because it wraps every request on the hot path.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from purrr_server.envelope import error_body
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
    return uuid.uuid4().hex


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
                self._decorate(MutableHeaders(scope=message), scope, state, rid)
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
        self, headers: MutableHeaders, scope: Scope, state: dict[str, Any], rid: str
    ) -> None:
        headers["X-Request-Id"] = rid
        for name, value in state.get("rate_headers", {}).items():
            headers.setdefault(name, value)
        if self.hosted:
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)
            if not str(scope.get("path", "")).startswith("/docs"):
                headers.setdefault("Content-Security-Policy", API_CSP)

    async def _internal_error(self, send: Send, rid: str) -> None:
        body = error_body(
            "INTERNAL_SERVER_ERROR",
            "internal server error; the request id identifies it in the server log",
            {},
            rid,
            self.runtime.settings.now(),
        )
        headers = MutableHeaders(
            {"content-type": "application/json", "content-length": str(len(body))}
        )
        state: dict[str, Any] = {}
        self._decorate(headers, {}, state, rid)
        await send({"type": "http.response.start", "status": 500, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
