"""`purrr tui`: the full-screen dashboard."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from purrr_cli.output import PurrrTyper, examples, options

app = PurrrTyper(help="Open the full-screen dashboard.", no_args_is_help=False)


@app.command(
    epilog=examples("purrr tui", "purrr tui --theme purrr-light", "purrr tui --server URL")
)
def tui(
    theme: Annotated[
        str | None,
        typer.Option(help="A Textual theme (default: config key `theme`)."),
    ] = None,
) -> None:
    """Open the dashboard: cats, Night Watch (n), breeding (b), games (g), wallet (w); ? for help."""
    if options.no_color:
        os.environ["NO_COLOR"] = "1"
    from purrr_cli.tui.run import run

    run(server=options.server, theme=theme)
