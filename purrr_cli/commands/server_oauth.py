"""`purrr server oauth-client …`: the operator registers, lists and retires OAuth2 clients of a
hosted server, on its data directory (docs/oauth.md). Runs the server's own actions in this
process (purrr_server.operator); a running server sees the change at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli.output import PurrrTyper, confirm, examples, message, options, render

app = PurrrTyper(help="Register, list and retire OAuth2 clients of a hosted server (operators).")

COLUMNS = ["client_id", "name", "type", "scopes", "redirect_uris", "user_id", "created_at"]

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="The hosted server's data directory (default ~/.purrr/data)."),
]


def _operate(data_dir: Path | None, name: str, args: dict[str, Any]) -> Any:
    """Run operator action `name`; a refusal becomes the CLI error of its code."""
    from purrr_cli._local import settings
    from purrr_cli.errors import from_api
    from purrr_core.errors import RuleError
    from purrr_server.envelope import status_for
    from purrr_server.operator import operator_action

    overrides: dict[str, Any] = {"hosted": True}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        return operator_action(settings(**overrides), name, args)
    except RuleError as exc:
        raise from_api(
            status_for(exc),
            {"code": exc.code, "message": exc.message, "details": exc.details},
        ) from None


@app.command(
    epilog=examples(
        "purrr server oauth-client add 'Cat Tracker' --redirect-uri https://tracker.example/cb",
        "purrr server oauth-client add 'Phone app' --public --redirect-uri com.example.app:/cb",
        "purrr server oauth-client add 'Nightly stats' --owner statsbot --scope read --json",
    )
)
def add(
    name: Annotated[str, typer.Argument(help="The client's name, shown to players approving it.")],
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(
            "--redirect-uri",
            "-r",
            help="Where codes are sent (repeatable): https, http on a loopback host, or an "
            "app's own scheme.",
        ),
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope", "-s", help="read, write or admin (repeatable; default read and write)."
        ),
    ] = None,
    public: Annotated[
        bool,
        typer.Option("--public", help="No client secret: an app that cannot keep one (PKCE only)."),
    ] = False,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="Username whose account client-credentials tokens act as."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Register a client; a confidential client's secret is shown once, so store it now."""
    args: dict[str, Any] = {
        "name": name,
        "redirect_uris": redirect_uri or [],
        "confidential": not public,
        "owner": owner,
    }
    if scope:
        args["scopes"] = scope
    created = _operate(data_dir, "oauth.client_register", args)
    if created.get("client_secret"):
        message("Store the client secret now: it is shown only once.")
    render(created)


@app.command(
    "list",
    epilog=examples("purrr server oauth-client list", "purrr server oauth-client list --json"),
)
def list_clients(data_dir: DataDir = None) -> None:
    """List the registered clients (never their secrets)."""
    from purrr_cli._local import settings
    from purrr_server.operator import oauth_clients

    overrides: dict[str, Any] = {"hosted": True}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    render(oauth_clients(settings(**overrides)), COLUMNS, empty="No OAuth2 clients.")


@app.command(
    epilog=examples(
        "purrr server oauth-client remove pci_0123456789abcdef01234567",
        "purrr server oauth-client remove pci_0123456789abcdef01234567 --yes",
    )
)
def remove(
    client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID", help="The client's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Retire a client: every token it holds is revoked at once."""
    confirm(f"retire OAuth2 client {client_id} and revoke its tokens?", yes=yes)
    result = _operate(data_dir, "oauth.client_revoke", {"client_id": client_id})
    message(f"Retired {client_id}; {result['tokens_revoked']} token(s) revoked.")
    if options.json:
        render(result)
