"""The deploy dialog: which cats go, in which role, to which area. Busy cats (on patrol,
breeding, resting) are listed with the reason and cannot be ticked: the server would refuse."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, Label, Select

from purrr_cli.tui.screens.dialog import FramedDialog
from purrr_core.nightwatch import rules

AUTO = "auto"
#: A name longer than this is cut with `…` in the list (so that `[ ] name (energy 100)` fits
#: the dialog's tick column whole).
NAME_WIDTH = 16


def role_choices() -> list[tuple[str, str]]:
    return [("Auto (personality)", AUTO)] + [(r.name, r.id) for r in rules().roles.values()]


def area_choices() -> list[tuple[str, str]]:
    return [(a.name, a.id) for a in rules().areas.values()]


def pick_label(cat: dict[str, Any], picked: bool, busy: str = "") -> Text:
    """`[x] Mittens (energy 80)`: the tick is in the text too, so the choice reads without
    colour. A Text, not markup: `[x]` would otherwise be read as a style tag and vanish."""
    name = str(cat["name"])
    if len(name) > NAME_WIDTH:
        name = name[: NAME_WIDTH - 1] + "…"
    mark = "[x]" if picked else "[ ]"
    detail = busy or f"energy {cat.get('energy', '?')}"
    return Text(f"{mark} {name} ({detail})", style="bold" if picked else "")


class DeployDialog(FramedDialog[dict[str, Any] | None]):
    """Tick cats, choose a role for each (or let personality decide), choose the area."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Deploy", id="deploy.submit"),
    ]
    SUBMIT_BINDING = "deploy.submit"

    def __init__(
        self,
        cats: list[dict[str, Any]],
        busy: dict[int, str] | None = None,
        preselect: list[int] | None = None,
    ) -> None:
        super().__init__("Deploy a night patrol", "Deploy", dialog_id="deploy")
        self.cats = cats
        self.busy = busy or {}
        self.preselect = set(preselect or [])

    def _busy(self, cat: dict[str, Any]) -> str:
        if cat["id"] in self.busy:
            return self.busy[cat["id"]]
        return "resting" if cat.get("is_resting") else ""

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label("Area")
            yield Select(area_choices(), value="neighborhood", allow_blank=False, id="area")
        for cat in self.cats:
            busy = self._busy(cat)
            picked = cat["id"] in self.preselect and not busy
            with Horizontal(classes="deploy-row"):
                yield Checkbox(
                    pick_label(cat, picked, busy),
                    picked,
                    id=f"pick-{cat['id']}",
                    disabled=bool(busy),
                )
                yield Select(
                    role_choices(),
                    value=AUTO,
                    allow_blank=False,
                    id=f"role-{cat['id']}",
                    disabled=bool(busy),
                )

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        cat_id = int(str(event.checkbox.id).removeprefix("pick-"))
        cat = next(c for c in self.cats if c["id"] == cat_id)
        event.checkbox.label = pick_label(cat, event.value, self._busy(cat))

    def values(self) -> dict[str, Any]:
        picked = [
            cat["id"] for cat in self.cats if self.query_one(f"#pick-{cat['id']}", Checkbox).value
        ]
        if not picked:
            raise ValueError("Tick at least one cat (space ticks the focused one).")
        roles = {
            str(cat_id): role
            for cat_id in picked
            if (role := self.query_one(f"#role-{cat_id}", Select).value) != AUTO
        }
        body: dict[str, Any] = {"cat_ids": picked, "area": self.query_one("#area", Select).value}
        if roles:
            body["roles"] = roles
        return body

    def action_submit(self) -> None:
        try:
            self.dismiss(self.values())
        except ValueError as exc:
            self.show_error(str(exc))
