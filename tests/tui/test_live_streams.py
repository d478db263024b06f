"""The dashboard's live feeds on a rate-limited hosted server: it follows the player's events
and a room's channel over Server-Sent Events (one request per stream), so an open dashboard
stays far under a free account's hourly limit while events still arrive as they happen.

Time is compressed: streams end after 1 s instead of 5 minutes and the polling cadence is 50 ms
instead of 2 s, so a few seconds here stand for a long stretch of an idle dashboard. Polling at
that cadence would spend the whole small limit below in about a second; streaming spends one
request per stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from purrr_cli.client import Client, ServerChoice
from purrr_cli.errors import NotFoundError, RateLimitedError
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp
from purrr_cli.tui.widgets.banner import ConnectionBanner
from purrr_cli.tui.widgets.cat_table import CatTable
from tests.tui.conftest import HOSTED_URL, SharedTransport, text_of
from tests.tui.pilot import settle
from tests.tui.test_app import FlakyClient
from tests.tui.test_rooms import rows, shown, toasts, until

#: The free tier's requests per hour on this server (the real default is 100).
LIMIT = 60
#: A compressed stream length (seconds) and polling cadence.
STREAM_SECONDS, POLL = 1.0, 0.05


@pytest.fixture
def hosted_settings() -> dict[str, Any]:
    return {"rate_limit": True, "tier_limits": {"free": LIMIT}}


class Requests:
    """Every request the hosted server answers, as (bearer token, path), and the 429s."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.seen: list[tuple[str, str]] = []
        self.refused: list[str] = []
        inner = transport.handle_request

        def counted(request: httpx.Request) -> httpx.Response:
            self.seen.append((request.headers.get("authorization", ""), request.url.path))
            response = inner(request)
            if response.status_code == 429:
                self.refused.append(request.url.path)
            return response

        transport.handle_request = counted  # type: ignore[method-assign]

    def of(self, client: Client) -> list[str]:
        token = client._auth_headers().get("Authorization", "")
        return [path for who, path in self.seen if who == token]


@pytest.fixture
def requests(hosted_transport: httpx.BaseTransport) -> Requests:
    return Requests(hosted_transport)


@pytest.fixture
def alice_elsewhere(hosted_transport: httpx.BaseTransport) -> Iterator[Callable[[], Client]]:
    """Alice's second client (her CLI in another terminal), on the same account."""
    made: list[Client] = []

    def make() -> Client:
        choice = ServerChoice("remote", HOSTED_URL, "--server")
        made.append(Client(choice=choice, transport=SharedTransport(hosted_transport)))
        return made[-1]

    yield make
    for client in made:
        client.close()


async def test_an_open_dashboard_stays_under_the_limit_and_stays_live(
    make_hosted_app, alice_elsewhere, requests
) -> None:
    app = make_hosted_app(live=True, poll_interval=POLL, stream_seconds=STREAM_SECONDS)
    other = alice_elsewhere()
    before = len(requests.of(other))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 2, "two cats")
        await pilot.pause(3 * STREAM_SECONDS)  # idle: a few streams end and are resumed
        await asyncio.to_thread(
            other.post, "cats", {"name": "Newcomer", "personality_type": "lazy"}
        )
        await until(
            pilot, lambda: app.screen.query_one(CatTable).row_count == 3, "the new cat, live"
        )
        await pilot.pause(2 * STREAM_SECONDS)
        assert not app.screen.query_one(ConnectionBanner).has_class("-lost")
        assert not [m for m, s in toasts(app) if s == "error"], toasts(app)
    made = requests.of(other)[before:]
    streams = made.count("/api/v1/events")
    assert streams >= 3, made  # resumed after each stream's end
    assert made.count("/api/v1/events/poll") <= 2, made  # the cursor and recent alerts only
    assert requests.refused == []
    assert len(requests.of(other)) < LIMIT, made
    # Not limited, not banned: the account still answers.
    assert (await asyncio.to_thread(other.get, "cats"))[0]["name"] == "Tom"


async def test_the_room_view_gets_a_join_live_over_the_room_stream(
    make_hosted_app, hosted_player, alice_elsewhere, requests
) -> None:
    bob: Client = hosted_player("bob", (("Sky", "social_butterfly"),))
    app = make_hosted_app(live=True, poll_interval=POLL, stream_seconds=STREAM_SECONDS)
    other = alice_elsewhere()
    await asyncio.to_thread(other.post, "rooms", {"type": "contest", "cat_id": 1})
    before = len(requests.of(other))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert "Room #1: Contest (open)" in shown(app, "#room-title")
        await pilot.pause(3 * STREAM_SECONDS)
        await asyncio.to_thread(bob.post, "rooms", {"room_id": 1, "cat_id": 3})
        await until(pilot, lambda: len(rows(app, "#members")) == 2, "bob's cat in the members")
        assert "bob joined with Sky (social butterfly)" in shown(app, "#room-log")
        await settle(pilot)
    made = requests.of(other)[before:]
    assert made.count("/api/v1/rooms/1/events") >= 2, made  # resumed after its end
    assert made.count("/api/v1/rooms/1/events/poll") <= 1, made  # the room's history only
    assert requests.refused == []
    assert len(requests.of(other)) < LIMIT, made


