"""The dashboard's door to the server: `purrr_cli.client.Client`, made awaitable.

The client is synchronous (httpx); each call runs in a worker thread so the event loop, and
therefore every key press, stays responsive. Every endpoint the dashboard uses is named here,
so screens read like "load the cats", not like URLs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from purrr_cli.tui.sse import ServerSentEvent, read_events

JSON = Any


class SyncClient(Protocol):
    """The part of `purrr_cli.client.Client` the dashboard relies on."""

    def get(self, path: str, **params: Any) -> JSON: ...

    def get_all(self, path: str, **params: Any) -> list[Any]: ...

    def post(self, path: str, body: dict[str, Any] | None = None) -> JSON: ...

    def close(self) -> None: ...


#: Seconds a live stream may stay silent before it counts as lost (the server sends a comment
#: every 15 s).
STREAM_READ_TIMEOUT = 60.0


class PurrrApi:
    """Async, named access to the purrr API; errors are `purrr_cli.errors.CliError`."""

    def __init__(self, client: SyncClient | Callable[[], SyncClient]) -> None:
        """`client`, or a factory called on the first request (in a worker thread, so building
        the client and importing httpx never delay the first frame)."""
        self._client: SyncClient | None = None if callable(client) else client
        self._factory = client if callable(client) else None
        # The first request opens the connection (and may start the in-process server):
        # later requests wait for it instead of racing to open a second one.
        self._opening = threading.Lock()
        self._open = False

    def _call(self, method: str, *args: Any, **kwargs: Any) -> JSON:
        if self._open and self._client is not None:
            return getattr(self._client, method)(*args, **kwargs)
        with self._opening:
            if self._client is None and self._factory is not None:
                self._client = self._factory()
            result = getattr(self._client, method)(*args, **kwargs)
            self._open = True
            return result

    async def get(self, path: str, **params: Any) -> JSON:
        return await asyncio.to_thread(self._call, "get", path, **params)

    async def get_all(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list (the server pages lists by 50 by default)."""
        return list(await asyncio.to_thread(self._call, "get_all", path, **params))

    async def post(self, path: str, body: dict[str, Any] | None = None) -> JSON:
        return await asyncio.to_thread(self._call, "post", path, body or {})

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def can_stream(self) -> bool:
        """Whether the client reads streamed answers (`purrr_cli.client.Client.stream`)."""
        return self._factory is not None or hasattr(self._client, "stream")

    def _stream(self, path: str, since: int, timeout: float) -> Any:
        with self._opening:
            if self._client is None and self._factory is not None:
                self._client = self._factory()
        headers = {"Accept": "text/event-stream", "Last-Event-ID": str(since)}
        params = {"since": since, "timeout": timeout}
        stream = getattr(self._client, "stream")  # noqa: B009 (not every SyncClient streams)
        return stream(path, params=params, headers=headers, read_timeout=STREAM_READ_TIMEOUT)

    def stream(
        self, path: str, since: int, timeout: float, on_open: Callable[[], None] | None = None
    ) -> AsyncIterator[list[ServerSentEvent]]:
        """The events of `path`'s Server-Sent Events stream after version `since`, until the
        server ends it after `timeout` seconds (see `purrr_cli.tui.sse`)."""
        return read_events(lambda: self._stream(path, since, timeout), on_open)

    # --- cats ---------------------------------------------------------------------------

    async def cats(self) -> list[dict[str, Any]]:
        """All of the player's cats, however many pages."""
        return await self.get_all("cats")

    async def cat(self, cat_id: int) -> dict[str, Any]:
        return dict(await self.get(f"cats/{cat_id}"))

    async def adopt(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.post("cats", body))

    async def care(self, cat_id: int, action: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.post(f"cats/{cat_id}/{action}", body))

    async def history(self, cat_id: int) -> JSON:
        return await self.get(f"cats/{cat_id}/history")

    async def insights(self, cat_id: int) -> JSON:
        return await self.get(f"cats/{cat_id}/insights")

    # --- live events ----------------------------------------------------------------------

    async def poll_events(self, since: int | None) -> JSON:
        return await self.get("events/poll", since=since or 0, limit=1 if since is None else None)

    def stream_events(
        self, since: int, timeout: float, on_open: Callable[[], None] | None = None
    ) -> AsyncIterator[list[ServerSentEvent]]:
        """The player's live events after version `since` (`GET /events`, one request)."""
        return self.stream("events", since, timeout, on_open)

    async def recent_events(self, since: int, limit: int) -> JSON:
        return await self.get("events/poll", since=since, limit=limit)

    async def device_alerts(self, cat_id: int, limit: int = 5) -> JSON:
        return await self.get(f"cats/{cat_id}/devices/alerts", limit=limit)

    # --- sync (the local game's link to a remote) -------------------------------------------

    async def sync_status(self) -> JSON:
        return await self.get("sync/status")

    async def profile(self) -> JSON:
        """The account: `player_level`, `player_xp`, `player_xp_to_next` on servers that have
        player levels."""
        return await self.get("auth/profile")

    # --- night watch ----------------------------------------------------------------------

    async def nightwatch_status(self) -> JSON:
        return await self.get("night-watch/status")

    async def nightwatch_zones(self) -> JSON:
        return await self.get("night-watch/zones")

    async def nightwatch_alerts(self) -> JSON:
        return await self.get("night-watch/alerts")

    async def deploy(self, body: dict[str, Any]) -> JSON:
        return await self.post("night-watch/deploy", body)

    async def create_zone(self, body: dict[str, Any]) -> JSON:
        return await self.post("night-watch/zones", body)

    async def respond_alert(self, alert_id: int) -> JSON:
        return await self.post(f"night-watch/alerts/{alert_id}/respond")

    async def recall(self, patrol_id: int) -> JSON:
        return await self.post(f"night-watch/patrols/{patrol_id}/recall")

    # --- breeding -------------------------------------------------------------------------

    async def breeding_pairs(self) -> JSON:
        return await self.get("breeding/pairs")

    async def predict(self, sire_id: int, dam_id: int, method: str = "natural") -> JSON:
        body = {"sire_id": sire_id, "dam_id": dam_id, "method": method}
        return await self.post("genetics/predict", body)

    async def breed(self, body: dict[str, Any]) -> JSON:
        return await self.post("breeding/breed", body)

    async def breedings(self) -> JSON:
        return await self.get("breeding")

    # --- games, quests, store, wallet -------------------------------------------------------

    async def games(self) -> JSON:
        return await self.get("games")

    async def play_game(self, game_id: str, body: dict[str, Any]) -> JSON:
        return await self.post(f"games/{game_id}/play", body)

    async def quests(self) -> JSON:
        return await self.get("quests")

    async def claim_quest(self, quest_id: str, body: dict[str, Any]) -> JSON:
        return await self.post(f"quests/{quest_id}/claim", body)

    async def balance(self) -> JSON:
        return await self.get("economy/balance")

    async def deposit(self, body: dict[str, Any]) -> JSON:
        return await self.post("economy/deposit", body)

    async def charges(self) -> JSON:
        return await self.get("economy/charges")

    async def confirm_charge(self, charge_id: str) -> JSON:
        return await self.post(f"economy/confirm/{charge_id}")

    async def store_items(self) -> JSON:
        return await self.get("store/items")

    async def inventory(self) -> JSON:
        return await self.get("store/inventory")

    async def purchase(self, body: dict[str, Any]) -> JSON:
        return await self.post("store/purchase", body)

    async def use_item(self, cat_id: int, item_id: str) -> JSON:
        return await self.post(f"cats/{cat_id}/use", {"item_id": item_id})

    # --- multiplayer rooms (hosted servers; the local game answers HOSTED_ONLY) ------------

    async def rooms(self, *, mine: bool = False) -> JSON:
        """Open rooms, or (`mine`) the rooms the player is in."""
        return await self.get("rooms", mine="true" if mine else None)

    async def room(self, room_id: int) -> dict[str, Any]:
        """A room with its players and its latest rounds (`recent_rounds`, newest first)."""
        return dict(await self.get(f"rooms/{room_id}"))

    async def room_events(self, room_id: int, since: int, limit: int | None = None) -> JSON:
        """The room channel's events after version `since`: `{events, cursor, status}`."""
        return await self.get(f"rooms/{room_id}/events/poll", since=since, limit=limit)

    def stream_room_events(
        self, room_id: int, since: int, timeout: float, on_open: Callable[[], None] | None = None
    ) -> AsyncIterator[list[ServerSentEvent]]:
        """The room channel's live events after version `since` (`GET /rooms/{id}/events`)."""
        return self.stream(f"rooms/{room_id}/events", since, timeout, on_open)

    async def join_room(self, body: dict[str, Any]) -> JSON:
        return await self.post("rooms", body)

    async def leave_room(self, room_id: int) -> JSON:
        return await self.post(f"rooms/{room_id}/leave")

    async def play_room(self, room_id: int) -> JSON:
        return await self.post(f"rooms/{room_id}/play")
