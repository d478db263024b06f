"""Stat bars: one Rich renderer used by the cat table cells and the `StatBar` widget.

Colours come from the app's theme (`stat_styles`); without colour (NO_COLOR) a low stat is
marked by `!` and reverse video, never by a dimmer shade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App

_EIGHTHS = " ▏▎▍▌▋▊▉"
#: Below this a stat is "low" (shown with `!` so the warning survives without colour).
LOW = 25
HIGH = 70

#: Band → style when no app is at hand (the CLI, tests of the renderer itself).
DEFAULT_STYLES = {"low": "bold red", "mid": "yellow", "high": "green", "warn": "bold red"}
#: Without colour: the warning is reverse video and bold, the bands need no shade.
NO_COLOR_STYLES = {"low": "", "mid": "", "high": "", "warn": "bold reverse"}


def stat_styles(app: App[object]) -> dict[str, str]:
    """Band → style from the app's current theme (error, warning, success), or the no-colour set."""
    if app.no_color:
        return NO_COLOR_STYLES
    theme = app.current_theme
    error = theme.error or "red"
    return {
        "low": f"bold {error}",
        "mid": theme.warning or "yellow",
        "high": theme.success or "green",
        "warn": f"bold {error}",
    }


def level_class(value: int) -> str:
    """The band of a 0–100 stat: low, mid or high."""
    if value < LOW:
        return "low"
    return "high" if value >= HIGH else "mid"


def bar_text(
    value: int,
    width: int,
    *,
    number: bool = True,
    warn: bool = True,
    styles: dict[str, str] | None = None,
) -> Text:
    """`value` (0–100) as a bar `width` cells wide with eighth-cell precision, then the number.

    `warn` marks a low value as a need (`!`, warning style); skills such as training start low
    and do not. A `width` of 0 gives the number alone."""
    styles = styles or DEFAULT_STYLES
    value = max(0, min(100, int(value)))
    band = level_class(value)
    text = Text()
    if width > 0:
        eighths = round(value * width * 8 / 100)
        full, part = divmod(eighths, 8)
        bar = ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width, "·")
        text.append(bar, style=styles["mid" if band == "low" and not warn else band])
    if number:
        low = warn and value < LOW
        text.append(" " if width > 0 else "")
        text.append(f"{value:>3}{'!' if low else ' '}", style=styles["warn"] if low else "")
    return text


class StatBar(Widget):
    """A labelled bar for one stat: `Energy  ███████▌·····   62`; `—` until the value is known."""

    DEFAULT_CSS = """
    StatBar { height: 1; width: 1fr; }
    """

    value: reactive[int | None] = reactive(None)

    def __init__(
        self, label: str, value: int | None = None, *, warn: bool = True, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.warn = warn
        self.set_reactive(StatBar.value, value)

    def render(self) -> Text:
        label_width = 13
        text = Text(f"{self.label:<{label_width}}"[:label_width])
        if self.value is None:  # not loaded (or the server is gone): no made-up zero
            text.append("—  (not loaded)")
            return text
        width = max(4, self.size.width - label_width - 5)
        text.append_text(bar_text(self.value, width, warn=self.warn, styles=stat_styles(self.app)))
        return text
