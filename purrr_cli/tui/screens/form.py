"""A small modal form: a few choices and numbers, OK / Cancel, returns a dict (or None)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from purrr_cli.tui.screens.dialog import FramedDialog


@dataclass(frozen=True)
class FormField:
    """One input: a choice when `choices` is given, else text (or an integer when `integer`)."""

    name: str
    label: str
    default: Any = None
    choices: tuple[tuple[str, Any], ...] = field(default=())
    integer: bool = False
    required: bool = True


class FormDialog(FramedDialog[dict[str, Any] | None]):
    """Ask for `fields`; dismiss with their values, or None on Cancel / Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "OK", id="form.submit"),
    ]

    def __init__(self, title: str, fields: list[FormField], submit_label: str = "OK") -> None:
        super().__init__(title, submit_label)
        self.fields = fields

    def compose_body(self) -> ComposeResult:
        for spec in self.fields:
            with Horizontal(classes="field"):
                yield Label(spec.label, markup=False)
                yield self._input_for(spec)

    @staticmethod
    def _input_for(spec: FormField) -> Select[Any] | Input:
        widget_id = f"field-{spec.name}"
        if spec.choices:
            return Select(
                [(label, value) for label, value in spec.choices],
                value=spec.default if spec.default is not None else spec.choices[0][1],
                allow_blank=False,
                id=widget_id,
            )
        return Input(
            "" if spec.default is None else str(spec.default),
            type="integer" if spec.integer else "text",
            id=widget_id,
        )

    def values(self) -> dict[str, Any]:
        """The current values, integers converted; raises ValueError naming a missing field."""
        result: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            value = widget.value if isinstance(widget, Select | Input) else None
            if value in ("", None, Select.NULL):
                if spec.required:
                    raise ValueError(f"{spec.label} is required")
                continue
            result[spec.name] = int(str(value)) if spec.integer else value
        return result

    def on_input_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(values)
