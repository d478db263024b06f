"""A Night Watch patrol as one Rich renderable: `purrr nightwatch status` prints it and the
dashboard's Night Watch screen shows it, so both read the same.

Times are the server's local time (the patrol's `utc_offset_minutes`), like the night window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

#: Timeline label and style per event kind: a word first, so the line reads without colour.
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "deployed": ("OUT", "bold"),
    "encounter": ("BOBCAT", "bold red"),
    "stray": ("STRAY", "bold cyan"),
    "alert": ("ALERT", "bold yellow"),
    "completed": ("HOME", "bold green"),
    "recalled": ("RECALL", "bold"),
}
LABEL_WIDTH = max(len(label) for label, _ in EVENT_LABELS.values())


def local_clock(stamp: Any, utc_offset_minutes: int = 0) -> str:
    """`HH:MM` of an ISO timestamp, shifted to the server's local time; "" when missing."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return str(stamp)
    return (moment + timedelta(minutes=utc_offset_minutes)).strftime("%H:%M")


def event_line(event: dict[str, Any], utc_offset_minutes: int = 0) -> Text:
    """`22:30 BOBCAT  Bobcat (high threat …) — deterred`: time, a word, the server's message."""
    kind = str(event.get("kind") or event.get("type") or "")
    label, style = EVENT_LABELS.get(kind, (kind.upper(), "bold"))
    line = Text(f"{local_clock(event.get('at'), utc_offset_minutes):>5} ")
    line.append(label.ljust(LABEL_WIDTH), style=style)
    line.append(f" {event.get('message', '')}")
    return line


def coins_line(patrol: dict[str, Any]) -> str:
    """'45 coins earned' once settled; while under way, what it has earned so far."""
    coins = (patrol.get("summary") or {}).get("coins_earned", 0)
    if patrol.get("status") == "active":
        return f"{coins} coins so far (paid when it ends)"
    return f"{coins} coins earned"


class PatrolView:
    """A patrol for people: header, totals, each cat's results, then the timeline."""

    def __init__(self, patrol: dict[str, Any]) -> None:
        self.patrol = patrol

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Group(*self.parts())

    def parts(self) -> list[Any]:
        patrol = self.patrol
        offset = int(patrol.get("utc_offset_minutes") or 0)
        night = patrol.get("night") or {}
        summary = patrol.get("summary") or {}
        head = Text.assemble(
            (f"Patrol #{patrol.get('id', '')} ", "bold"),
            f"{patrol.get('status', '')} in the {patrol.get('area', '')} · ",
            f"{night.get('weather', '')} {night.get('season', '')} night · ",
            f"tick {patrol.get('ticks_done', 0)}/{patrol.get('ticks_total', 0)} · "
            f"ends {local_clock(patrol.get('ends_at'), offset)}",
        )
        totals = Text(
            f"{summary.get('encounters', 0)} bobcat encounter(s), {summary.get('deterred', 0)} "
            f"deterred · {summary.get('strays_found', 0)} strays found, "
            f"{summary.get('strays_rescued', 0)} rescued, {summary.get('strays_saved', 0)} saved"
            f" · {summary.get('injuries', 0)} injuries "
            f"({summary.get('injuries_prevented', 0)} prevented) · {coins_line(patrol)}"
        )
        cats = Table(
            "cat",
            "role",
            "xp",
            "role xp",
            "deterred",
            "saved",
            "injuries",
            box=None,
            header_style="bold",
            pad_edge=False,
        )
        cats.columns[0].overflow = "ellipsis"
        cats.columns[0].max_width = 24
        for r in patrol.get("results") or []:
            cats.add_row(
                Text(str(r.get("name", "")), no_wrap=True, overflow="ellipsis"),
                str(r.get("role", "")),
                str(r.get("xp", 0)),
                str(r.get("role_xp", 0)),
                str(r.get("bobcats_deterred", 0)),
                str(r.get("strays_saved", 0)),
                str(r.get("injuries", 0)),
            )
        timeline = Table.grid()
        timeline.add_column()
        for event in patrol.get("events") or []:
            timeline.add_row(event_line(event, offset))
        return [head, totals, Text(""), cats, Text(""), Text("Timeline", style="bold"), timeline]
