"""The base of every dialog: a title, a body that scrolls, and a foot that is always visible
with the confirm and cancel buttons and their keys. Esc cancels; `q` (outside text fields)
closes all dialogs and quits."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

ResultType = TypeVar("ResultType")


def hint(*pairs: tuple[str, str]) -> str:
    """`ctrl+s deploy · Esc cancel`."""
    return " · ".join(f"{key} {does}" for key, does in pairs)


class PurrrDialog(ModalScreen[ResultType]):
    """A modal dialog; subclasses add their own keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("q", "app.quit_purrr", "Quit", id="dialog.quit", show=False),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)


class FramedDialog(PurrrDialog[ResultType]):
    """A dialog with the standard frame: subclasses give `compose_body` and `action_submit`."""

    #: The id of the binding that confirms (its key is shown in the foot).
    SUBMIT_BINDING: ClassVar[str] = "form.submit"

    def __init__(self, title: str, submit_label: str = "OK", *, dialog_id: str = "form") -> None:
        super().__init__()
        self.form_title = title
        self.submit_label = submit_label
        self.dialog_id = dialog_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id=self.dialog_id):
            yield Label(self.form_title, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield from self.compose_body()
            with Vertical(classes="dialog-foot"):
                yield Label("", id="form-error", classes="error", markup=False)
                with Horizontal(classes="buttons"):
                    yield Button(self.submit_label, variant="primary", id="form-ok")
                    yield Button("Cancel", id="form-cancel")
                yield Label("", id="dialog-hint", classes="dialog-hint", markup=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        submit = next(
            (
                a.binding
                for a in self.active_bindings.values()
                if a.binding.id == self.SUBMIT_BINDING
            ),
            None,
        )
        cancel = next(
            (a.binding for a in self.active_bindings.values() if a.binding.id == "dialog.cancel"),
            None,
        )
        pairs = []
        if submit is not None:
            pairs.append((self.app.get_key_display(submit), self.submit_label.lower()))
        if cancel is not None:
            pairs.append((self.app.get_key_display(cancel), "cancel"))
        self.query_one("#dialog-hint", Label).update(hint(*pairs))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-ok":
            self.action_submit()
        else:
            self.action_cancel()

    #: Each dialog submits its own way (its form, its ticks, a yes): the `submit` action.
    action_submit: Callable[[], None]

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Label).update(message)


class ConfirmDialog(FramedDialog[bool]):
    """Yes or no, with what will happen spelled out; dismisses with True only on confirm."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Confirm", id="confirm.submit"),
        Binding("y", "submit", "Yes", id="confirm.yes", show=False),
    ]
    SUBMIT_BINDING = "confirm.submit"

    def __init__(self, title: str, question: str, confirm_label: str = "OK") -> None:
        super().__init__(title, confirm_label, dialog_id="confirm")
        self.question = question

    def compose_body(self) -> ComposeResult:
        yield Label(self.question, markup=False, classes="dialog-text")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#form-ok", Button).focus()

    def action_submit(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
