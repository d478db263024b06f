"""The event timeline: patrol ticks, encounters, strays and alerts as they happen."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import RichLog

#: Prefix per event kind: a word, so the timeline reads the same without colour.
_KINDS = {
    "encounter": ("BOBCAT", "bold red"),
    "deterred": ("DETER ", "bold green"),
    "stray": ("STRAY ", "cyan"),
    "rescue": ("RESCUE", "bold green"),
    "alert": ("ALERT ", "bold yellow"),
    "injury": ("HURT  ", "red"),
}


def event_line(event: dict[str, Any]) -> Text:
    """`21:30 BOBCAT high activity near the park — deterred by Bandit`."""
    at = str(event.get("at") or event.get("created_at") or "")
    clock = at[11:16] if len(at) >= 16 else at
    kind = str(event.get("kind") or event.get("type") or "")
    label, style = next(
        ((lbl, sty) for key, (lbl, sty) in _KINDS.items() if key in kind),
        (kind[:6].upper().ljust(6), ""),
    )
    line = Text(f"{clock:>5} ", style="dim")
    line.append(label, style=style)
    line.append(f" {event.get('message', '')}")
    return line


class Timeline(RichLog):
    """Shows a growing list of events; only new ones are written, so scrolling is kept."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, auto_scroll=True)
        self._shown: list[dict[str, Any]] = []

    def set_events(self, events: list[dict[str, Any]], empty: str = "Nothing yet.") -> None:
        if events[: len(self._shown)] != self._shown or not events:
            self.clear()
            self._shown = []
            if not events:
                self.write(Text(empty, style="dim"))
                return
        for event in events[len(self._shown) :]:
            self.write(event_line(event))
        self._shown = list(events)
