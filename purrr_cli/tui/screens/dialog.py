"""The base of every dialog: Esc closes it, `q` (outside text fields) closes all and quits."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class PurrrDialog(ModalScreen[ResultType]):
    """A modal dialog; subclasses add their own keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("q", "app.quit_purrr", "Quit", id="dialog.quit", show=False),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)
