"""App-wide behaviour: navigation, help, palette, remapped keys, quitting, lost server, live events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.command import CommandPalette

from purrr_cli.errors import UnreachableError
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp
from purrr_cli.tui.screens.breeding import BreedingScreen
from purrr_cli.tui.screens.cat import CatScreen
from purrr_cli.tui.screens.cats import CatsScreen
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.screens.games import GamesScreen
from purrr_cli.tui.screens.help import HelpScreen
from purrr_cli.tui.screens.nightwatch import NightWatchScreen
from purrr_cli.tui.screens.wallet import WalletScreen
from purrr_cli.tui.widgets.banner import ConnectionBanner
from purrr_cli.tui.widgets.cat_table import CatTable
from tests.tui.conftest import text_of
from tests.tui.pilot import settle

SCREENS = [
    ("n", NightWatchScreen),
    ("b", BreedingScreen),
    ("g", GamesScreen),
    ("w", WalletScreen),
    ("c", CatsScreen),
]


async def test_every_screen_has_a_key_and_help(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        for key, screen_class in SCREENS:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen_class)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, screen_class)


async def test_help_lists_the_screen_keys(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        await pilot.press("question_mark")
        keys = text_of(app.screen.query_one("#help-keys"))
        for description in ("Feed", "Play", "Groom", "Pet", "Rest", "Train", "Treat", "Use item"):
            assert description in keys


async def test_palette_runs_screen_actions(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Adopt")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)


async def test_palette_goes_to_screens(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Go to Wallet")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)


async def test_keys_are_remappable(make_app, cats) -> None:
    app = make_app(keymap={"cat.feed": "F", "app.nightwatch": "ctrl+n"})
    async with app.run_test() as pilot:
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        await pilot.press("f")
        assert isinstance(app.screen, CatScreen)
        await pilot.press("F")
        assert isinstance(app.screen, FormDialog)
        await pilot.press("escape", "ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NightWatchScreen)


async def test_q_closes_dialogs_then_quits(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        await pilot.press("o")  # the groom dialog: only Selects, so q is not typed anywhere
        assert isinstance(app.screen, FormDialog)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


class FlakyClient:
    """A client whose server can be switched off."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise UnreachableError("cannot reach the server at test: connection refused")

    def get(self, path: str, **params: Any) -> Any:
        self._check()
        return self.client.get(path, **params)

    def get_all(self, path: str, **params: Any) -> list[Any]:
        self._check()
        return list(self.client.get_all(path, **params))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        self._check()
        return self.client.post(path, body)

    def close(self) -> None:
        self.client.close()


async def test_lost_server_shows_banner_and_reconnects(client, cats) -> None:
    flaky = FlakyClient(client)
    app = PurrrApp(PurrrApi(flaky), poll_interval=0.05)
    async with app.run_test() as pilot:
        await pilot.pause(0.3)
        banner = app.screen.query_one(ConnectionBanner)
        assert not banner.has_class("-lost")
        flaky.down = True
        await pilot.pause(0.4)
        assert banner.has_class("-lost")
        assert "connection refused" in text_of(banner)
        await pilot.press("r")  # keys still work while the server is away
        flaky.down = False
        await pilot.pause(2.5)
        assert not banner.has_class("-lost")
        assert app.screen.query_one(CatTable).row_count == 3


async def test_live_events_update_the_home_screen(client, cats) -> None:
    app = PurrrApp(PurrrApi(client), poll_interval=0.05)
    async with app.run_test() as pilot:
        await pilot.pause(0.5)
        assert app.screen.query_one(CatTable).row_count == 3
        await asyncio.to_thread(
            client.post, "cats", {"name": "Newcomer", "personality_type": "lazy"}
        )
        for _ in range(40):
            await pilot.pause(0.05)
            if app.screen.query_one(CatTable).row_count == 4:
                break
        assert app.screen.query_one(CatTable).row_count == 4


@pytest.mark.parametrize("theme", ["purrr-light"])
async def test_themes(make_app, cats, theme) -> None:
    app = make_app(theme=theme)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.theme == theme
