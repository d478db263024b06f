"""`purrr tui`: the full-screen dashboard."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, examples, is_terminal, options

app = PurrrTyper(help="Open the full-screen dashboard.", no_args_is_help=False)


@app.command(
    epilog=examples(
        "purrr tui",
        "purrr tui --theme purrr-light",
        "purrr tui --server URL",
        "purrr tui --serve --port 8000   # then open http://127.0.0.1:8000",
    )
)
def tui(
    theme: Annotated[
        str | None,
        typer.Option(help="A Textual theme (default: config key `theme`)."),
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Serve the dashboard to a web browser instead (needs: pip install 'purrr[web]').",
        ),
    ] = False,
    host: Annotated[
        str, typer.Option(help="With --serve: the address to listen on (keep it loopback).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --serve: the TCP port.")] = 8000,
) -> None:
    """Open the dashboard: cats, Night Watch (n), breeding (b), games (g), wallet (w); ? for help."""
    if serve:
        from purrr_cli.tui.serve import serve as serve_web

        serve_web(host, port, options.server, theme)
        return
    from purrr_cli.tui.serve import WEB_DRIVER

    # Under `--serve`, textual-serve runs this command with pipes and Textual's web driver.
    in_browser = os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER
    if not in_browser and not (is_terminal(sys.stdin) and is_terminal(sys.stdout)):
        raise UsageError(
            "purrr tui needs a terminal (stdin and stdout must both be one); scripts use the "
            "commands instead, e.g. purrr status --json"
        )
    if options.no_color:
        os.environ["NO_COLOR"] = "1"
    from purrr_cli.tui.run import run

    run(server=options.server, theme=theme)
