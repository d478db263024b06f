"""Games & quests and wallet & store screens against the in-process server."""

from __future__ import annotations

from textual.widgets import Select, Static

from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.screens.games import GamesScreen
from purrr_cli.tui.screens.wallet import WalletScreen
from purrr_cli.tui.widgets.records import RecordTable
from tests.tui.conftest import text_of
from tests.tui.test_cats import settle


async def test_games_lists_games_and_quests(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GamesScreen)
        assert app.screen.query_one("#games", RecordTable).row_count > 5
        assert app.screen.query_one("#quests", RecordTable).row_count > 0


async def test_play_a_coin_game(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("g")
        await settle(pilot)
        table = app.screen.query_one("#games", RecordTable)
        table.move_cursor(row=[g["type"] for g in table.records].index("ball_toss"))
        await pilot.press("p")
        assert isinstance(app.screen, FormDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        result = str(app.screen.query_one("#game-result", Static).render())
        assert result.startswith("Ball toss: ")
        assert client.get("games/history")


async def test_crypto_game_without_funds_is_refused(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("g")
        await settle(pilot)
        table = app.screen.query_one("#games", RecordTable)
        table.move_cursor(row=[g["type"] for g in table.records].index("paw_match"))
        await pilot.press("p")
        app.screen.query_one("#field-crypto_type", Select).value = "BTC"
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors


async def test_buy_and_use_an_item(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)
        assert "1000" in text_of(app.screen.query_one("#balances", Static))
        store = app.screen.query_one("#store", RecordTable)
        store.move_cursor(row=[i["id"] for i in store.records].index("premium_food"))
        await pilot.press("p")
        await settle(pilot)
        assert client.get("economy/balance")["coins"] == 975
        inventory = app.screen.query_one("#inventory", RecordTable)
        assert inventory.row_count == 1
        await pilot.press("u")
        assert isinstance(app.screen, FormDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert client.get("store/inventory") == []


async def test_use_item_from_cat_screen_with_empty_inventory(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert any("inventory is empty" in n.message for n in app._notifications)
