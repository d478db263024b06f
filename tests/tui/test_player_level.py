"""The player's level in the header, when the server reports it (`/auth/profile`)."""

from __future__ import annotations

from typing import Any

from purrr_cli.client import Client
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp
from tests.tui.pilot import settle
from tests.tui.test_sync_state import header


class LevelledClient:
    """The test server, with the player level fields added to the profile."""

    def __init__(self, client: Client, level: dict[str, Any]) -> None:
        self.client = client
        self.level = level

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, **params)
        return {**answer, **self.level} if path == "auth/profile" else answer

    def get_all(self, path: str, **params: Any) -> list[Any]:
        return list(self.client.get_all(path, **params))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, body)

    def close(self) -> None:
        self.client.close()


async def test_header_shows_the_player_level(client: Client, cats: Any) -> None:
    level = {"player_level": 3, "player_xp": 2750, "player_xp_to_next": 250}
    app = PurrrApp(PurrrApi(LevelledClient(client, level)), live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert header(app).splitlines()[1].strip().startswith("level 3 (250 XP to next) ·")


async def test_a_server_without_player_levels_shows_none(make_app: Any, client: Client) -> None:
    profile = client.get("auth/profile")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.overview is not None
        if "player_level" not in profile:  # this server predates player levels
            assert app.overview.level is None and "level" not in header(app)
        else:
            assert app.overview.level == profile["player_level"]