class FlakyStreamingClient(FlakyClient):
    """A streaming client whose server can be switched off (an open stream then drops too)."""

    @contextmanager
    def stream(self, path: str, **options: Any) -> Iterator[Any]:
        self._check()
        with self.client.stream(path, **options) as response:
            yield DroppingResponse(response, self)


class DroppingResponse:
    def __init__(self, response: httpx.Response, flaky: FlakyStreamingClient) -> None:
        self.response, self.flaky = response, flaky

    def iter_text(self) -> Iterator[str]:
        for text in self.response.iter_text():
            self.flaky._check()
            yield text

    def close(self) -> None:
        self.response.close()


async def test_a_lost_stream_shows_the_banner_and_resumes_without_a_gap(client, cats) -> None:
    """On the local server too: the feed streams; when the server goes away the banner shows,
    and on its return the stream resumes after the last event seen (none is lost)."""
    flaky = FlakyStreamingClient(client)
    app = PurrrApp(PurrrApi(flaky), poll_interval=POLL, stream_seconds=0.5)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 3, "the cats")
        banner = app.screen.query_one(ConnectionBanner)
        assert not banner.has_class("-lost")
        flaky.down = True
        await until(pilot, lambda: banner.has_class("-lost"), "the lost-server banner")
        assert "connection refused" in text_of(banner)
        # Written while the dashboard cannot hear: the resumed stream brings it.
        await asyncio.to_thread(
            client.post, "cats", {"name": "Newcomer", "personality_type": "lazy"}
        )
        flaky.down = False
        await until(pilot, lambda: not banner.has_class("-lost"), "the banner gone")
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 4, "the new cat")


async def test_the_dashboards_server_child_streams_too(purrr_env, cats, client) -> None:
    """`purrr tui` on the local game (its server in a child process, over a Unix socket):
    the same stream brings a cat adopted elsewhere, and quitting stops the child."""
    from purrr_cli.tui.companion import CompanionClient
    from purrr_cli.tui.run import build_app

    app = build_app()
    app.poll_interval = POLL
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 3, "the cats")
        served = app.api._client
        assert isinstance(served, CompanionClient) and served.in_child
        assert app.api.can_stream
        await until(pilot, lambda: app.connection is not None, "the stream open")
        await asyncio.to_thread(
            client.post, "cats", {"name": "Newcomer", "personality_type": "lazy"}
        )
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 4, "the new cat")
        companion = served._companion
    assert companion is not None
    assert companion.process.wait(15) is not None


class LimitedClient(FlakyClient):
    """A client whose streams are refused: the player's hourly limit is spent."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.streams = 0

    def stream(self, path: str, **options: Any) -> Any:
        self.streams += 1
        raise RateLimitedError(
            "rate limit of 100 requests per hour exceeded", details={"retry_after": 600}
        )


async def test_a_spent_rate_limit_pauses_live_updates_until_it_resets(client, cats) -> None:
    """Asking again at once would only count as violations (and enough of them ban)."""
    limited = LimitedClient(client)
    app = PurrrApp(PurrrApi(limited), poll_interval=POLL, stream_seconds=STREAM_SECONDS)
    async with app.run_test() as pilot:
        await until(pilot, lambda: limited.streams == 1, "a stream asked for")
        await pilot.pause(10 * POLL)
        assert limited.streams == 1
        said = [m for m, s in toasts(app) if s == "warning"]
        assert any(m.startswith("Live updates pause for 10 min: rate limit") for m in said), said
        assert not app.screen.query_one(ConnectionBanner).has_class("-lost")


class OlderServerClient(FlakyClient):
    """A client of a server without the event stream (it answers 404), counting the polls."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.polls = 0

    def get(self, path: str, **params: Any) -> Any:
        if path == "events/poll":
            self.polls += 1
        return super().get(path, **params)

    def stream(self, path: str, **options: Any) -> Any:
        raise NotFoundError("no route GET /api/v1/events")


async def test_a_server_without_the_stream_is_polled(client, cats) -> None:
    older = OlderServerClient(client)
    app = PurrrApp(PurrrApi(older), poll_interval=POLL, stream_seconds=STREAM_SECONDS)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 3, "the cats")
        await until(pilot, lambda: older.polls >= 5, "polling")
        await asyncio.to_thread(
            client.post, "cats", {"name": "Newcomer", "personality_type": "lazy"}
        )
        await until(pilot, lambda: app.screen.query_one(CatTable).row_count == 4, "the new cat")
        assert not app.screen.query_one(ConnectionBanner).has_class("-lost")
