"""A player with more cats than one page of the API (50): the dashboard shows them all, and
reloading them stays cheap."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from purrr_cli.client import Client
from purrr_cli.tui.widgets.cat_table import CatTable
from tests.tui.conftest import text_of
from tests.tui.pilot import settle

MANY = 120


@pytest.fixture
def many_cats(client: Client) -> list[dict[str, Any]]:
    return [
        client.post("cats", {"name": f"Cat {n:03d}", "personality_type": "playful"})
        for n in range(MANY)
    ]


async def test_home_shows_every_page_of_cats(
    make_app: Any, many_cats: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CatTable)
        assert table.row_count == MANY
        assert "120 cats" in text_of(app.screen.query_one("#cats-summary", Static))
        await pilot.press("ctrl+end")  # the last cat, on the last page
        await pilot.pause()
        assert table.selected_cat_id() == many_cats[-1]["id"]
        assert len(app.cats) == MANY  # the palette offers every cat too

        # A reload draws no portrait again: coats are cached by phenotype.
        from purrr_core import portrait as core_portrait

        drawn: list[Any] = []
        real = core_portrait.portrait_cells
        monkeypatch.setattr(core_portrait, "portrait_cells", lambda *a: drawn.append(a) or real(*a))
        await pilot.press("r")
        await settle(pilot)
        assert table.row_count == MANY
        assert drawn == []
        # The cursor stays on the same row across the reload.
        assert table.selected_cat_id() == many_cats[-1]["id"]
