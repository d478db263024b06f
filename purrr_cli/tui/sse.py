"""Server-Sent Events for the dashboard: an async reader of one stream (the frame parser is
`purrr_cli.sse`, shared with the CLI).

The server's live feeds (`GET /events`, `GET /rooms/{id}/events`) hold one request open for
minutes, so a dashboard left open makes a handful of requests an hour instead of one every
couple of seconds (a hosted server's free tier allows 100 an hour). The client is synchronous,
so the stream is read in a daemon thread and its events are handed to the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from typing import Any

from purrr_cli.sse import ServerSentEvent, SseParser, event_of

__all__ = ["ServerSentEvent", "SseParser", "event_of", "read_events"]


#: Opens a stream: a context manager giving a response with `iter_text()` (httpx.Response).
StreamOpener = Callable[[], AbstractContextManager[Any]]


async def read_events(
    open_stream: StreamOpener, on_open: Callable[[], None] | None = None
) -> AsyncIterator[list[ServerSentEvent]]:
    """The events of one stream until the server ends it, in batches of those that arrived
    together (a burst of events then reloads a screen once, not once per event). Opening
    errors (the client's CliError) and a connection lost mid-stream are raised here; `on_open`
    is called once the server has answered. Leaving the loop early closes the stream."""
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()
    held: list[Any] = []

    def put(kind: str, value: Any = None) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(inbox.put_nowait, (kind, value))

    def read() -> None:
        try:
            with open_stream() as response:
                held.append(response)
                put("open")
                parser = SseParser()
                for text in response.iter_text():
                    if stop.is_set():
                        return
                    for event in parser.feed(text):
                        put("event", event)
        except Exception as exc:  # handed to the reader; a stopped reader ignores it
            if not stop.is_set():
                put("error", exc)
        finally:
            put("end")

    threading.Thread(target=read, name="purrr-sse", daemon=True).start()
    try:
        batch: list[ServerSentEvent] = []
        while True:
            kind, value = await inbox.get()
            if kind == "event":
                batch.append(value)
                if not inbox.empty():
                    continue  # more arrived with it: handed over together
            if batch:
                yield batch
                batch = []
            if kind == "open" and on_open is not None:
                on_open()
            elif kind == "error":
                raise value
            elif kind == "end":
                return
    finally:
        stop.set()
        for response in held:  # wakes the reader now rather than at the next heartbeat
            threading.Thread(target=response.close, daemon=True).start()
