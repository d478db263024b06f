"""`purrr completion SHELL`: the script that enables tab completion."""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli.app import COMPLETE_VAR
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, examples

app = PurrrTyper(help="Print the shell completion script.")

SHELLS = ("bash", "zsh", "fish", "powershell")


@app.command(
    epilog=examples(
        "purrr completion bash >> ~/.bashrc",
        "purrr completion zsh > ~/.zfunc/_purrr",
        "purrr completion fish > ~/.config/fish/completions/purrr.fish",
    )
)
def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh, fish or powershell.")] = "bash",
) -> None:
    """Print the completion script for SHELL; source it from your shell's startup file."""
    if shell not in SHELLS:
        raise UsageError(f"unknown shell {shell!r}; choose one of {', '.join(SHELLS)}")
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name="purrr", complete_var=COMPLETE_VAR, shell=shell))
