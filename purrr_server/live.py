"""Waking the live event streams of one process when any process writes an event.

A stream (`purrr_server.routers.events`) reads its player's new events from its cursor, then
waits here. It wakes at once when this process commits, and soon after another process commits:

- PostgreSQL: every new event is announced with `NOTIFY purrr_events, '<user_id>:<event id>'`
  (a trigger, migration 0013). One connection per process (not per stream) LISTENs while a
  stream is open and wakes that player's streams. After (re)connecting it wakes every stream,
  so events written while nobody listened are read from the cursors: nothing is lost.
- SQLite: while a stream is open, one task per process reads the events with an id above the
  last one it saw every `events_poll_seconds` (an index range on the primary key, usually empty)
  and wakes their players' streams.

A process with no stream open neither polls nor listens.
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
CHANNEL = "purrr_events"
#: Seconds between attempts to re-establish a lost LISTEN connection.
RECONNECT_SECONDS = 1.0


class EventWaker:
    """See the module docstring."""

    def __init__(self, store: Store, poll_seconds: float) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        #: user id → open streams of that user in this process
        self.streams: dict[int, int] = {}
        self._woken: dict[int, asyncio.Event] = {}
        self._watcher: asyncio.Task[None] | None = None
        #: PostgreSQL: whether the LISTEN is in place (tests and health read it)
        self.listening = False

    @contextlib.asynccontextmanager
    async def watching(self, user_id: int) -> AsyncIterator[None]:
        """Keep the watcher (poll or LISTEN) running while the caller streams for `user_id`."""
        self.streams[user_id] = self.streams.get(user_id, 0) + 1
        if self._watcher is None or self._watcher.done():
            watch = self._listen() if self.store.kind == "postgresql" else self._poll()
            self._watcher = asyncio.ensure_future(watch)
        try:
            yield
        finally:
            left = self.streams[user_id] - 1
            if left:
                self.streams[user_id] = left
            else:
                del self.streams[user_id]
                self._woken.pop(user_id, None)
            if not self.streams:
                await self.close()

    def generation(self, user_id: int) -> asyncio.Event:
        """Take this before reading `user_id`'s events and pass it to `wait`: a write noticed
        while the caller was reading then ends the wait at once."""
        woken = self._woken.get(user_id)
        if woken is None:
            woken = self._woken[user_id] = asyncio.Event()
        return woken

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

    def wake(self, user_id: int) -> None:
        woken = self._woken.pop(user_id, None)
        if woken is not None:
            woken.set()

    def wake_all(self) -> None:
        woken, self._woken = self._woken, {}
        for event in woken.values():
            event.set()

    # --- SQLite: poll by event id ----------------------------------------------------------

    async def _latest_id(self) -> int:
        row = await self.store.read.events.fetchone("SELECT MAX(id) FROM events")
        return int(row[0]) if row is not None and row[0] is not None else 0

    async def _poll(self) -> None:
        last: int | None = None
        while self.streams:
            try:
                if last is None:
                    last = await self._latest_id()
                    self.wake_all()  # covers writes made before the first poll
                else:
                    rows = await self.store.read.events.fetchall(
                        "SELECT id, user_id FROM events WHERE id > ? ORDER BY id", (last,)
                    )
                    for row in rows:
                        last = max(last, int(row[0]))
                        self.wake(int(row[1]))
            except Exception:  # noqa: BLE001 - the database is busy or gone: try again
                log.warning("could not read new events", exc_info=True)
            await asyncio.sleep(self.poll_seconds)

    # --- PostgreSQL: LISTEN/NOTIFY ---------------------------------------------------------

    async def _listen(self) -> None:
        import psycopg

        url = str(self.store.target)
        while self.streams:
            try:
                conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    self.wake_all()  # events written while nobody listened: read from cursors
                    async for note in conn.notifies():
                        user, _, _ = note.payload.partition(":")
                        if user.isdigit():
                            self.wake(int(user))
            except (psycopg.Error, OSError) as exc:
                log.warning("live events: the LISTEN connection failed (%s); reconnecting", exc)
            finally:
                self.listening = False
            await asyncio.sleep(RECONNECT_SECONDS)

    async def close(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None and not watcher.done():
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
