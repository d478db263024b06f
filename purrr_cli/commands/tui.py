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
    epilog=examples("purrr tui", "purrr tui --theme purrr-light", "purrr tui --server URL")
)
def tui(
    theme: Annotated[
        str | None,
        typer.Option(help="A Textual theme (default: config key `theme`)."),
    ] = None,
) -> None:
    """Open the dashboard: cats, Night Watch (n), breeding (b), games (g), wallet (w); ? for help."""
    if not (is_terminal(sys.stdin) and is_terminal(sys.stdout)):
        raise UsageError(
            "purrr tui needs a terminal (stdin and stdout must both be one); scripts use the "
            "commands instead, e.g. purrr status --json"
        )
    if options.no_color:
        os.environ["NO_COLOR"] = "1"
    from purrr_cli.tui.run import run

    run(server=options.server, theme=theme)
