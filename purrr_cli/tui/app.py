"""`PurrrApp`: the full-screen dashboard. Screens are modes; the app owns the API, the header's
overview, live events and the connection state."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any, ClassVar, cast

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.theme import Theme

from purrr_cli.errors import CliError, NotFoundError, RateLimitedError, UnreachableError
from purrr_cli.tui.alerts import RECENT_EVENTS, DeviceAlerts, alerts_of
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.commands import PurrrCommands
from purrr_cli.tui.messages import ConnectionChanged, OverviewChanged, ServerEvent
from purrr_cli.tui.overview import Overview, load_overview
from purrr_cli.tui.screens.cats import CatsScreen
from purrr_cli.tui.sse import event_of
from purrr_cli.tui.themes import PURRR_THEMES
from purrr_cli.tui.workers import as_work

#: Reconnect back-off: first retry after this many seconds, doubling up to the maximum.
RETRY_FIRST, RETRY_MAX = 1.0, 30.0
#: Seconds the server holds a live stream open before the dashboard opens the next one (each is
#: one request against a hosted server's hourly limit).
STREAM_SECONDS = 300.0
#: Seconds live updates pause when the server's rate limit is reached (at least, at most).
RATE_LIMITED_WAIT, RETRY_AFTER_MAX = 60.0, 3600.0


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
        "rooms": lambda: _screen("rooms", "RoomsScreen"),
    }
    DEFAULT_MODE = "cats"
    #: (mode, title) for the screens reachable from anywhere; the header and palette list them.
    SCREENS_MENU: ClassVar[tuple[tuple[str, str], ...]] = (
        ("cats", "Cats"),
        ("nightwatch", "Night Watch"),
        ("breeding", "Breeding"),
        ("games", "Games"),
        ("wallet", "Wallet"),
        ("rooms", "Rooms"),
    )
    # The header shows the screen keys, so the footer keeps its room for the screen's own keys.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "go('cats')", "Cats", id="app.cats", show=False),
        Binding("n", "go('nightwatch')", "Night Watch", id="app.nightwatch", show=False),
        Binding("b", "go('breeding')", "Breeding", id="app.breeding", show=False),
        Binding("g", "go('games')", "Games", id="app.games", show=False),
        Binding("w", "go('wallet')", "Wallet", id="app.wallet", show=False),
        Binding("m", "go('rooms')", "Rooms", id="app.rooms", show=False),
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
        stream_seconds: float = STREAM_SECONDS,
        live: bool = True,
        save_theme: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.api = api
        self.poll_interval = poll_interval
        self.stream_seconds = stream_seconds
        self.live = live
        self.connection: ConnectionChanged | None = None
        #: The header's state; None until first read.
        self.overview: Overview | None = None
        #: The cats as last read by any screen (the palette offers an action per cat).
        self.cats: list[dict[str, Any]] = []
        self._keymap_config = keymap or {}
        self._theme_config = theme
        self._save_theme = save_theme
        #: Health-device alerts of the last day, per cat (the home's needs and card show them).
        self.device_alerts = DeviceAlerts()
        #: patrol id → (deterred, strays saved) last announced, for "bobcat deterred" toasts.
        self._patrol_seen: dict[int, tuple[int, int]] = {}
        for purrr_theme in PURRR_THEMES:
            self.register_theme(purrr_theme)

    def on_mount(self) -> None:
        if self._keymap_config:
            self.set_keymap(self._keymap_config)
        if self._theme_config and self._theme_config in self.available_themes:
            self.theme = self._theme_config
        # Subscribed after the configured theme is applied: only the player's choices are saved.
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.live:
            self.call_after_refresh(self.watch_events)
        self.call_after_refresh(self._import_rules)
        if not self.live:
            self.call_after_refresh(self._load_recent_alerts)

    @work(thread=True, group="import")
    def _import_rules(self) -> None:
        """Import purrr_core (portraits, about 0.3 s) while the first request is under way:
        the cats table needs it for its thumbnails, and the main thread would otherwise pay
        for it after the cats arrive."""
        importlib.import_module("purrr_core.portrait")

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.api.close)

    def _theme_changed(self, theme: Theme) -> None:
        if self._save_theme is not None:
            try:
                self._save_theme(theme.name)
            except (OSError, CliError) as exc:
                self.notify(f"Could not save the theme: {exc}", severity="warning")

    # --- navigation -----------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        self._close_dialogs()
        if self.current_mode != mode:
            self.switch_mode(mode)

    def open_cat(self, cat_id: int) -> None:
        from purrr_cli.tui.screens.cat import CatScreen

        self.action_go("cats")
        self.push_screen(CatScreen(cat_id))

    def care_for(self, cat_id: int, action: str) -> None:
        """Run a care action on a cat from wherever the player is (the palette's "Feed Luna")."""
        from purrr_cli.tui.care import care
        from purrr_cli.tui.screens.base import PurrrScreen

        self._close_dialogs()
        cat = next((c for c in self.cats if c["id"] == cat_id), None)
        if cat is not None and isinstance(self.screen, PurrrScreen):
            care(self.screen, cat, action)

    def deploy(self, cat_id: int) -> None:
        """Open the Night Watch deploy dialog with this cat ticked."""
        self.action_go("nightwatch")
        screen = self.screen
        deploy = getattr(screen, "action_deploy", None)
        if deploy is not None:
            deploy(preselect=[cat_id])

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

    @work(group="recent-alerts")
    async def _load_recent_alerts(self) -> None:
        """Without live events: the device alerts of the last day, read once."""
        try:
            head = await self.api.poll_events(None)
        except CliError:
            return  # the screens report an unreachable server; alerts simply stay unknown
        _, version = split_batch(head, None)
        await self._read_recent_alerts(version or 0)

    async def _read_recent_alerts(self, version: int) -> None:
        """The device alerts of the last day, from the events up to `version` (the live feed
        brings those raised after it)."""
        try:
            batch = await self.api.recent_events(max(0, version - RECENT_EVENTS), RECENT_EVENTS)
        except CliError:
            return
        events = batch.get("events") if isinstance(batch, dict) else None
        added = [a for a in alerts_of(events or []) if self.device_alerts.add(a)]
        if added:
            self.broadcast(OverviewChanged)

    # --- the header's overview ----------------------------------------------------------------

    def remember_cats(self, cats: list[dict[str, Any]]) -> None:
        self.cats = list(cats)

    def refresh_overview(self) -> None:
        """Re-read coins, the patrol, alerts and busy cats in a worker (the newest read wins)."""
        self.run_worker(as_work(self._load_overview), group="overview", exclusive=True)

    async def _load_overview(self) -> None:
        overview = await load_overview(self.api)
        if overview != self.overview:
            self.overview = overview
            self.broadcast(OverviewChanged)

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
        """Follow the server's live events: its event stream (one request for minutes, resumed
        after the last event seen), or by polling a server without one. On failure show the
        banner and retry with back-off."""
        since: int | None = None
        streaming = self.api.can_stream
        delay = RETRY_FIRST
        while True:
            try:
                if since is None or not streaming:
                    batch = await self.api.poll_events(since)
                    self.connection_restored()
                    delay = RETRY_FIRST
                    first = since is None
                    events, since = split_batch(batch, since)
                    if first:
                        await self._read_recent_alerts(since or 0)
                    self._take_events(events)
                    if not streaming:
                        await asyncio.sleep(self.poll_interval)
                    continue
                opened = asyncio.get_running_loop().time()
                async for frames in self.api.stream_events(
                    since, self.stream_seconds, self.connection_restored
                ):
                    delay = RETRY_FIRST
                    events = [e for e in map(event_of, frames) if e is not None]
                    for event in events:
                        since = max(since, int(event.get("version") or since))
                    self._take_events(events)
                if asyncio.get_running_loop().time() - opened < self.stream_seconds / 2:
                    await asyncio.sleep(self.poll_interval)  # ended early: do not spin
            except UnreachableError as exc:
                self.connection_lost(exc.message, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
            except CliError as exc:
                if isinstance(exc, NotFoundError) and streaming and since is not None:
                    streaming = False  # an older server without the stream: poll it
                    continue
                # The server answers but has no event feed (an older server): just poll less.
                self.connection_restored()
                await asyncio.sleep(self.held_off(exc, self.poll_interval * 5))

    def held_off(self, exc: CliError, wait: float) -> float:
        """Seconds to wait before the next live request after `exc`: `wait`, or, when the
        server's rate limit is reached, until it lets requests in again (asking sooner would
        only count as violations, and enough of them ban the player)."""
        if not isinstance(exc, RateLimitedError):
            return wait
        try:
            retry_after = float(exc.details.get("retry_after") or 0)
        except (TypeError, ValueError):
            retry_after = 0.0
        wait = min(max(retry_after, RATE_LIMITED_WAIT), RETRY_AFTER_MAX)
        self.notify(
            f"Live updates pause for {max(1, round(wait / 60))} min: {exc.message} "
            "(r reloads a screen meanwhile).",
            severity="warning",
        )
        return wait

    def _take_events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            for alert in alerts_of([event]):
                self.device_alerts.add(alert)
            self.broadcast(_event_message(event))
            self.announce(event)
        if events:
            self.refresh_overview()

    def announce(self, event: dict[str, Any]) -> None:
        """A toast for what happened while the player looked elsewhere."""
        kind = str(event.get("type") or event.get("event_type") or "")
        payload = event.get("payload")
        text, severity = event_notice(
            kind, payload if isinstance(payload, dict) else event, self.cats, self._patrol_seen
        )
        if text:
            self.notify(text, severity=severity)


def _event_message(event: dict[str, Any]) -> Callable[[], ServerEvent]:
    return lambda: ServerEvent(event)


def event_notice(
    kind: str,
    payload: dict[str, Any],
    cats: list[dict[str, Any]],
    patrol_seen: dict[int, tuple[int, int]],
) -> tuple[str, Any]:
    """(message, severity) for an event worth a toast, or ("", …) for the rest."""
    names = {c.get("id"): str(c.get("name")) for c in cats}
    if kind == "nightwatch.tick":
        patrol_id = int(payload.get("patrol_id") or 0)
        so_far = payload.get("so_far") or {}
        now = (int(so_far.get("deterred") or 0), int(so_far.get("strays_saved") or 0))
        before = patrol_seen.get(patrol_id, (0, 0))
        patrol_seen[patrol_id] = now
        news = []
        if now[0] > before[0]:
            news.append(f"{now[0] - before[0]} bobcat(s) deterred")
        if now[1] > before[1]:
            news.append(f"{now[1] - before[1]} stray(s) saved")
        return (f"Night Watch: {', '.join(news)}." if news else "", "information")
    if kind == "nightwatch.alert":
        return (f"Alert: {payload.get('message', 'a community alert')} (answer it on n)", "warning")
    if kind == "nightwatch.completed":
        summary = payload.get("summary") or {}
        return (
            f"Patrol #{payload.get('patrol_id', '')} is home: {summary.get('strays_saved', 0)} "
            f"strays saved, {summary.get('deterred', 0)} bobcats deterred.",
            "information",
        )
    if kind == "nightwatch.achievement":
        return (f"Achievement earned: {payload.get('name', '')}!", "information")
    if kind == "cat.born":
        return (f"A kitten is born: {payload.get('name', 'a new cat')}!", "information")
    if kind == "breeding.completed" and payload.get("status") == "failed":
        pair = " and ".join(names.get(payload.get(k), "?") for k in ("sire_id", "dam_id"))
        return (f"The breeding of {pair} did not take.", "warning")
    if kind == "quest.completed":
        return ("A quest is complete: claim its reward on Games (g).", "information")
    if kind == "device.alert":
        name = names.get(payload.get("cat_id"), "A cat")
        device = str(payload.get("device_type") or "device").replace("_", " ")
        message = payload.get("message") or "a reading out of range"
        return (f"Health alert: {name}: {message} ({device}).", "warning")
    if kind == "cat.cared":
        stats = payload.get("new_stats") or {}
        if isinstance(stats, dict) and int(stats.get("health", 100)) < 25:
            name = names.get(payload.get("cat_id"), "A cat")
            return (f"Health alert: {name} is at {stats['health']} health.", "warning")
    return ("", "information")


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
