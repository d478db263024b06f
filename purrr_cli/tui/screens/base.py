"""What every full-screen mode shares: header, lost-server banner, footer, loading in workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from purrr_cli.errors import CliError, UnreachableError
from purrr_cli.tui.messages import ConnectionChanged, OverviewChanged, ServerEvent
from purrr_cli.tui.widgets.banner import ConnectionBanner
from purrr_cli.tui.widgets.topbar import TopBar
from purrr_cli.tui.workers import as_work

if TYPE_CHECKING:
    from purrr_cli.tui.api import PurrrApi
    from purrr_cli.tui.app import PurrrApp


class PurrrScreen(Screen[None]):
    """A screen that loads its data from the server in a worker and reloads on live events."""

    #: Markdown shown by `?`, above the screen's keys.
    HELP: ClassVar[str] = ""
    #: The app mode this screen belongs to (highlighted in the header).
    MODE: ClassVar[str] = ""
    #: Event types (or prefixes ending in ".") that make this screen reload by itself.
    LIVE_EVENTS: ClassVar[tuple[str, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", id="screen.refresh", show=False),
    ]

    @property
    def purrr(self) -> PurrrApp:
        return cast("PurrrApp", self.app)

    @property
    def api(self) -> PurrrApi:
        return self.purrr.api

    #: How many loads have finished (successfully or not); tests wait for the first one.
    loads_finished: int = 0
    #: Whether the last load failed (the screen then shows what it last knew, or nothing).
    load_failed: bool = False

    def compose(self) -> ComposeResult:
        yield TopBar(self.MODE)
        yield ConnectionBanner()
        yield Static("", id="load-error", classes="load-error")
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    # --- loading ------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        if not self.query(ConnectionBanner):
            return  # never composed: a screen key typed after q, while the app closes
        self._show_connection(self.purrr.connection)
        # Load after this frame is painted: the first request may start the in-process server.
        self.call_after_refresh(self.reload)

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Fetch this screen's data (then the header's) in a worker; the newest request wins."""
        self.run_worker(as_work(self._load), group="load", exclusive=True)

    async def _load(self) -> None:
        try:
            data = await self.fetch()
        except CliError as exc:
            self.load_failed = True
            self._show_load_error(exc)
            self.report(exc, quiet=True)
        else:
            self.load_failed = False
            self.query_one("#load-error", Static).remove_class("-shown")
            self.show(data)
        finally:
            self.loads_finished += 1
            # The header's overview after the screen's own data, which the player waits for.
            self.purrr.refresh_overview()

    def _show_load_error(self, exc: CliError) -> None:
        what = "Server unreachable" if isinstance(exc, UnreachableError) else "Could not load"
        message = f"⚠ {what}: {exc.message}. "
        message += "Retrying by itself." if self.purrr.live else "Press r to retry."
        error = self.query_one("#load-error", Static)
        error.update(message)
        error.add_class("-shown")
        self.failed(exc)

    async def fetch(self) -> Any:
        """Everything the screen displays, fetched from the server."""
        return None

    def show(self, data: Any) -> None:
        """Put freshly fetched data on screen."""

    def failed(self, exc: CliError) -> None:
        """The load failed: replace any "loading" placeholder (the error line says why)."""

    # --- actions ------------------------------------------------------------------------

    def call(self, request: Awaitable[Any], done: Callable[[Any], None]) -> None:
        """Send one request in a worker; `done(result)` on success, a clear error otherwise."""

        async def run() -> None:
            try:
                result = await request
            except CliError as exc:
                self.report(exc)
                return
            done(result)
            self.purrr.refresh_overview()

        self.run_worker(as_work(run), group="action")

    def report(self, exc: CliError, *, quiet: bool = False) -> None:
        """Show a failed request: the banner for a lost server, and (unless `quiet`) a toast."""
        if isinstance(exc, UnreachableError):
            self.purrr.connection_lost(exc.message)
            if not quiet:
                self.notify(
                    f"Nothing was done: {exc.message}",
                    title="Server unreachable",
                    severity="error",
                )
            return
        if not quiet:
            self.notify(exc.message, title=exc.code.replace("_", " ").title(), severity="error")

    # --- live ---------------------------------------------------------------------------

    def on_server_event(self, message: ServerEvent) -> None:
        if any(
            message.type == t or (t.endswith(".") and message.type.startswith(t))
            for t in self.LIVE_EVENTS
        ):
            self.reload()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self._show_connection(message)
        self.query_one(TopBar).refresh()
        if message.connected:
            self.reload()

    def on_overview_changed(self, message: OverviewChanged) -> None:
        self.query_one(TopBar).refresh()
        self.overview_changed()

    def overview_changed(self) -> None:
        """The app's overview (busy cats, coins …) changed; screens that show it redraw."""

    def _show_connection(self, state: ConnectionChanged | None) -> None:
        banner = self.query_one(ConnectionBanner)
        if state is None or state.connected:
            banner.show_connected()
        else:
            banner.show_lost(state.reason, state.retry_in)


async def optional(request: Callable[[], Awaitable[Any]]) -> Any:
    """A secondary panel's data: its failure becomes `{"error": message}` instead of hiding the screen."""
    try:
        return await request()
    except CliError as exc:
        return {"error": exc.message}
