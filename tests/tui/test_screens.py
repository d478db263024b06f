"""Games & quests and wallet & store screens against the in-process server."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, Label, Select, Static

from purrr_cli.tui.screens.dialog import ConfirmDialog
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.screens.games import GamesScreen
from purrr_cli.tui.screens.help import HelpScreen
from purrr_cli.tui.screens.wallet import WalletScreen
from purrr_cli.tui.widgets.records import RecordTable
from tests.tui.conftest import text_of
from tests.tui.pilot import settle


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
        assert isinstance(app.screen, ConfirmDialog)  # nothing is bought without a yes
        assert "25 coins" in str(app.screen.query_one(".dialog-text", Label).render())
        assert client.get("economy/balance")["coins"] == 1000
        await pilot.press("ctrl+s")
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


async def _deposit(pilot, currency: str, amount: str) -> None:
    await pilot.press("d")
    assert isinstance(pilot.app.screen, FormDialog)
    pilot.app.screen.query_one("#field-crypto_type", Select).value = currency
    pilot.app.screen.query_one("#field-amount_usd", Input).value = amount
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_deposit_then_confirm_credits_the_wallet(make_app, cats, client) -> None:
    before = client.get("economy/balance")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)
        await pilot.press("d")
        dialog_currencies = [
            value for _, value in app.screen.query_one("#field-crypto_type", Select)._options
        ]
        await pilot.press("escape")
        assert dialog_currencies == ["BTC", "ETH", "USDC", "SOL", "XRP"]
        await _deposit(pilot, "USDC", "12.34")
        charges = client.get("economy/charges")
        assert len(charges) == 1 and charges[0]["status"] == "pending"
        charge_id = charges[0]["charge_id"]
        shown = text_of(app.screen.query_one("#charge", Static))
        for part in (charge_id, "12.34000000", charges[0]["payment_url"]):
            assert part in shown
        assert client.get("economy/balance") == before
        await pilot.press("k")
        await settle(pilot)
        after = client.get("economy/balance")
        assert Decimal(after["USDC"]) == Decimal(before["USDC"]) + Decimal("12.34")
        assert {k: v for k, v in after.items() if k != "USDC"} == {
            k: v for k, v in before.items() if k != "USDC"
        }
        assert client.get("economy/charges")[0]["status"] == "confirmed"
        assert after["USDC"] in text_of(app.screen.query_one("#balances", Static))
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_deposit_with_a_bad_amount_is_refused(make_app, cats, client) -> None:
    before = client.get("economy/balance")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("w")
        await settle(pilot)
        await _deposit(pilot, "USDC", "0.5")
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "amount_usd" in errors[-1].message
        assert client.get("economy/charges") == []
        assert client.get("economy/balance") == before


async def test_confirm_with_nothing_pending_is_an_error(make_app, cats, client) -> None:
    before = client.get("economy/balance")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "Nothing to confirm" in errors[-1].message
        assert client.get("economy/balance") == before


async def test_deposit_keys_in_help_and_palette(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "Deposit" in keys and "Confirm charge" in keys and "Cats" in keys
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"Deposit")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert app.screen.form_title == "Deposit"
