"""Server-Sent Events for the dashboard: a frame parser and an async reader of one stream.

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
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: its `id` (the last one seen, as the spec says), type and data."""

    id: str | None
    event: str
    data: str


class SseParser:
    """Text in, events out, per the Server-Sent Events spec: lines end with CRLF, LF or CR; a
    blank line dispatches; `data` lines join with newlines; lines starting with ':' are
    comments; one space after the field's colon is dropped; a frame may span any chunks."""

    def __init__(self) -> None:
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._has_data = False
        #: The last event id seen (it carries over to later events without one).
        self.last_id: str | None = None

    def feed(self, text: str) -> list[ServerSentEvent]:
        self._buffer += text
        events: list[ServerSentEvent] = []
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                return events
            end, width = cut
            line, self._buffer = self._buffer[:end], self._buffer[end + width :]
            event = self._line(line)
            if event is not None:
                events.append(event)

    def _line(self, line: str) -> ServerSentEvent | None:
        if line == "":
            if not self._has_data:
                self._event = ""
                return None
            event = ServerSentEvent(self.last_id, self._event or "message", "\n".join(self._data))
            self._data, self._event, self._has_data = [], "", False
            return event
        if line.startswith(":"):
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._has_data = True
        elif field == "event":
            self._event = value
        elif field == "id" and "\0" not in value:
            self.last_id = value
        return None


def event_of(frame: ServerSentEvent) -> dict[str, Any] | None:
    """The purrr event a frame carries (its data is the event as JSON), or None."""
    import json

    try:
        event = json.loads(frame.data)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _line_end(buffer: str) -> tuple[int, int] | None:
    """(where the first complete line ends, the width of its end), or None; a CR at the very
    end may be the first half of a CRLF still on its way, so it waits for the next chunk."""
    for index, char in enumerate(buffer):
        if char == "\n":
            return index, 1
        if char == "\r":
            if index + 1 == len(buffer):
                return None
            return index, 2 if buffer[index + 1] == "\n" else 1
    return None


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
