"""Cats (home): which cat needs what, and what each is doing; care for the focused cat with one
key, Enter opens it."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from purrr_cli.errors import CliError
from purrr_cli.tui.screens.base import PurrrScreen
from purrr_cli.tui.screens.form import FormDialog, FormField
from purrr_cli.tui.widgets.cat_card import CARD_FROM, CatCard
from purrr_cli.tui.widgets.cat_table import CatTable, care_needs, cat_doing


class CatsScreen(PurrrScreen):
    """The home screen."""

    HELP = """\
# Cats

Every cat you own, with **happiness**, **energy**, **fed** (satiation: 100 = full,
0 = starving), **health** and **cleanliness**; a `!` after a number marks a low stat.
The last column says what the cat is doing (on patrol, breeding, resting) and what it needs
now (`⚠ feed, play`), including what its health devices reported in the last day
(`⚠ heart rate high`: see `purrr cats devices alerts`).

Care for the highlighted cat without opening it: **f** feed, **e** pet, **p** play,
**o** groom. **Enter** (or a click) opens the cat, **a** adopts a new one.
"""
    MODE = "cats"
    LIVE_EVENTS = ("cat.", "cats.", "breeding.", "nightwatch.", "device.alert")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_cat", "Open", id="cats.open"),
        Binding("f", "care('feed')", "Feed", id="cats.feed"),
        Binding("e", "care('pet')", "Pet", id="cats.pet"),
        Binding("p", "care('play')", "Play", id="cats.play"),
        Binding("o", "care('groom')", "Groom", id="cats.groom"),
        Binding("a", "adopt", "Adopt", id="cats.adopt"),
    ]

    #: What the last quick action did (kept in the summary line after the reload).
    last_result: str = ""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="home"):
            yield CatTable(id="cat-table")
            yield CatCard(id="cat-card")
        yield Static("Loading cats…", id="cats-summary", classes="summary")

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(CatCard).display = event.size.width >= CARD_FROM
        self._show_card()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_card()

    def _show_card(self) -> None:
        if not self.query_one(CatCard).display:
            return
        cat = self.query_one(CatTable).selected_cat()
        overview = self.purrr.overview
        doing = cat_doing(cat, overview.busy if overview else {}) if cat else ""
        alerts = self.purrr.device_alerts.for_cat(int(cat["id"])) if cat else []
        self.query_one(CatCard).show_cat(cat, doing, alerts)

    async def fetch(self) -> list[dict[str, Any]]:
        return await self.api.cats()

    def show(self, data: list[dict[str, Any]]) -> None:
        self.purrr.remember_cats(data)
        overview = self.purrr.overview
        self.query_one(CatTable).set_cats(
            data, overview.busy if overview else None, self._alert_labels(data)
        )
        alerting = self._alert_labels(data)
        needing = sum(1 for cat in data if care_needs(cat) or alerting.get(cat["id"]))
        count = f"{len(data)} cat" + ("" if len(data) == 1 else "s")
        summary = count if data else "No cats yet — press a to adopt one."
        if needing:
            summary += f" · {needing} need{'s' if needing == 1 else ''} attention"
        if self.last_result:
            summary += f" · {self.last_result}"
        self.query_one("#cats-summary", Static).update(summary)
        self._show_card()

    def failed(self, exc: CliError) -> None:
        if not self.query_one(CatTable).cats:
            self.query_one("#cats-summary", Static).update("Your cats could not be loaded.")

    def overview_changed(self) -> None:
        overview = self.purrr.overview
        table = self.query_one(CatTable)
        if overview is not None:
            table.set_busy(overview.busy, self._alert_labels(table.cats))
        elif self.purrr.device_alerts:
            table.set_cats(table.cats, alerts=self._alert_labels(table.cats))
        self._show_card()

    def _alert_labels(self, cats: list[dict[str, Any]]) -> dict[int, list[str]]:
        alerts = self.purrr.device_alerts
        return {int(c["id"]): labels for c in cats if (labels := alerts.labels(int(c["id"])))}

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_cat()

    def action_open_cat(self) -> None:
        cat_id = self.query_one(CatTable).selected_cat_id()
        if cat_id is not None:
            self.purrr.open_cat(cat_id)

    def action_care(self, action: str) -> None:
        from purrr_cli.tui.care import care

        cat = self.query_one(CatTable).selected_cat()
        if cat is None:
            self.notify("No cat yet: press a to adopt one.", severity="warning")
            return
        care(self, cat, action, self._cared)

    def _cared(self, summary: str) -> None:
        self.last_result = summary

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
