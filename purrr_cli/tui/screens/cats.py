"""Cats (home): every cat at a glance; Enter opens one."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from purrr_cli.tui.screens.base import PurrrScreen
from purrr_cli.tui.screens.form import FormDialog, FormField
from purrr_cli.tui.widgets.cat_table import CatTable, care_needs


class CatsScreen(PurrrScreen):
    """The home screen."""

    HELP = """\
# Cats

Every cat you own. Bars show **happiness**, **energy**, **fed** (satiation: 100 = full,
0 = starving), **health** and **cleanliness**; a `!` after a number marks a low stat.
The **Care** column lists overdue needs (feed, play, groom, treat).

Press **Enter** (or click) to open a cat, **a** to adopt a new one.
"""
    LIVE_EVENTS = ("cat.", "cats.", "breeding.", "nightwatch.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_cat", "Open", id="cats.open", show=False),
        Binding("a", "adopt", "Adopt", id="cats.adopt"),
    ]

    def compose_body(self) -> ComposeResult:
        yield CatTable(id="cat-table")
        yield Static("Loading cats…", id="cats-summary", classes="summary")

    async def fetch(self) -> list[dict[str, Any]]:
        return await self.api.cats()

    def show(self, data: list[dict[str, Any]]) -> None:
        self.query_one(CatTable).set_cats(data)
        needing = sum(1 for cat in data if care_needs(cat))
        count = f"{len(data)} cat" + ("" if len(data) == 1 else "s")
        summary = count if data else "No cats yet — press a to adopt one."
        if needing:
            summary += f" · {needing} need attention"
        self.query_one("#cats-summary", Static).update(summary)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_cat()

    def action_open_cat(self) -> None:
        cat_id = self.query_one(CatTable).selected_cat_id()
        if cat_id is not None:
            self.purrr.open_cat(cat_id)

    def action_adopt(self) -> None:
        from purrr_cli.tui.forms import personality_choices

        fields = [
            FormField("name", "Name"),
            FormField("personality_type", "Personality", choices=personality_choices()),
            FormField("sex", "Sex", "female", (("Female", "female"), ("Male", "male"))),
        ]

        def adopt(values: dict[str, Any] | None) -> None:
            if values:
                self.call(self.api.adopt(values), self._adopted)

        self.app.push_screen(FormDialog("Adopt a cat", fields, "Adopt"), adopt)

    def _adopted(self, cat: dict[str, Any]) -> None:
        self.notify(f"Welcome home, {cat.get('name', 'kitty')}!")
        self.reload()
