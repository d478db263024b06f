"""Start the dashboard against the server `purrr_cli.client` chooses.

With no server configured and no daemon running, the dashboard's server starts in a child process
before Textual is imported (`purrr_cli.tui.companion`), so both start at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from purrr_cli import config
from purrr_cli.errors import CliError

if TYPE_CHECKING:
    from purrr_cli.tui.api import SyncClient
    from purrr_cli.tui.app import PurrrApp


def _client(server: str | None) -> SyncClient | Callable[[], SyncClient]:
    """The dashboard's client: on the dashboard's own server child when the CLI would serve
    in-process, otherwise the one every command uses (opened on the first request).

    The child is started first, while this process imports the HTTP client to decide.
    """
    companion = None
    if server is None:
        from purrr_cli.tui.companion import Companion

        try:
            companion = Companion(config.data_dir())
        except OSError:
            companion = None  # no child process here: serve in this process, as commands do
    from purrr_cli.client import Client, choose_server

    try:
        choice = choose_server(server)
    except CliError:
        choice = None  # a bad server URL: the first request reports it on screen
    if companion is not None:
        if (
            choice is not None
            and choice.kind == "in-process"
            and Path(choice.url) == (companion.data_dir)
        ):
            from purrr_cli.tui.companion import CompanionClient

            companion.serve()
            return CompanionClient(companion, companion.data_dir)
        companion.stop(wait=False)
    # Built on the first request (in a worker thread): a bad URL is reported on screen there.
    return lambda: Client(server)


def build_app(server: str | None = None, theme: str | None = None) -> PurrrApp:
    """The app wired to the configured server, theme and key bindings (config `keybindings`);
    a theme the player picks (palette → "Change theme") is saved as config `theme`."""
    settings = config.load()
    keymap = settings.get("keybindings") or {}
    client = _client(server)

    from purrr_cli.tui.api import PurrrApi
    from purrr_cli.tui.app import PurrrApp

    def save_theme(name: str) -> None:
        config.set_value("theme", name)

    return PurrrApp(
        PurrrApi(client),
        keymap={str(k): str(v) for k, v in keymap.items()},
        theme=theme or settings.get("theme"),
        save_theme=save_theme,
    )


def run(server: str | None = None, theme: str | None = None) -> None:
    build_app(server, theme).run()
