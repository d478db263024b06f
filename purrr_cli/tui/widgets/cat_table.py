"""The cats home table: thumbnail, name, level, bars for the core stats, care alerts."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from purrr_cli.tui.widgets.bars import bar_text
from purrr_cli.tui.widgets.portrait import thumbnail

#: (column label, cat field) for the bars; `hunger` is satiation (100 = full).
BAR_STATS = (
    ("Happy", "happiness"),
    ("Energy", "energy"),
    ("Fed", "hunger"),
    ("Health", "health"),
    ("Clean", "cleanliness"),
)
WIDE_AT = 110


def care_needs(cat: dict[str, Any]) -> list[str]:
    """What the server says this cat needs now (feed, play, groom, treat)."""
    status = cat.get("care") or {}
    return list(status.get("needs") or []) if isinstance(status, dict) else []


class CatTable(DataTable[Any]):
    """One row per cat; the row key is the cat id. Narrow terminals get shorter bars."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._cats: list[dict[str, Any]] = []
        self._wide: bool | None = None

    def set_cats(self, cats: list[dict[str, Any]]) -> None:
        self._cats = cats
        self._render_rows(force=True)

    def on_resize(self, event: events.Resize) -> None:
        self._render_rows(force=False)

    def selected_cat_id(self) -> int | None:
        if not self._cats or self.cursor_row < 0 or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def _render_rows(self, *, force: bool) -> None:
        wide = self.size.width >= WIDE_AT
        if not force and wide == self._wide:
            return
        self._wide = wide
        row = self.cursor_row
        self.clear(columns=True)
        bar = 6 if wide else 3
        labels = ["", "Name", *(["Personality"] if wide else []), "Lv"]
        labels += [label for label, _ in BAR_STATS] + ["Care"]
        rows = [self._cells(cat, wide, bar) for cat in self._cats]
        # Fixed widths measured here: auto widths are only measured when the table next goes
        # idle, so a screen drawn right after a resize could show columns as narrow as labels.
        for index, label in enumerate(labels):
            width = max([cell_len(label), *(cell_len(cells[index].plain) for cells in rows)])
            self.add_column(label, width=width)
        for cat, cells in zip(self._cats, rows, strict=True):
            self.add_row(*cells, key=str(cat["id"]))
        if self.row_count:
            self.move_cursor(row=max(0, min(row, self.row_count - 1)))

    @staticmethod
    def _cells(cat: dict[str, Any], wide: bool, bar: int) -> list[Text]:
        needs = care_needs(cat)
        cells = [thumbnail(cat), Text(str(cat["name"]), style="bold" if needs else "")]
        if wide:
            cells.append(Text(str(cat.get("personality_type", "")).replace("_", " ")))
        cells.append(Text(str(cat.get("level", 1)), justify="right"))
        cells += [bar_text(int(cat.get(field, 0)), bar) for _, field in BAR_STATS]
        cells.append(Text("⚠ " + ",".join(needs), style="bold red") if needs else Text("ok"))
        return cells
