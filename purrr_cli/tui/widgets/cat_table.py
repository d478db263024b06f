"""The cats home table: thumbnail, name, level, the core stats, and what each cat is doing or
needs. Columns are sized to the terminal: long names are cut with `…`, bars shrink to numbers
on narrow screens, and no column is ever pushed off screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from purrr_cli.tui import clock
from purrr_cli.tui.widgets.bars import DEFAULT_STYLES, bar_text, stat_styles
from purrr_cli.tui.widgets.portrait import thumbnail
from purrr_cli.tui.widgets.records import column_width

#: (column label, cat field) for the stats; `hunger` is satiation (100 = full).
BAR_STATS = (
    ("Happy", "happiness"),
    ("Energy", "energy"),
    ("Fed", "hunger"),
    ("Health", "health"),
    ("Clean", "cleanliness"),
)
#: A name longer than this is cut with `…` even on a wide screen.
NAME_CAP = 24
NAME_MIN = 10
STATUS_MIN = 14
PERSONALITY_WIDTH = 12
#: DataTable cell padding (one cell each side) and room for the vertical scrollbar.
PAD, SCROLLBAR = 2, 2
#: Bar widths tried from the widest; 0 shows the numbers alone.
BAR_WIDTHS = (10, 6, 3, 0)


def care_needs(cat: dict[str, Any]) -> list[str]:
    """What the server says this cat needs now (feed, play, groom, treat)."""
    status = cat.get("care") or {}
    return list(status.get("needs") or []) if isinstance(status, dict) else []


def cat_doing(cat: dict[str, Any], busy: dict[int, str], now: datetime | None = None) -> str:
    """What the cat is doing: on patrol, breeding, resting, breeding cooldown, or ""."""
    if cat.get("id") in busy:
        return busy[int(cat["id"])]
    if cat.get("is_resting"):
        return "resting"
    until = clock.parse(cat.get("breeding_cooldown_until"))
    if until and until > (now or clock.now()):
        return "cooldown"
    return ""


@dataclass(frozen=True)
class Layout:
    bar: int
    name: int
    personality: bool
    status: int


def stat_width(bar: int) -> int:
    return bar + 5 if bar else 4


def plan(width: int, longest_name: int) -> Layout:
    """Column widths that fit `width` cells: the widest bars that leave the name and the status
    readable; the personality only when there is room to spare."""
    avail = max(0, width - SCROLLBAR)
    name_wanted = max(4, min(longest_name, NAME_CAP))
    name_min = min(name_wanted, NAME_MIN)
    for bar in BAR_WIDTHS:
        stats = sum(max(len(label), stat_width(bar)) + PAD for label, _ in BAR_STATS)
        fixed = (
            (3 + PAD) + (2 + PAD) + stats + PAD * 2
        )  # thumbnail, level, stats; name, status pads
        for personality in (True, False):
            extra = PERSONALITY_WIDTH + PAD if personality else 0
            room = avail - fixed - extra
            if room >= name_min + STATUS_MIN or bar == 0 and not personality:
                name = max(4, min(name_wanted, room - STATUS_MIN))
                return Layout(bar, name, personality, max(4, room - name))
    raise AssertionError("unreachable")  # pragma: no cover


def fit(text: str, width: int, style: str = "") -> Text:
    """`text` on one line, cut with `…` to `width` cells."""
    cell = Text(text, style=style, no_wrap=True, overflow="ellipsis")
    cell.truncate(width, overflow="ellipsis")
    return cell


class CatTable(DataTable[Any]):
    """One row per cat; the row key is the cat id. Rebuilt when the width changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._cats: list[dict[str, Any]] = []
        self._busy: dict[int, str] = {}
        #: cat id → short labels of its recent health-device alerts ("heart rate high").
        self._alerts: dict[int, list[str]] = {}
        self._width: int | None = None

    @property
    def cats(self) -> list[dict[str, Any]]:
        return self._cats

    def set_cats(
        self,
        cats: list[dict[str, Any]],
        busy: dict[int, str] | None = None,
        alerts: dict[int, list[str]] | None = None,
    ) -> None:
        self._cats = cats
        if busy is not None:
            self._busy = busy
        if alerts is not None:
            self._alerts = alerts
        self._render_rows(force=True)

    def set_busy(self, busy: dict[int, str], alerts: dict[int, list[str]] | None = None) -> None:
        self._busy = busy
        if alerts is not None:
            self._alerts = alerts
        self._render_rows(force=True)

    def on_resize(self, event: events.Resize) -> None:
        self._render_rows(force=False)

    def selected_cat(self) -> dict[str, Any] | None:
        cat_id = self.selected_cat_id()
        return next((c for c in self._cats if c["id"] == cat_id), None)

    def selected_cat_id(self) -> int | None:
        if not self._cats or self.cursor_row < 0 or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def _render_rows(self, *, force: bool) -> None:
        width = self.size.width or self.app.size.width
        if not force and width == self._width:
            return
        self._width = width
        longest = max((cell_len(str(c.get("name", ""))) for c in self._cats), default=4)
        layout = plan(width, longest)
        styles = stat_styles(self.app) if self.is_attached else DEFAULT_STYLES
        row = self.cursor_row
        self.clear(columns=True)
        labels = ["", "Name", *(["Personality"] if layout.personality else []), "Lv"]
        labels += [label for label, _ in BAR_STATS] + ["Doing · needs"]
        rows = [self._cells(cat, layout, styles) for cat in self._cats]
        # Fixed widths measured here: auto widths are only measured when the table next goes
        # idle, so a screen drawn right after a resize could show columns as narrow as labels.
        for index, label in enumerate(labels):
            if index == len(labels) - 1:
                width = layout.status
            else:
                width = column_width(label, (cells[index] for cells in rows))
            self.add_column(fit(label, width), width=width)
        for cat, cells in zip(self._cats, rows, strict=True):
            self.add_row(*cells, key=str(cat["id"]))
        if self.row_count:
            self.move_cursor(row=max(0, min(row, self.row_count - 1)))

    def _cells(self, cat: dict[str, Any], layout: Layout, styles: dict[str, str]) -> list[Text]:
        # Its health devices' recent alerts (the most urgent), then what the server says it needs.
        needs = self._alerts.get(int(cat["id"]), []) + care_needs(cat)
        cells = [thumbnail(cat), fit(str(cat["name"]), layout.name, "bold" if needs else "")]
        if layout.personality:
            personality = str(cat.get("personality_type", "")).replace("_", " ")
            cells.append(fit(personality, PERSONALITY_WIDTH))
        cells.append(Text(str(cat.get("level", 1)), justify="right"))
        cells += [
            bar_text(int(cat.get(field, 0)), layout.bar, styles=styles) for _, field in BAR_STATS
        ]
        cells.append(status_cell(cat_doing(cat, self._busy), needs, layout.status, styles))
        return cells


def status_cell(doing: str, needs: list[str], width: int, styles: dict[str, str]) -> Text:
    """`on patrol · ⚠ feed, play`: the activity, then the needs marked as a warning (a sign and
    bold, so they read without colour); `ok` when there is nothing to say."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if doing:
        text.append(doing)
    if needs:
        if doing:
            text.append(" · ")
        text.append("⚠ " + ", ".join(needs), style=styles["warn"])
    if not text.plain:
        text.append("ok")
    text.truncate(width, overflow="ellipsis")
    return text
