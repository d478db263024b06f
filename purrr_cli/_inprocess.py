"""The zero-set-up server: the real ASGI app run inside the CLI process, behind a sync transport.

Imported only when no server URL is configured and no daemon answers, so the daemon path never
loads FastAPI. The app runs on its own event loop in a background thread, with its lifespan
started before the first request and shut down when the transport closes.
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

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
    """Run an ASGI app (with lifespan) on an event loop in a background thread and call it
    synchronously, from any thread.

    A plain asyncio loop, not anyio's blocking portal: the portal's backend module with its
    socket and TLS streams is a twentieth of an in-process command's start-up, and the app
    itself needs none of it to answer (Starlette imports what it uses when it uses it).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._state: dict[str, Any] = {}
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = threading.Thread(
            target=self._loop.run_forever, name="purrr-in-process", daemon=True
        )
        self._thread.start()
        self._stop: asyncio.Event | None = None
        started: Future[str | None] = Future()
        self._lifespan = asyncio.run_coroutine_threadsafe(self._run_lifespan(started), self._loop)
        try:
            failure = started.result()
        except BaseException:
            self.close()
            raise
        if failure:
            self.close()
            raise RuntimeError(f"the in-process server failed to start: {failure}")

    async def _run_lifespan(self, started: Future[str | None]) -> None:
        stop = self._stop = asyncio.Event()
        inbox: asyncio.Queue[Message] = asyncio.Queue()
        up, down = asyncio.Event(), asyncio.Event()
        failure: list[str] = []

        async def send(message: Message) -> None:
            kind = message["type"]
            if kind.startswith("lifespan.startup"):
                if kind.endswith("failed"):
                    failure.append(str(message.get("message", "startup failed")))
                up.set()
            elif kind.startswith("lifespan.shutdown"):
                down.set()

        async def run_app() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self._state}
            try:
                await self.app(scope, inbox.get, send)
            finally:
                up.set()
                down.set()

        task = asyncio.create_task(run_app())
        await inbox.put({"type": "lifespan.startup"})
        await up.wait()
        if not failure and task.done() and not task.cancelled() and task.exception():
            failure.append(repr(task.exception()))
        started.set_result(failure[0] if failure else None)
        await stop.wait()
        await inbox.put({"type": "lifespan.shutdown"})
        await down.wait()
        if failure:  # reported already: the app's own exception adds nothing
            if task.done() and not task.cancelled():
                task.exception()
            return
        await task

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        live = _LiveBody(self._loop)
        call = asyncio.run_coroutine_threadsafe(self._call(request, body, live), self._loop)
        either: list[Future[Any]] = [call, live.started]
        wait(either, return_when=FIRST_COMPLETED)
        if live.started.done():  # an event stream: its body is read as the app sends it
            status, headers = live.started.result()
            live.call = call
            return httpx.Response(status, headers=headers, stream=live, request=request)
        status, headers, content = call.result()
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(
        self, request: httpx.Request, body: bytes, live: _LiveBody
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
        done = live.done = asyncio.Event()
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
                if any(
                    k.lower() == b"content-type" and v.startswith(b"text/event-stream")
                    for k, v in headers
                ):
                    live.started.set_result((status, headers))
            elif message["type"] == "http.response.body":
                if live.started.done():
                    live.chunks.put(message.get("body", b""))
                else:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        finally:
            done.set()
            live.chunks.put(None)
        return status, headers, b"".join(chunks)

    def close(self) -> None:
        """Shut the app down (its lifespan's shutdown) and stop the loop; idempotent."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            if self._stop is not None:
                self._loop.call_soon_threadsafe(self._stop.set)
                self._lifespan.result(timeout=30)
        finally:
            asyncio.run_coroutine_threadsafe(_wind_down(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            thread.join(timeout=30)
            if not thread.is_alive():
                self._loop.close()


async def _wind_down() -> None:
    """What `asyncio.run` does before closing its loop: cancel the tasks left (none, when the
    app shut down cleanly), close async generators, join the default executor's threads."""
    loop = asyncio.get_running_loop()
    left = [task for task in asyncio.all_tasks(loop) if task is not asyncio.current_task()]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


class _LiveBody(httpx.SyncByteStream):
    """An event stream's body, chunk by chunk as the app sends it; closing it is the client's
    disconnect (the app's stream ends and frees its slot)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.started: Future[tuple[int, list[tuple[bytes, bytes]]]] = Future()
        self.chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.done: asyncio.Event | None = None
        self.call: Future[Any] | None = None

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self.chunks.get()) is not None:
            yield chunk
        if self.call is not None:
            self.call.result()  # the app's own failure, if it failed mid-stream

    def close(self) -> None:
        if self.done is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.done.set)
