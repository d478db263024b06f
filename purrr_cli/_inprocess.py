"""The zero-set-up server: the real ASGI app run inside the CLI process, behind a sync transport.

Imported only when no server URL is configured and no daemon answers, so the daemon path never
loads FastAPI. The app runs on an anyio blocking portal (its own event-loop thread) with its
lifespan started before the first request and shut down when the transport closes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
from anyio.abc import TaskStatus
from anyio.from_thread import start_blocking_portal

Message = dict[str, Any]


def skip_pydantic_v1() -> None:
    """Spare this process the `pydantic.v1` import (about a twentieth of an in-process command).

    FastAPI imports `pydantic.v1` when it mounts a route, only to refuse parameters declared as
    pydantic v1 models; purrr declares none, and nothing else in a `purrr` process uses v1. With
    the module marked absent, FastAPI's own `ImportError` branch answers "not a v1 model". A
    process that imported `pydantic.v1` already keeps it.
    """
    sys.modules.setdefault("pydantic.v1", None)  # type: ignore[arg-type]


def in_process_transport(data_dir: Path, **settings_overrides: Any) -> httpx.BaseTransport:
    """A transport that serves requests from `purrr_server.create_app` on `data_dir`, with the
    server's settings from the environment and `settings_overrides` (tests)."""
    import logging

    from purrr_cli._local import settings
    from purrr_server.app import create_app
    from purrr_server.daemon import log_path

    server_settings = settings(data_dir=data_dir, **settings_overrides)
    skip_pydantic_v1()
    # The server's log (an internal error's traceback) goes to the log file, never to the
    # terminal: the CLI prints one line with the request id that finds it there.
    log = logging.getLogger("purrr_server")
    if not log.handlers:
        handler = logging.FileHandler(log_path(server_settings.data_dir), delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return ASGIPortalTransport(create_app(server_settings, mount_on_demand=True))


class ASGIPortalTransport(httpx.BaseTransport):
    """Run an ASGI app (with lifespan) on a background event loop and call it synchronously."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._state: dict[str, Any] = {}
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._stop: anyio.Event | None = None
        self._lifespan, failure = self._portal.start_task(self._run_lifespan)
        if failure:
            self.close()
            raise RuntimeError(f"the in-process server failed to start: {failure}")

    async def _run_lifespan(self, *, task_status: TaskStatus[str | None]) -> None:
        self._stop = anyio.Event()
        inbox_send, inbox = anyio.create_memory_object_stream[Message](4)
        started, finished = anyio.Event(), anyio.Event()
        failure: list[str] = []

        async def send(message: Message) -> None:
            kind = message["type"]
            if kind.startswith("lifespan.startup"):
                if kind.endswith("failed"):
                    failure.append(str(message.get("message", "startup failed")))
                started.set()
            elif kind.startswith("lifespan.shutdown"):
                finished.set()

        async def run_app() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self._state}
            try:
                await self.app(scope, inbox.receive, send)
            finally:
                started.set()
                finished.set()

        async with anyio.create_task_group() as group:
            group.start_soon(run_app)
            await inbox_send.send({"type": "lifespan.startup"})
            await started.wait()
            task_status.started(failure[0] if failure else None)
            await self._stop.wait()
            await inbox_send.send({"type": "lifespan.shutdown"})
            await finished.wait()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        status, headers, content = self._portal.call(self._call, request, body)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(
        self, request: httpx.Request, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("127.0.0.1", 0),
            "server": (url.host, url.port or 80),
            "state": dict(self._state),
        }
        sent_body = False
        done = anyio.Event()
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        done.set()
        return status, headers, b"".join(chunks)

    def close(self) -> None:
        if self._portal_cm is None:
            return
        if self._stop is not None:
            self._portal.call(self._stop.set)
            self._lifespan.result(timeout=30)
        self._portal_cm.__exit__(None, None, None)
        self._portal_cm = None  # type: ignore[assignment]
