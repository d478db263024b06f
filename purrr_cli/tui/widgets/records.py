"""A DataTable of API records: give it (header, field) columns; the row key is the record's id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

#: A column: (header, field) or (header, function of the record).
Column = tuple[str, str | Callable[[dict[str, Any]], Any]]


def cell(value: Any, max_width: int | None = None) -> Any:
    """Plain, readable cell text: underscores become spaces, lists are joined, None is blank;
    longer than `max_width` cells, cut with `…` (a long name never pushes columns off screen)."""
    if value is None:
        return ""
    if isinstance(value, Text):
        text = value
    elif isinstance(value, bool):
        return "yes" if value else "no"
    elif isinstance(value, float):
        return f"{value:.2f}"
    elif isinstance(value, list | tuple):
        text = Text(", ".join(str(cell(v)) for v in value))
    else:
        text = Text(str(value).replace("_", " "))
    if max_width is not None and text.cell_len > max_width:
        text = text.copy()
        text.truncate(max_width, overflow="ellipsis")
    return text


class RecordTable(DataTable[Any]):
    """Rows from a list of dicts, refreshed in place (cursor kept)."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        key: str = "id",
        max_width: int = 28,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.columns_spec = list(columns)
        self.key_field = key
        self.max_width = max_width
        self.records: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        for header, _ in self.columns_spec:
            self.add_column(header)

    def set_records(self, records: list[dict[str, Any]]) -> None:
        """Show `records`, each column as wide as its widest cell. The widths are set here,
        not left to the table, which measures new rows when it is next idle: on a busy machine
        a frame could show every column cut to its header's width first (`CatTable` does the
        same)."""
        row = self.cursor_row
        self.records = list(records)
        rows = [
            [
                cell(field(record) if callable(field) else record.get(field), self.max_width)
                for _, field in self.columns_spec
            ]
            for record in self.records
        ]
        self.clear(columns=True)
        for index, (header, _) in enumerate(self.columns_spec):
            self.add_column(header, width=column_width(header, (values[index] for values in rows)))
        for index, (record, values) in enumerate(zip(self.records, rows, strict=True)):
            self.add_row(*values, key=str(record.get(self.key_field, index)))
        if self.row_count:
            self.move_cursor(row=max(0, min(row, self.row_count - 1)))

    def selected(self) -> dict[str, Any] | None:
        """The record under the cursor, if any."""
        if not self.records or not 0 <= self.cursor_row < len(self.records):
            return None
        return self.records[self.cursor_row]


def column_width(header: str, cells: Iterable[Any]) -> int:
    """The width of a column showing `header` over `cells` (Text or plain values): a table sets
    it with its rows, as Textual measures auto-width columns only when the table is next idle."""
    widths = (c.cell_len if isinstance(c, Text) else cell_len(str(c)) for c in cells)
    return max(cell_len(header), *widths, 0)


def records_of(data: Any, key: str) -> list[dict[str, Any]]:
    """The records of an answer that is either a list or an object holding the list at `key`."""
    if isinstance(data, dict):
        data = data.get(key, [])
    return [item for item in data or [] if isinstance(item, dict)]


def shorten(text: Any, width: int = 24) -> str:
    """`text` cut with `…` to `width` characters (names in choices and titles)."""
    value = str(text)
    return value if len(value) <= width else value[: width - 1] + "…"
