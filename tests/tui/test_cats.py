"""Cats home and cat screen: listing, opening, care actions and their errors."""

from __future__ import annotations

import pytest
from textual.widgets import Select, Static

from purrr_cli.errors import ConflictError
from purrr_cli.tui.screens.cat import CatScreen
from purrr_cli.tui.screens.cats import CatsScreen
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.widgets.cat_table import CatTable
from tests.tui.pilot import settle


async def test_home_lists_every_cat(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CatsScreen)
        table = app.screen.query_one(CatTable)
        assert table.row_count == len(cats)
        summary = str(app.screen.query_one("#cats-summary", Static).render())
        assert "3 cats" in summary


async def test_enter_opens_cat_and_escape_goes_back(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CatScreen)
        assert app.screen.cat_id == cats[1]["id"]
        assert app.screen.cat["name"] == "Bandit"
        await pilot.press("escape")
        assert isinstance(app.screen, CatsScreen)


async def test_feed_from_dialog_shows_result(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        before = client.get(f"cats/{cats[0]['id']}")["hunger"]
        await pilot.press("f")
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one("#field-food_item", Select).value = "salmon"
        await pilot.click("#form-ok")
        await settle(pilot)
        assert isinstance(app.screen, CatScreen)
        result = str(app.screen.query_one("#last-result", Static).render())
        assert result.startswith("Feed Mittens:") and "satiation +" in result
        assert client.get(f"cats/{cats[0]['id']}")["hunger"] > before


async def test_pet_needs_no_dialog(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        app.open_cat(cats[2]["id"])
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert "Pet Luna" in str(app.screen.query_one("#last-result", Static).render())


async def test_refused_action_shows_server_error(make_app, cats, client) -> None:
    cat_id = cats[0]["id"]
    with pytest.raises(ConflictError):  # fill the cat up; the dashboard's feed is then refused
        for _ in range(5):
            client.post(f"cats/{cat_id}/feed", {"food_item": "salmon", "portion": "large"})
    app = make_app()
    async with app.run_test() as pilot:
        app.open_cat(cat_id)
        await settle(pilot)
        await pilot.press("f", "ctrl+s")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors, "a full cat should refuse food with the server's message"
        assert "full" in errors[-1].message.lower()


async def test_cancelled_dialog_sends_nothing(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        await pilot.press("t", "escape")
        await settle(pilot)
        assert isinstance(app.screen, CatScreen)
        assert client.get(f"cats/{cats[0]['id']}/history") == [] or all(
            entry["name"] != "cats.train" for entry in client.get(f"cats/{cats[0]['id']}/history")
        )


async def test_adopt_from_home(make_app, client) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert "No cats yet" in str(app.screen.query_one("#cats-summary", Static).render())
        await pilot.press("a")
        await pilot.press(*"Pixel")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [c["name"] for c in client.get("cats")] == ["Pixel"]
        assert app.screen.query_one(CatTable).row_count == 1


async def test_adopt_requires_a_name(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("a", "ctrl+s")
        assert isinstance(app.screen, FormDialog)
        assert "required" in str(app.screen.query_one("#form-error", Static).render())


async def test_columns_fit_their_cells_as_soon_as_the_table_is_filled(make_app, cats) -> None:
    """Columns fit their cells at once, not only when the table next goes idle: a screen drawn in
    between (after a resize rebuilt the table) used to show names cut to their label's width."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CatTable)
        table.set_cats(cats)
        widths = {str(c.label): c.get_render_width(table) for c in table.ordered_columns}
        assert widths["Name"] >= len("Mittens") + 2
        assert widths["Personality"] >= len("territorial") + 2
        assert widths[""] >= 3 + 2  # the thumbnail
