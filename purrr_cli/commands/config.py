"""`purrr config …`: read and change config.json. Secrets never live here, so none are printed."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from purrr_cli import config
from purrr_cli.output import PurrrTyper, examples, message, options, render

app = PurrrTyper(help="Read and change settings (config.json; keys in config.example.json).")

KeyArg = Annotated[
    str,
    typer.Argument(
        metavar="KEY", help="A config key.", autocompletion=lambda: list(config.DEFAULTS)
    ),
]


@app.command(
    epilog=examples("purrr config get server_url", "purrr config get request_timeout --json")
)
def get(key: KeyArg) -> None:
    """Print one setting (its default when unset)."""
    value = config.get(key)
    if options.json:
        render(value)
    elif value is not None:
        typer.echo(value if isinstance(value, str) else json.dumps(value))


@app.command(
    "set",
    context_settings={"ignore_unknown_options": True},  # `config set KEY -1` is a value
    epilog=examples(
        "purrr config set server_url https://purrr.example", "purrr config set default_cat_id 1"
    ),
)
def set_(
    key: KeyArg,
    value: Annotated[
        str, typer.Argument(metavar="VALUE", help="The value (null clears it; JSON for objects).")
    ],
) -> None:
    """Change one setting."""
    stored = config.set_value(key, value)
    message(f"{key} = {stored!r}")
    if options.json:
        render({key: stored})


@app.command(epilog=examples("purrr config unset server_url"))
def unset(key: KeyArg) -> None:
    """Remove a setting so its default applies again."""
    config.unset(key)
    message(f"{key} reset to its default")
    if options.json:
        render({key: config.get(key)})


@app.command("list", epilog=examples("purrr config list", "purrr config list --json"))
def list_() -> None:
    """Show every setting with its current value."""
    render(config.load())


@app.command(epilog=examples("purrr config path", "purrr config path --jq .path"))
def path() -> None:
    """Print the path of config.json (which may not exist yet)."""
    if options.json:
        render({"path": str(config.config_path())})
        return
    typer.echo(str(config.config_path()))
