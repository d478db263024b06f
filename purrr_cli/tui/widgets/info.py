"""Small text panels: key/value lists and history/insight tables rendered from API data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.table import Table
from rich.text import Text


def kv_table(rows: Iterable[tuple[str, Any]]) -> Table:
    """Two columns, label and value; values are shown as plain text."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else Text(str(value)))
    return table


def records_table(records: list[dict[str, Any]], columns: list[tuple[str, str]]) -> Table:
    """A table of API records; `columns` are (header, field). Missing fields show as blank."""
    table = Table(box=None, header_style="bold", pad_edge=False, expand=True)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for record in records:
        table.add_row(*(_cell(record.get(field)) for _, field in columns))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k} {_signed(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).replace("_", " ")


def _signed(value: Any) -> str:
    return (
        f"{value:+}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


def describe_changes(changes: dict[str, Any]) -> str:
    """`{"hunger": 25, "happiness": 15}` → `satiation +25, happiness +15`."""
    names = {"hunger": "satiation"}
    return ", ".join(f"{names.get(k, k)} {_signed(v)}" for k, v in changes.items()) or "no change"
