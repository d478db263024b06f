"""`?`: what the focused screen shows and every key it answers to (remapped keys included)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static

from purrr_cli.tui.screens.dialog import PurrrDialog


def keys_table(screen: Screen[object]) -> Table:
    """Every active binding of `screen` (app ones included) as key / action / description."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.description in seen:
            continue
        seen.add(binding.description)
        table.add_row(screen.app.get_key_display(binding) or key, binding.description)
    return table


class HelpScreen(PurrrDialog[None]):
    """A dialog with the screen's help text and its keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "cancel", "Close", id="help.close"),
    ]

    def __init__(self, screen: Screen[object], text: str) -> None:
        super().__init__()
        self._for = screen
        self._text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog"):
            yield Markdown(self._text or "No help for this screen.")
            yield Static(keys_table(self._for), id="help-keys")
            yield Static("Press Esc to close. Keys can be remapped: config key `keybindings`.")
