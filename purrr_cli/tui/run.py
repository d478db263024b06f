"""Start the dashboard against the server `purrr_cli.client` chooses."""

from __future__ import annotations

from purrr_cli import config
from purrr_cli.client import Client
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp


def build_app(server: str | None = None, theme: str | None = None) -> PurrrApp:
    """The app wired to the configured server, theme and key bindings (config `keybindings`)."""
    settings = config.load()
    keymap = settings.get("keybindings") or {}
    return PurrrApp(
        PurrrApi(Client(server)),
        keymap={str(k): str(v) for k, v in keymap.items()},
        theme=theme or settings.get("theme"),
    )


def run(server: str | None = None, theme: str | None = None) -> None:
    build_app(server, theme).run()
