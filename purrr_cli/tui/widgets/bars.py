"""Stat bars: one Rich renderer used by the cat table cells and the `StatBar` widget."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

_EIGHTHS = " ▏▎▍▌▋▊▉"
#: Below this a stat is "low" (shown with `!` so the warning survives without colour).
LOW = 25
HIGH = 70


def level_class(value: int) -> str:
    """The CSS-ish band of a 0–100 stat: low, mid or high."""
    if value < LOW:
        return "low"
    return "high" if value >= HIGH else "mid"


_STYLES = {"low": "bold red", "mid": "yellow", "high": "green"}


def bar_text(value: int, width: int, *, number: bool = True, warn: bool = True) -> Text:
    """`value` (0–100) as a bar `width` cells wide with eighth-cell precision, then the number.

    `warn` marks a low value as a need (`!`, red); skills such as training start low and do not."""
    value = max(0, min(100, int(value)))
    eighths = round(value * width * 8 / 100)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part else "")
    bar = bar.ljust(width, "·")
    band = level_class(value)
    text = Text(bar, style=_STYLES["mid" if band == "low" and not warn else band])
    if number:
        marker = "!" if warn and value < LOW else " "
        text.append(f"{value:>4}{marker}")
    return text


class StatBar(Widget):
    """A labelled bar for one stat: `Energy  ███████▌·····   62`."""

    DEFAULT_CSS = """
    StatBar { height: 1; width: 1fr; }
    """

    value: reactive[int] = reactive(0)

    def __init__(
        self, label: str, value: int = 0, *, warn: bool = True, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.warn = warn
        self.set_reactive(StatBar.value, value)

    def render(self) -> Text:
        label_width = 13
        width = max(4, self.size.width - label_width - 5)
        text = Text(f"{self.label:<{label_width}}"[:label_width])
        text.append_text(bar_text(self.value, width, warn=self.warn))
        return text
