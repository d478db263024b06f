"""Breeding lab: choosing a pair shows the server's prediction; starting a breeding."""

from __future__ import annotations

from textual.widgets import Select

from purrr_cli.tui.screens.breeding import BreedingScreen
from purrr_cli.tui.widgets.records import RecordTable
from tests.tui.conftest import text_of
from tests.tui.pilot import settle


async def test_pick_pair_predict_and_breed(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BreedingScreen)
        assert app.screen.query_one("#pairs", RecordTable).row_count >= 1
        app.screen.query_one("#pairs", RecordTable).focus()
        await pilot.press("enter")  # use the best suggested pair
        await settle(pilot)
        await settle(pilot)
        prediction = text_of(app.screen.query_one("#prediction"))
        assert "Compatibility" in prediction and "Kitten coat" in prediction
        assert "Bandit ×" in prediction and "%)" in prediction
        app.screen.query_one("#method", Select).value = "natural"
        await pilot.press("s")
        await settle(pilot)
        assert client.get("breeding")
        assert app.screen.query_one("#breedings", RecordTable).row_count == 1


async def test_breed_without_a_pair_warns(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("s")
        assert any("Choose a sire" in n.message for n in app._notifications)
