"""`PurrrApp`: the full-screen dashboard. Screens are modes; the app owns the API and live events."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any, ClassVar, cast

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from purrr_cli.errors import CliError, UnreachableError
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.commands import PurrrCommands
from purrr_cli.tui.messages import ConnectionChanged, ServerEvent
from purrr_cli.tui.screens.cats import CatsScreen
from purrr_cli.tui.themes import PURRR_THEMES

#: Reconnect back-off: first retry after this many seconds, doubling up to the maximum.
RETRY_FIRST, RETRY_MAX = 1.0, 30.0


class PurrrApp(App[None]):
    """The dashboard. Give it a `PurrrApi`; everything else comes from the server."""

    TITLE = "purrr"
    CSS_PATH = "purrr.tcss"
    COMMANDS = App.COMMANDS | {PurrrCommands}
    MODES: ClassVar[dict[str, Any]] = {
        "cats": CatsScreen,
        "nightwatch": lambda: _screen("nightwatch", "NightWatchScreen"),
        "breeding": lambda: _screen("breeding", "BreedingScreen"),
        "games": lambda: _screen("games", "GamesScreen"),
        "wallet": lambda: _screen("wallet", "WalletScreen"),
    }
    DEFAULT_MODE = "cats"
    #: (mode, title) for the screens reachable from anywhere; the palette lists them too.
    SCREENS_MENU: ClassVar[tuple[tuple[str, str], ...]] = (
        ("cats", "Cats"),
        ("nightwatch", "Night Watch"),
        ("breeding", "Breeding lab"),
        ("games", "Games & quests"),
        ("wallet", "Wallet & store"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "go('cats')", "Cats", id="app.cats"),
        Binding("n", "go('nightwatch')", "Night", id="app.nightwatch"),
        Binding("b", "go('breeding')", "Breed", id="app.breeding"),
        Binding("g", "go('games')", "Games", id="app.games"),
        Binding("w", "go('wallet')", "Wallet", id="app.wallet"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit_purrr", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        api: PurrrApi,
        *,
        keymap: dict[str, str] | None = None,
        theme: str | None = None,
        poll_interval: float = 2.0,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.api = api
        self.poll_interval = poll_interval
        self.live = live
        self.connection: ConnectionChanged | None = None
        self._keymap_config = keymap or {}
        self._theme_config = theme
        for purrr_theme in PURRR_THEMES:
            self.register_theme(purrr_theme)

    def on_mount(self) -> None:
        if self._keymap_config:
            self.set_keymap(self._keymap_config)
        if self._theme_config and self._theme_config in self.available_themes:
            self.theme = self._theme_config
        if self.live:
            self.call_after_refresh(self.watch_events)

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.api.close)

    # --- navigation -----------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        self._close_dialogs()
        if self.current_mode != mode:
            self.switch_mode(mode)

    def open_cat(self, cat_id: int) -> None:
        from purrr_cli.tui.screens.cat import CatScreen

        self.action_go("cats")
        self.push_screen(CatScreen(cat_id))

    def action_help(self) -> None:
        if isinstance(self.screen, ModalScreen):
            return
        from purrr_cli.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen, getattr(self.screen, "HELP", "")))

    def action_quit_purrr(self) -> None:
        """`q` anywhere: close any open dialogs, then quit."""
        self._close_dialogs()
        self.exit()

    def _close_dialogs(self) -> None:
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()

    # --- live events and connection -------------------------------------------------------

    def broadcast(self, message_factory: Callable[[], Any]) -> None:
        """Post a fresh message to every screen of the current stack."""
        for screen in self.screen_stack:
            screen.post_message(message_factory())

    def connection_lost(self, reason: str, retry_in: float = RETRY_FIRST) -> None:
        self.connection = ConnectionChanged(False, short_reason(reason), retry_in)
        state = self.connection
        self.broadcast(lambda: ConnectionChanged(False, state.reason, state.retry_in))

    def connection_restored(self) -> None:
        was_lost = self.connection is not None and not self.connection.connected
        self.connection = ConnectionChanged(True)
        if was_lost:
            self.notify("Reconnected to the server.")
            self.broadcast(lambda: ConnectionChanged(True))

    @work(group="events", exclusive=True)
    async def watch_events(self) -> None:
        """Poll the server's event feed; on failure show the banner and retry with back-off."""
        since: int | None = None
        delay = RETRY_FIRST
        while True:
            try:
                batch = await self.api.poll_events(since)
            except UnreachableError as exc:
                self.connection_lost(exc.message, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            except CliError:
                # The server answers but has no event feed (an older server): just poll less.
                self.connection_restored()
                await asyncio.sleep(self.poll_interval * 5)
                continue
            self.connection_restored()
            delay = RETRY_FIRST
            events, since = split_batch(batch, since)
            for event in events:
                self.broadcast(lambda event=event: ServerEvent(event))
            await asyncio.sleep(self.poll_interval)


def _screen(module: str, name: str) -> Screen[Any]:
    """Build a mode's screen, importing its module on first use (keeps the first frame fast)."""
    screen_class = getattr(importlib.import_module(f"purrr_cli.tui.screens.{module}"), name)
    return cast(Screen[Any], screen_class())


def split_batch(batch: Any, since: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """(events to show, next cursor) from an events/poll answer.

    The first answer only sets the cursor (to the server's current version): the dashboard has
    just loaded everything, so older events would only cause needless reloads.
    """
    if not isinstance(batch, dict):
        return [], since
    if since is None:
        return [], int(batch.get("version") or 0)
    events = list(batch.get("events") or [])
    return events, int(batch.get("cursor", since))


def short_reason(message: str) -> str:
    """The first clause of an error message, short enough for the banner."""
    reason = message.split(":")[-1].strip() or message
    return reason[:60]
