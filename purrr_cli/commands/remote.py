"""`purrr remote …`: link the local game to a remote purrr server (hosted Purrr.love), show the
link, or unlink. The API key goes to the OS keyring (purrr_cli.config secrets), never to disk in
config.json."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from purrr_cli import config
from purrr_cli.client import secret_name
from purrr_cli.commands.sync import call, local_client, remote_key
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, confirm, examples, message, render

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


@app.command(
    epilog=examples(
        "purrr remote link https://purrr.love --api-key pk_…",
        "echo $KEY | purrr remote link https://purrr.love --api-key -",
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
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask before replacing the local game.")
    ] = False,
) -> None:
    """Link this game to a remote account: the local game is replaced by the remote one."""
    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(
            f"invalid remote URL {url!r}; give its base URL, e.g. https://purrr.love",
            details={"field": "url", "value": url},
        )
    key = sys.stdin.readline().strip() if api_key == "-" else api_key or remote_key(url)
    if not key:
        raise UsageError("give the remote account's API key with --api-key KEY")
    client = local_client()
    confirm(f"replace the local game with the remote account at {url}?", yes=yes)
    interval = int(config.load().get("sync_interval_seconds") or 300)
    state = call(client, "POST", "link", body={"url": url, "interval_seconds": interval}, key=key)
    config.set_secret(secret_name("api_key", url), key)
    config.set_value("remote_url", url)
    user = (state.get("remote") or {}).get("user") or {}
    message(
        f"Linked to {url} as {user.get('username', '?')}; the local game now mirrors that "
        "account. Play on; `purrr sync` (or the daemon) sends your actions."
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
