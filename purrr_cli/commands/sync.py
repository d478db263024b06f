"""`purrr sync`: push the actions played offline to the linked remote, then pull its state.

The local server (daemon or in-process) runs the sync (purrr_server.sync); the CLI hands it the
remote's API key from the keyring and maps its answer to the documented exit codes: 7 when the
remote cannot be reached (local play goes on, nothing is lost), 4 when it refuses the key,
5 when it refuses the outbox or another device of the account is syncing (SYNC_BUSY), 1 with
SYNC_PROTOCOL_UNSUPPORTED when the remote speaks no sync protocol version this purrr does.
"""

from __future__ import annotations

import os
from typing import Any

import typer

from purrr_cli import config
from purrr_cli.client import Client, connect, secret_name, unwrap
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, examples, message, options, render, with_common_options

app = PurrrTyper(
    help="Sync the local game with the linked remote: `purrr sync` pushes then pulls.\n\n"
    "Link first with `purrr remote link URL --api-key KEY`.",
    no_args_is_help=False,
    invoke_without_command=True,
)
KEY_HEADER = "X-Remote-Api-Key"
KEY_ENV = "PURRR_REMOTE_API_KEY"
STATUS_COLUMNS = [
    "remote.url",
    "remote.user.username",
    "pending",
    "last_push",
    "last_pull",
    "last_error",
    "agreement.agreed",
    "agreement.last_check",
    "agreement.mismatches",
    "agreement.last_repull.backup",
    "clock_skew_seconds",
]


def local_client() -> Client:
    """The client of the local game; sync commands make no sense against a remote server."""
    client = connect()
    choice = client.which()
    if choice.kind == "remote":
        raise UsageError(
            f"sync links the local game, but this command talks to {choice.describe()}; "
            "drop --server / PURRR_SERVER / config server_url to use the local game",
            details={"server": choice.as_dict()},
        )
    return client


def remote_key(url: str | None) -> str | None:
    """The remote's API key: `PURRR_REMOTE_API_KEY`, else the keyring entry of `url`."""
    key = os.environ.get(KEY_ENV)
    if key or not url:
        return key
    return config.get_secret(secret_name("api_key", url))


def call(
    client: Client,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    key: str | None = None,
) -> Any:
    """Call the local server's sync API; remote failures keep their own exit codes
    (purrr_cli.errors maps REMOTE_UNREACHABLE to 7 and REMOTE_UNAUTHORIZED to 4)."""
    headers = {KEY_HEADER: key} if key else None
    return unwrap(client.send(method, f"sync/{path}", json=body, headers=headers))


def _rejection(item: dict[str, Any]) -> str:
    error = item.get("error") or {}
    return (
        f"the remote rejected #{item.get('mutation_id')} {item.get('name')} "
        f"{item.get('args')}: {error.get('message', error.get('code', 'rejected'))}"
    )


@app.callback(
    invoke_without_command=True,
    epilog=examples("purrr sync", "purrr sync --json", "purrr sync status --json"),
)
@with_common_options
def sync(ctx: typer.Context) -> None:
    """Push the outbox to the remote, then pull its changes (exit 7 when it is unreachable)."""
    if ctx.invoked_subcommand is not None:
        return
    client = local_client()
    state = call(client, "GET", "status")
    if not state.get("linked"):
        raise UsageError("this game is not linked; run `purrr remote link URL --api-key KEY`")
    url = (state.get("remote") or {}).get("url")
    result = call(client, "POST", "run", key=remote_key(url))
    report, status = result["report"], result["status"]
    for item in report.get("rejected", []):
        message(_rejection(item))
    for warning in report.get("warnings", []):
        message(f"warning: {warning}")
    if report.get("retry"):
        message(
            f"the remote asked to retry from action #{report['retry'].get('id')} later; "
            "it stays queued"
        )
    message(
        f"Synced with {url}: {report['pushed']} pushed, {report['applied']} confirmed, "
        f"{len(report['rejected'])} rejected, {report['pulled_rows']} rows pulled, "
        f"{status['pending']} pending."
    )
    summary = {
        **report,
        "rejected": len(report["rejected"]),
        "pending": status["pending"],
        "last_pull": status.get("last_pull"),
    }
    render(result if options.json else summary)


@app.command(epilog=examples("purrr sync status", "purrr sync status --json"))
def status() -> None:
    """Pending actions, last push and pull, the remote, and recent rejections."""
    state = call(local_client(), "GET", "status")
    if not options.json:
        for item in state.get("rejections", [])[:5]:
            message(_rejection(item))
        for warning in state.get("warnings", []):
            message(f"warning: {warning}")
    render(state, STATUS_COLUMNS, hide=("rejections",))
