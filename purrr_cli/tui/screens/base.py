"""What every full-screen mode shares: header, lost-server banner, footer, loading in workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header

from purrr_cli.errors import CliError, UnreachableError
from purrr_cli.tui.messages import ConnectionChanged, ServerEvent
from purrr_cli.tui.widgets.banner import ConnectionBanner

if TYPE_CHECKING:
    from purrr_cli.tui.api import PurrrApi
    from purrr_cli.tui.app import PurrrApp


class PurrrScreen(Screen[None]):
    """A screen that loads its data from the server in a worker and reloads on live events."""

    #: Markdown shown by `?`, above the screen's keys.
    HELP: ClassVar[str] = ""
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

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    # --- loading ------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self._show_connection(self.purrr.connection)
        # Load after this frame is painted: the first request may start the in-process server.
        self.call_after_refresh(self.reload)

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Fetch this screen's data in a worker; the newest request wins."""
        self.run_worker(self._load, group="load", exclusive=True)

    async def _load(self) -> None:
        try:
            data = await self.fetch()
        except CliError as exc:
            self.report(exc)
        else:
            self.show(data)
        finally:
            self.loads_finished += 1

    async def fetch(self) -> Any:
        """Everything the screen displays, fetched from the server."""
        return None

    def show(self, data: Any) -> None:
        """Put freshly fetched data on screen."""

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

        self.run_worker(run, group="action")

    def report(self, exc: CliError) -> None:
        if isinstance(exc, UnreachableError):
            self.purrr.connection_lost(exc.message)
            return
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
        if message.connected:
            self.reload()

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
