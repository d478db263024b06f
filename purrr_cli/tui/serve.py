"""`purrr tui --serve`: the same dashboard in a web browser, through textual-serve.

textual-serve (by the Textual authors) serves a page with a terminal emulator and, for every
browser tab that opens it, runs `purrr tui` as a subprocess speaking Textual's web driver over
its stdin and stdout. Each tab gets its own dashboard (and its own server child, when the game is
served in-process), on the same data as every other command.
"""

from __future__ import annotations

import shlex
import sys

from purrr_cli.errors import UsageError

#: textual-serve runs the app with this driver; `purrr tui` then needs no terminal.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def command(server: str | None, theme: str | None) -> str:
    """The shell command each browser tab runs."""
    args = [sys.executable, "-m", "purrr_cli"]
    if server:
        args += ["--server", server]
    args.append("tui")
    if theme:
        args += ["--theme", theme]
    return shlex.join(args)


def serve(host: str, port: int, server: str | None, theme: str | None) -> None:
    """Serve the dashboard on http://HOST:PORT until interrupted (Ctrl+C)."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(
            "purrr tui --serve needs textual-serve: pip install 'purrr[web]'",
            details={"field": "--serve"},
        ) from None
    if not 0 < port < 65536:
        raise UsageError(
            f"invalid --port {port}: give a TCP port between 1 and 65535, e.g. --port 8000",
            details={"field": "--port", "value": str(port)},
        )
    if host not in LOOPBACK:
        # The page plays as this computer's player: anyone who can reach it can play your game.
        sys.stderr.write(
            f"warning: serving on {host}: anyone who can reach this address plays your game; "
            "use the default --host 127.0.0.1 unless that is what you want\n"
        )
    Server(command(server, theme), host=host, port=port, title="purrr").serve()
