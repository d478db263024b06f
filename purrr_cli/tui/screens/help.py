"""`?`: what the focused screen shows and its keys, grouped: this screen's game keys first,
then the keys that work everywhere (remapped keys shown as mapped)."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Markdown, Static

from purrr_cli.tui.screens.dialog import PurrrDialog, hint


def key_groups(screen: Screen[object]) -> list[tuple[str, list[tuple[str, str]]]]:
    """[("This screen", [(key, does)…]), ("Everywhere", […])] from the active bindings.

    Only the game's bindings (they have ids) are listed: a table's cursor keys are not news."""
    # The screen's and the app's own maps (remapped keys included), not the active bindings:
    # there a focused table's Enter would hide the screen's Enter.
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for heading, node in (("This screen", screen), ("Everywhere", screen.app)):
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if not binding.id or not binding.description or binding.id in seen:
                    continue
                seen.add(binding.id)
                rows.append((screen.app.get_key_display(binding), binding.description))
        groups.append((heading, rows))
    groups[-1][1].append((screen.app.get_key_display(Binding("ctrl+p", "")), "Command palette"))
    return groups


def keys_table(screen: Screen[object]) -> Group:
    """The key groups as text: a heading per group, then key / what it does."""
    parts: list[Text | Table] = []
    for heading, rows in key_groups(screen):
        if not rows:
            continue
        parts.append(Text(heading, style="bold underline"))
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold", min_width=8)
        table.add_column("Does")
        for key, does in rows:
            table.add_row(key, does)
        parts.append(table)
    return Group(*parts)


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
        with Vertical(id="help-body", classes="dialog"):
            with VerticalScroll(classes="dialog-body"):
                yield Static(keys_table(self._for), id="help-keys")
                yield Markdown(self._text or "No help for this screen.")
                yield Label("Keys can be remapped: config key `keybindings` (see docs/tui.md).")
            with Vertical(classes="dialog-foot"):
                yield Label(hint(("Esc", "close"), ("↑↓", "scroll")), classes="dialog-hint")
