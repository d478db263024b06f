"""Server-Sent Events for the CLI and the dashboard: a frame parser, and a follower that reads
a live feed as a handful of long requests.

The server's live feeds (`GET /events`, `GET /rooms/{id}/events`) hold one request open for
minutes, so following them makes a few requests an hour instead of one every couple of seconds
(a hosted server's free tier allows 100 an hour). The dashboard reads them with
`purrr_cli.tui.sse.read_events`; `purrr events --follow` and `purrr rooms watch` with `follow`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from purrr_cli.client import Client

#: Seconds a followed stream stays open before the server ends it and it is reopened.
STREAM_SECONDS = 300
#: Seconds to wait for the next chunk (the server sends a keep-alive every 15 s).
STREAM_READ_TIMEOUT = 60.0


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


def follow(client: Client, path: str, since: int) -> Iterator[dict[str, Any]]:
    """The events of `path`'s stream after `since`, as they happen, for as long as the caller
    reads: each stream the server ends is reopened from the last event id seen. Ends (returns)
    when the server answers that it has no stream here (404, an older server: the caller may
    poll instead); other errors are raised."""
    from purrr_cli.errors import NotFoundError

    cursor = since
    while True:
        headers = {"Accept": "text/event-stream", "Last-Event-ID": str(cursor)}
        params = {"since": cursor, "timeout": STREAM_SECONDS}
        try:
            with client.stream(
                path, params=params, headers=headers, read_timeout=STREAM_READ_TIMEOUT
            ) as answer:
                parser = SseParser()
                for text in answer.iter_text():
                    for frame in parser.feed(text):
                        event = event_of(frame)
                        if frame.id is not None and frame.id.isdigit():
                            cursor = int(frame.id)
                        if event is not None:
                            yield event
        except NotFoundError:
            return
