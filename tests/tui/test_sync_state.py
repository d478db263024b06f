"""The header's sync state for a game linked to a remote (docs/sync.md, `purrr remote status`)."""

from __future__ import annotations

from typing import Any

import pytest

from purrr_cli.client import Client
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp
from purrr_cli.tui.overview import sync_state
from purrr_cli.tui.widgets.topbar import TopBar
from tests.tui.pilot import settle

#: `GET /sync/status` of a linked game, as `purrr_server.sync.engine.status` writes it.
LINKED: dict[str, Any] = {
    "linked": True,
    "remote": {"url": "https://purrr.example", "user": {"username": "ana"}, "client_id": "c1"},
    "pending": 0,
    "last_push": "2025-04-12T21:55:00+00:00",
    "last_pull": "2025-04-12T21:56:00+00:00",
    "last_error": None,
    "failures": 0,
    "needs_rebuild": False,
    "agreement": {"agreed": True, "mismatches": []},
    "rejections": [],
}


def hhmm(iso: str) -> str:
    return iso[11:16]


@pytest.mark.parametrize(
    ("change", "shown", "problem"),
    [
        ({}, "⇅ synced 21:56", False),
        ({"pending": 3}, "⇅ 3 to sync", False),
        ({"last_push": None, "last_pull": None}, "⇅ linked, not synced yet", False),
        ({"last_error": "timed out", "failures": 4}, "⇅ sync failing (4×)", True),
        (
            {"rejections": [{"rejected_at": "2025-04-12T21:55:00+00:00"}]},
            "⇅ sync: 1 rejected",
            True,
        ),
        ({"rejections": [{"rejected_at": "2025-04-01T10:00:00+00:00"}]}, "⇅ synced 21:56", False),
        ({"agreement": {"agreed": False}}, "⇅ sync: copies disagree", True),
        ({"needs_rebuild": True, "pending": 2}, "⇅ sync: rebuild needed", True),
        ({"linked": False}, "", False),
    ],
)
def test_sync_state_reads(change: dict[str, Any], shown: str, problem: bool) -> None:
    assert sync_state({**LINKED, **change}, hhmm) == (shown, problem)


class LinkedClient:
    """The test server, but `sync/status` answers as a linked game's does."""

    def __init__(self, client: Client, status: dict[str, Any]) -> None:
        self.client = client
        self.status = status

    def get(self, path: str, **params: Any) -> Any:
        if path == "sync/status":
            return self.status
        return self.client.get(path, **params)

    def get_all(self, path: str, **params: Any) -> list[Any]:
        return list(self.client.get_all(path, **params))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, body)

    def close(self) -> None:
        self.client.close()


def header(app: PurrrApp) -> str:
    return str(app.screen.query_one(TopBar).render())


async def test_header_shows_sync_state_of_a_linked_game(client: Client, cats: Any) -> None:
    linked = LinkedClient(client, {**LINKED, "pending": 2})
    app = PurrrApp(PurrrApi(linked), live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "⇅ 2 to sync" in header(app)
        linked.status = {**LINKED, "last_error": "remote unreachable", "failures": 2}
        await pilot.press("r")
        await settle(pilot)
        assert "⇅ sync failing (2×)" in header(app)


async def test_an_unlinked_game_shows_no_sync_state(make_app: Any, cats: Any) -> None:
    app = make_app()  # the real local server: not linked
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.overview is not None and app.overview.sync is None
        assert "⇅" not in header(app)
