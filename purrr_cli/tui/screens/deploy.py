"""The deploy dialog: which cats go, in which role, to which area."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Label, Select

from purrr_cli.tui.screens.dialog import PurrrDialog
from purrr_core.nightwatch import rules

AUTO = "auto"


def role_choices() -> list[tuple[str, str]]:
    return [("Auto (personality)", AUTO)] + [(r.name, r.id) for r in rules().roles.values()]


def area_choices() -> list[tuple[str, str]]:
    return [(a.name, a.id) for a in rules().areas.values()]


def pick_label(cat: dict[str, Any], picked: bool) -> str:
    """The tick is in the text too, so the choice reads without colour."""
    return f"{'[go]' if picked else '[  ]'} {cat['name']} (energy {cat.get('energy', '?')})"


class DeployDialog(PurrrDialog[dict[str, Any] | None]):
    """Tick cats, choose a role for each (or let personality decide), choose the area."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Deploy", id="deploy.submit"),
    ]

    def __init__(self, cats: list[dict[str, Any]]) -> None:
        super().__init__()
        self.cats = cats

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="deploy"):
            yield Label("Deploy a night patrol", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("Area")
                yield Select(area_choices(), value="neighborhood", allow_blank=False, id="area")
            with VerticalScroll(id="deploy-cats", can_focus=False):
                for cat in self.cats:
                    with Horizontal(classes="deploy-row"):
                        yield Checkbox(pick_label(cat, False), id=f"pick-{cat['id']}")
                        yield Select(
                            role_choices(), value=AUTO, allow_blank=False, id=f"role-{cat['id']}"
                        )
            yield Label("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Deploy", variant="primary", id="form-ok")
                yield Button("Cancel", id="form-cancel")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        cat_id = int(str(event.checkbox.id).removeprefix("pick-"))
        cat = next(c for c in self.cats if c["id"] == cat_id)
        event.checkbox.label = pick_label(cat, event.value)

    def values(self) -> dict[str, Any]:
        picked = [
            cat["id"] for cat in self.cats if self.query_one(f"#pick-{cat['id']}", Checkbox).value
        ]
        if not picked:
            raise ValueError("tick at least one cat")
        roles = {
            str(cat_id): role
            for cat_id in picked
            if (role := self.query_one(f"#role-{cat_id}", Select).value) != AUTO
        }
        body: dict[str, Any] = {"cat_ids": picked, "area": self.query_one("#area", Select).value}
        if roles:
            body["roles"] = roles
        return body

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_submit() if event.button.id == "form-ok" else self.action_cancel()

    def action_submit(self) -> None:
        try:
            self.dismiss(self.values())
        except ValueError as exc:
            self.query_one("#form-error", Label).update(str(exc))
