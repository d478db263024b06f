"""`purrr remote …`: link the local game to a remote purrr server (hosted Purrr.love), show the
link, or unlink. The API key goes to the OS keyring (purrr_cli.config secrets), never to disk in
config.json."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli import config
from purrr_cli.client import secret_name
from purrr_cli.commands.sync import call, local_client, remote_key
from purrr_cli.errors import CliError, UsageError
from purrr_cli.output import PurrrTyper, can_prompt, confirm, examples, message, render

app = PurrrTyper(help="Link the local game to a remote purrr server, show or drop the link.")
STATUS_COLUMNS = [
    "linked",
    "remote.url",
    "remote.user.username",
    "remote.client_id",
    "pending",
    "last_push",
    "last_pull",
    "last_error",
]


KEEP = ("remote", "local")


def _describe(counts: dict[str, int]) -> str:
    cats, rows = counts.get("cats", 0), sum(counts.values())
    return f"{cats} cat{'s' if cats != 1 else ''}, {rows} row{'s' if rows != 1 else ''}"


def _folder(path: Any) -> str:
    """The folder of the backup a `--keep remote` would write (its name has the time in it)."""
    return str(Path(str(path)).parent) if path else "the data directory's backups folder"


def _ask(url: str, choice: dict[str, Any]) -> str:
    """Both games have rows: the player picks one (never silently)."""
    local, remote = choice.get("local") or {}, choice.get("remote") or {}
    backup = choice.get("backup")
    message(
        f"Both games have something in them:\n"
        f"  this game:          {_describe(local)}\n"
        f"  the remote account: {_describe(remote)} ({url})\n"
        f"  remote: keep the remote account's game; this one is replaced, after being backed"
        f" up to {backup} (`purrr restore` brings it back)\n"
        f"  local:  keep this game; it is uploaded over the remote account's game"
    )
    answer = typer.prompt(
        "Keep which game? (remote/local, anything else cancels)",
        default="",
        show_default=False,
        err=True,
    )
    answer = str(answer).strip().lower()
    if answer not in KEEP:
        raise CliError("cancelled; nothing was changed", code="CANCELLED")
    return answer


@app.command(
    epilog=examples(
        "purrr remote link https://purrr.love --api-key pk_…",
        "echo $KEY | purrr remote link https://purrr.love --api-key -",
        "purrr remote link https://purrr.love --api-key pk_… --keep remote",
    )
)
def link(
    url: Annotated[str, typer.Argument(help="The remote server's base URL.")],
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key", help="An API key of your remote account (read+write); '-' reads stdin."
        ),
    ] = None,
    keep: Annotated[
        str | None,
        typer.Option(
            "--keep",
            help="When both games have rows: 'remote' (this game is backed up, then replaced)"
            " or 'local' (this game is uploaded over the remote account's). Asked when missing.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Kept for scripts; choosing needs --keep.")
    ] = False,
) -> None:
    """Link this game to a remote account. An empty account gets this game uploaded; when both
    have a game, you choose which one to keep (--keep remote|local)."""
    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(
            f"invalid remote URL {url!r}; give its base URL, e.g. https://purrr.love",
            details={"field": "url", "value": url},
        )
    if keep is not None and keep not in KEEP:
        raise UsageError(
            f"--keep takes 'remote' or 'local', not {keep!r}",
            details={"field": "keep", "value": keep},
        )
    key = sys.stdin.readline().strip() if api_key == "-" else api_key or remote_key(url)
    if not key:
        raise UsageError("give the remote account's API key with --api-key KEY")
    client = local_client()
    interval = int(config.load().get("sync_interval_seconds") or 300)
    body: dict[str, Any] = {"url": url, "interval_seconds": interval, "keep": keep}
    try:
        state = call(client, "POST", "link", body=body, key=key)
    except CliError as error:
        choice = error.details
        if error.code != "CONFLICT" or "choice" not in choice:
            raise
        if not can_prompt():
            raise UsageError(
                f"both this game ({_describe(choice.get('local') or {})}) and the remote account"
                f" ({_describe(choice.get('remote') or {})}) have a game and there is no"
                " terminal to ask which to keep; pass --keep remote (this game is backed up to"
                f" a file in {_folder(choice.get('backup'))}, then replaced) or --keep local"
                " (this game is uploaded over the remote's)",
                details=choice,
            ) from error
        body |= {"keep": _ask(url, choice), "backup": choice.get("backup")}
        state = call(client, "POST", "link", body=body, key=key)
    config.set_secret(secret_name("api_key", url), key)
    config.set_value("remote_url", url)
    user = (state.get("remote") or {}).get("user") or {}
    outcome = state.get("link") or {}
    saved = (outcome.get("backup") or {}).get("path")
    if outcome.get("kept") == "local" and outcome.get("uploaded") is not None:
        done = f"this game was uploaded ({_describe(outcome['uploaded'])})"
    elif saved:
        done = f"this game was replaced by the remote's; the old one is backed up in {saved}"
    else:
        done = "the local game now mirrors that account"
    message(
        f"Linked to {url} as {user.get('username', '?')}: {done}."
        " Play on; `purrr sync` (or the daemon) sends your actions."
    )
    render(state, STATUS_COLUMNS, hide=("rejections",))


@app.command(epilog=examples("purrr remote status", "purrr remote status --json"))
def status() -> None:
    """The remote this game is linked to, and how the sync is doing."""
    render(call(local_client(), "GET", "status"), STATUS_COLUMNS, hide=("rejections",))


@app.command(epilog=examples("purrr remote unlink", "purrr remote unlink --force --yes"))
def unlink(
    force: Annotated[
        bool,
        typer.Option("--force", help="Unlink even with actions not yet synced (they are dropped)."),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Forget the remote (and its key); the local game stays as it is."""
    client = local_client()
    state = call(client, "GET", "status")
    if not state.get("linked"):
        message("this game is not linked")
        return
    url = state["remote"]["url"]
    confirm(f"unlink from {url}?", yes=yes)
    result = call(client, "POST", "unlink", body={"force": force})
    config.delete_secret(secret_name("api_key", url))
    config.unset("remote_url")
    message(f"Unlinked from {url}.")
    render(result)
