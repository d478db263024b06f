"""The two header lines of every screen: where you can go (with keys), then coins, the patrol,
open alerts, quests to claim, the sync state of a linked game and whether the server answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.widget import Widget

from purrr_cli.render.patrol import local_clock
from purrr_cli.tui import clock
from purrr_cli.tui.overview import sync_state

if TYPE_CHECKING:
    from purrr_cli.tui.app import PurrrApp
    from purrr_cli.tui.overview import Overview


def status_parts(overview: Overview | None) -> list[str]:
    """`level 3 (250 XP to next)`, `1000 coins`, `patrol out 3/16 (home 06:00)`,
    `2 open alerts`, `1 quest to claim`, `⇅ synced Sat 22:05`."""
    if overview is None:
        return ["loading…"]
    parts = []
    if overview.level is not None:
        level = f"level {overview.level}"
        if overview.xp_to_next is not None:
            level += f" ({overview.xp_to_next} XP to next)"
        parts.append(level)
    if overview.coins is not None:
        parts.append(f"{overview.coins} coins")
    patrol = overview.patrol
    if patrol:
        ends = local_clock(patrol.get("ends_at"), int(patrol.get("utc_offset_minutes") or 0))
        parts.append(
            f"patrol out {patrol.get('ticks_done', 0)}/{patrol.get('ticks_total', 0)}"
            + (f" (home {ends})" if ends else "")
        )
    else:
        parts.append("no patrol")
    if overview.open_alerts:
        parts.append(f"{overview.open_alerts} open alert" + "s" * (overview.open_alerts != 1))
    if overview.claimable_quests:
        count = overview.claimable_quests
        parts.append(f"{count} quest{'s' * (count != 1)} to claim")
    sync, _ = sync_state(overview.sync, lambda iso: clock.short(iso, compact=True))
    if sync:
        parts.append(sync)
    return parts


class TopBar(Widget):
    """Reads the app's state when drawn; screens refresh it when that state changes."""

    DEFAULT_CSS = """
    TopBar { height: 2; background: $panel; color: $foreground; }
    """

    def __init__(self, mode: str = "") -> None:
        super().__init__()
        self.mode = mode

    def render(self) -> Text:
        app = cast("PurrrApp", self.app)
        width = self.size.width or app.size.width
        nav = Text(" purrr ", style="bold")
        keys = self._keys(app)
        for mode, title in app.SCREENS_MENU:
            item = f" {keys.get(mode, '')} {title} ".replace("  ", " ", 1)
            nav.append(" ")
            nav.append(item, style="bold reverse" if mode == self.mode else "")
        state = Text(" " + " · ".join(status_parts(app.overview)))
        connection = app.connection
        online = connection is None or connection.connected
        link = Text("● online" if online else "○ offline, retrying", style="" if online else "bold")
        gap = width - state.cell_len - link.cell_len - 1
        if gap < 1:
            state.truncate(max(0, width - link.cell_len - 3), overflow="ellipsis")
            gap = 1
        state.append(" " * gap)
        state.append_text(link)
        nav.truncate(width, overflow="ellipsis")
        state.truncate(width, overflow="ellipsis")
        return Text("\n").join([nav, state])

    def _keys(self, app: Any) -> dict[str, str]:
        """Mode → its key as the player has it mapped (`app.cats` → `c`)."""
        keys: dict[str, str] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.id and binding.id.startswith("app."):
                keys.setdefault(binding.id.removeprefix("app."), app.get_key_display(binding))
        return keys
