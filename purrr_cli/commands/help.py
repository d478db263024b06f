"""`purrr help [TOPIC | COMMAND...]`: the scripting contract where a pip install can read it.

Topics: exit-codes, environment, json. Anything else is a command: `purrr help cats feed` is
`purrr cats feed --help`. docs/scripting.md and docs/config.md say the same at more length.
"""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli.errors import EXIT_CODES, UsageError
from purrr_cli.output import PurrrTyper, examples, options, render

app = PurrrTyper(help="Help on a topic (exit-codes, environment, json) or a command.")

#: Every environment variable purrr reads, with what it does.
ENVIRONMENT: dict[str, str] = {
    "PURRR_SERVER": "the server URL (below --server, above config server_url)",
    "PURRR_TOKEN": "a bearer token for a remote server, for one command (nothing stored)",
    "PURRR_API_KEY": "an API key (pk_…) for a remote server, for one command",
    "PURRR_REMOTE_API_KEY": "the linked remote's API key for purrr sync / remote link",
    "PURRR_CONFIG_DIR": "the config directory (default ~/.purrr)",
    "PURRR_DATA_DIR": "the local server's data directory (above config data_dir; "
    "default ~/.purrr/data)",
    "PURRR_NOW": "pin the local server's game clock (ISO 8601, e.g. 2026-03-01T12:00:00Z)",
    "PURRR_TIMEZONE": "the local server's clock for the night window, activity schedules and "
    "daily resets (IANA name, e.g. Europe/Berlin; default the machine's TZ; old name "
    "PURRR_QUEST_TIMEZONE)",
    "PURRR_NO_KEYRING": "keep secrets in the 0600 file config/secrets.json, not the OS keyring",
    "PURRR_DEBUG": "print the traceback of an internal error",
    "PAGER": "the pager for tables taller than the terminal (default less, with LESS=FRX); "
    "PAGER=cat turns paging off",
    "NO_COLOR": "no colour (also TERM=dumb, --no-color, or config color_output never)",
    "_PURRR_COMPLETE": "set by the completion scripts (purrr completion SHELL)",
}

JSON_TOPIC = """\
--json prints the API's objects with every field: an array for lists, an object for one item.
--json id,name keeps only those fields (an unknown field is a usage error listing the others).
--jq EXPR filters the JSON with the full jq language and implies --json; strings print raw.

The word after --json is a field list when it holds a comma, or when it is in lower case and the
command needs no more arguments; `purrr cats show --json Mittens` shows the cat Mittens, and
--json=FIELDS is never ambiguous.

Errors: with --json or --jq an error is printed to stderr as the API's error object
  {"code": "NOT_FOUND", "message": "no cat named 'Tom'", "details": {…}}
and the exit code says what kind it is (purrr help exit-codes).

Without --json: a table on a terminal; piped, tab-separated rows without a header or colour.
Every field of every object: docs/scripting.md, or `purrr COMMAND --json` itself.

  purrr cats list --json id,name
  purrr cats list --jq '.[] | select(.care.needs_attention) | .name'
  purrr status --json | jq .needing_care
"""

TOPICS = ("exit-codes", "environment", "json")


def _table(rows: dict[str, str], key_title: str) -> None:
    width = max(len(k) for k in [*rows, key_title])
    typer.echo(f"{key_title:<{width}}  meaning")
    for key, text in rows.items():
        typer.echo(f"{key:<{width}}  {text}")


@app.command(
    "help",
    epilog=examples(
        "purrr help exit-codes",
        "purrr help environment --json",
        "purrr help json",
        "purrr help cats feed",
    ),
)
def show_help(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TOPIC | COMMAND...]", help="exit-codes, environment, json."),
    ] = None,
) -> None:
    """Explain exit codes, environment variables or the JSON output; or show a command's help."""
    topic = words[0] if words else None
    if topic == "exit-codes":
        if options.json:
            render([{"code": code, "meaning": text} for code, text in EXIT_CODES.items()])
        else:
            _table({str(code): text for code, text in EXIT_CODES.items()}, "code")
    elif topic == "environment":
        if options.json:
            render([{"name": name, "effect": text} for name, text in ENVIRONMENT.items()])
        else:
            _table(ENVIRONMENT, "variable")
    elif topic == "json":
        typer.echo(JSON_TOPIC, nl=False)
    else:
        from purrr_cli.app import GROUPS, run

        if topic is not None and topic not in GROUPS:
            raise UsageError(
                f"no help topic or command {topic!r}; topics: {', '.join(TOPICS)}; "
                "commands: purrr --help",
                details={"topic": topic, "choices": [*TOPICS, *GROUPS]},
            )
        raise typer.Exit(run([*(words or []), "--help"]))
