"""The highlighted cat, large: shown beside the home table when the terminal is wide."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from purrr_cli.tui import clock
from purrr_cli.tui.widgets.cat_table import care_needs
from purrr_cli.tui.widgets.info import kv_table

#: The home shows the card from this many columns on (below, the table needs the room).
CARD_FROM = 150


def card(cat: dict[str, Any], doing: str, alerts: list[dict[str, Any]] | None = None) -> Group:
    """Portrait, who the cat is, what it does and needs, its health devices' recent alerts,
    and the keys that care for it."""
    from purrr_core.portrait import portrait

    needs = care_needs(cat)
    care = cat.get("care") or {}
    rows: list[tuple[str, Any]] = [
        ("Personality", str(cat.get("personality_type", "")).replace("_", " ")),
        ("Level", cat.get("level", 1)),
        ("Mood", cat.get("mood_label", "")),
        ("Care", f"{care.get('care_score', '')} {care.get('care_band', '')}".strip()),
        ("Doing", doing or "nothing special"),
        ("Needs", Text("⚠ " + ", ".join(needs), style="bold") if needs else "nothing"),
    ]
    for alert in (alerts or [])[:3]:
        when = clock.short(alert.get("measured_at"), compact=True)
        rows.append(("Health", Text(f"⚠ {alert.get('message', '')} · {when}", style="bold")))
    keys = Text("f feed · e pet · p play · o groom\n⏎ open the cat", style="bold")
    return Group(portrait(cat), Text(""), kv_table(rows), Text(""), keys)


class CatCard(Static):
    """Updated by the home screen when the cursor moves or the data changes."""

    def show_cat(
        self,
        cat: dict[str, Any] | None,
        doing: str = "",
        alerts: list[dict[str, Any]] | None = None,
    ) -> None:
        self.update(card(cat, doing, alerts) if cat else "No cat selected.")
