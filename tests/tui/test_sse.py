"""The Server-Sent Events frame parser (purrr_cli/tui/sse.py) on tricky input, and the reader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from purrr_cli.errors import UnreachableError
from purrr_cli.tui.sse import ServerSentEvent, SseParser, event_of, read_events

STREAM = (
    ": connected\r\n\r\n"
    'id: 7\r\nevent: cat.cared\r\ndata: {"version":7,\r\ndata:  "type":"cat.cared"}\r\n\r\n'
    ": heartbeat\n\n"
    "data:no space\nid\n\n"
    "event: ignored without data\n\n"
    "id: 9\rdata: one\rdata\rdata: three\r\r"
    "data: never finished"
)
EXPECTED = [
    ServerSentEvent("7", "cat.cared", '{"version":7,\n "type":"cat.cared"}'),
    ServerSentEvent("", "message", "no space"),
    ServerSentEvent("9", "message", "one\n\nthree"),
]


def parse(chunks: list[str]) -> list[ServerSentEvent]:
    parser = SseParser()
    return [event for chunk in chunks for event in parser.feed(chunk)]


def test_frames_in_one_chunk() -> None:
    assert parse([STREAM]) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 5, 16])
def test_frames_split_anywhere_across_chunks(size: int) -> None:
    """Every split, including a CRLF cut between its CR and its LF."""
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert parse(chunks) == EXPECTED


def test_a_cr_at_a_chunk_end_waits_for_the_next_chunk() -> None:
    parser = SseParser()
    assert parser.feed("data: a\r") == []
    assert parser.feed("\n\r") == []
    assert parser.feed("\n") == [ServerSentEvent(None, "message", "a")]


def test_the_last_id_carries_over_and_event_of_reads_json() -> None:
    events = parse(['id: 3\ndata: {"version": 3}\n\n', "data: [1]\n\n", "data: {oops\n\n"])
    assert [e.id for e in events] == ["3", "3", "3"]
    assert event_of(events[0]) == {"version": 3}
    assert event_of(events[1]) is None and event_of(events[2]) is None


class FakeResponse:
    def __init__(self, chunks: list[str], fail: bool = False) -> None:
        self.chunks, self.fail, self.closed = chunks, fail, False

    def iter_text(self) -> Iterator[str]:
        yield from self.chunks
        if self.fail:
            raise UnreachableError("cannot reach the server: connection reset")

    def close(self) -> None:
        self.closed = True


async def test_the_reader_hands_over_events_then_the_lost_connection() -> None:
    response = FakeResponse(["data: a\n", "\ndata: b\n\n", "data: c"], fail=True)
    opened: list[bool] = []

    @contextmanager
    def open_stream() -> Iterator[FakeResponse]:
        yield response

    seen: list[str] = []
    with pytest.raises(UnreachableError, match="connection reset"):
        async for batch in read_events(open_stream, lambda: opened.append(True)):
            seen.extend(event.data for event in batch)
    assert seen == ["a", "b"] and opened == [True]
