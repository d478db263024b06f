"""Start the dashboard against the server `purrr_cli.client` chooses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from purrr_cli import config
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp

if TYPE_CHECKING:
    from purrr_cli.client import Client


def build_app(server: str | None = None, theme: str | None = None) -> PurrrApp:
    """The app wired to the configured server, theme and key bindings (config `keybindings`);
    a theme the player picks (palette → "Change theme") is saved as config `theme`."""
    settings = config.load()
    keymap = settings.get("keybindings") or {}

    def connect() -> Client:
        from purrr_cli.client import Client

        return Client(server)

    def save_theme(name: str) -> None:
        config.set_value("theme", name)

    return PurrrApp(
        PurrrApi(connect),
        keymap={str(k): str(v) for k, v in keymap.items()},
        theme=theme or settings.get("theme"),
        save_theme=save_theme,
    )


def run(server: str | None = None, theme: str | None = None) -> None:
    build_app(server, theme).run()
