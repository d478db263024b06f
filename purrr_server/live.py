"""Waking the live event streams of one process when any process writes an event.

A stream (`purrr_server.routers.events`) reads its player's new events, then waits here. It wakes
at once when this process commits, and within `events_poll_seconds` when another process does:
while at least one stream is open, one task per process (not per stream) reads the highest event
id every `events_poll_seconds` and wakes every stream when it grew. A process with no stream
open does not poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from purrr_server.store import Store

log = logging.getLogger("purrr_server")


class EventWaker:
    """See the module docstring."""

    def __init__(self, store: Store, poll_seconds: float) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.streams = 0
        self._woken = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._last_id: int | None = None

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Keep the poller running while the caller streams."""
        self.streams += 1
        if self._poller is None or self._poller.done():
            self._poller = asyncio.ensure_future(self._poll())
        try:
            yield
        finally:
            self.streams -= 1

    def generation(self) -> asyncio.Event:
        """Take this before reading events and pass it to `wait`: a write noticed while the
        caller was reading then ends the wait at once."""
        return self._woken

    async def wait(self, woken: asyncio.Event, timeout: float) -> None:
        """Return when an event may have been written (here or elsewhere) since `woken` was
        taken, or after `timeout` seconds."""
        if woken.is_set():
            return
        local = asyncio.ensure_future(self.store.wait_for_change(timeout))
        other = asyncio.ensure_future(woken.wait())
        try:
            await asyncio.wait((local, other), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (local, other):
                task.cancel()

    def _wake(self) -> None:
        woken, self._woken = self._woken, asyncio.Event()
        woken.set()

    async def latest_event_id(self) -> int:
        row = await self.store.read.events.fetchone("SELECT max(id) FROM events")
        return int(row[0]) if row is not None and row[0] is not None else 0

    async def _poll(self) -> None:
        while self.streams > 0:
            try:
                latest = await self.latest_event_id()
            except Exception:  # noqa: BLE001 - the database is busy or gone: try again
                log.warning("could not read the latest event id", exc_info=True)
            else:
                if self._last_id is None or latest > self._last_id:
                    self._wake()  # the first poll also covers writes made before it began
                self._last_id = latest
            await asyncio.sleep(self.poll_seconds)
        self._last_id = None

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
