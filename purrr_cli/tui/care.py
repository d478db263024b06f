"""Care from anywhere: the cat screen, the quick keys on the home rows and the command palette
all ask for the same inputs (derived from `purrr_core.care`) and report the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from purrr_cli.tui.forms import care_fields, humanize
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.widgets.info import describe_changes

if TYPE_CHECKING:
    from purrr_cli.tui.screens.base import PurrrScreen

#: How each care action reads in a title: "Feed Mittens", "Play with Mittens".
VERBS = {"play": "Play with", "treat": "Give a treat to", "train": "Train", "rest": "Rest"}


def title(action: str, name: str) -> str:
    return f"{VERBS.get(action, humanize(action))} {name}"


def care_summary(action: str, name: str, result: dict[str, Any]) -> str:
    """One line a player reads: what the action did."""
    text = f"{title(action, name)}: {describe_changes(result.get('changes') or {})}"
    if result.get("xp_gained"):
        text += f" (+{result['xp_gained']} XP)"
    if result.get("leveled_up"):
        text += f" — level {result['leveled_up'].get('to', '')}!"
    return text


def care(
    screen: PurrrScreen,
    cat: dict[str, Any],
    action: str,
    done: Callable[[str], None] | None = None,
) -> None:
    """Ask for the action's inputs (if it has any), send it, toast the result, `done(summary)`."""
    name = str(cat.get("name", "cat"))

    def send(body: dict[str, Any]) -> None:
        def finished(result: dict[str, Any]) -> None:
            summary = care_summary(action, name, result)
            screen.notify(summary)
            if done is not None:
                done(summary)
            screen.reload()

        screen.call(screen.api.care(int(cat["id"]), action, body), finished)

    fields = care_fields(action)
    if not fields:
        send({})
        return

    def chosen(values: dict[str, Any] | None) -> None:
        if values is not None:
            send(values)

    screen.app.push_screen(FormDialog(title(action, name), fields, humanize(action)), chosen)
