"""`purrr auth …`: credentials for hosted servers, kept in the keyring (never printed)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from purrr_cli import client, config
from purrr_cli.client import Client, ServerChoice, choose_server, connect, secret_name
from purrr_cli.errors import CliError, UsageError
from purrr_cli.output import PurrrTyper, can_prompt, examples, message, options, render

app = PurrrTyper(help="Log in to a hosted server; show or forget the stored credential.")

API_KEY_PREFIX = "pk_"


def _remote() -> ServerChoice:
    choice = choose_server(options.server)
    if choice.kind != "remote":
        raise UsageError(
            f"the {choice.describe()} needs no login; pass --server URL or set server_url"
        )
    return choice


def _stdin_line(flag: str) -> str:
    value = sys.stdin.read().strip()
    if not value:
        raise UsageError(f"{flag}: nothing on standard input")
    return value


def _read_token(
    with_token: bool, username: str | None, password_stdin: bool, choice: ServerChoice
) -> str:
    if with_token:
        return _stdin_line("--with-token")
    if password_stdin and not username:
        raise UsageError("--password-stdin needs --username NAME")
    if not password_stdin and not can_prompt():
        raise UsageError(
            "no terminal to prompt on; pipe a token to `purrr auth login --with-token`, or a "
            "password to `purrr auth login --username NAME --password-stdin`"
        )
    if username:
        password = (
            _stdin_line("--password-stdin")
            if password_stdin
            else typer.prompt("Password", hide_input=True, err=True)
        )
        data = Client(choice=choice, transport=client.default_transport).post(
            "auth/login", {"username": username, "password": password}
        )
        return str(data.get("token") or data.get("access_token"))
    return str(typer.prompt("Paste a token or API key", hide_input=True, err=True)).strip()


def _kind(token: str) -> str:
    return "api_key" if token.startswith(API_KEY_PREFIX) else "token"


@app.command(
    epilog=examples(
        "purrr auth login --server https://purrr.example --username alice",
        "echo $PURRR_TOKEN | purrr auth login --with-token --server https://purrr.example",
        "purrr auth login -u alice --password-stdin --server https://purrr.example < pw.txt",
    )
)
def login(
    with_token: Annotated[
        bool, typer.Option("--with-token", help="Read a token or API key from standard input.")
    ] = False,
    username: Annotated[
        str | None, typer.Option("--username", "-u", help="Log in with a password.")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="With --username: read the password from stdin."),
    ] = False,
) -> None:
    """Store a credential for a hosted server (a bearer token, or an API key `pk_…`)."""
    choice = _remote()
    token = _read_token(with_token, username, password_stdin, choice)
    kind = _kind(token)
    config.set_secret(secret_name(kind, choice.url), token)
    try:
        profile = connect().get("auth/profile")
    except CliError:
        config.delete_secret(secret_name(kind, choice.url))
        raise
    message(f"Logged in to {choice.url} as {profile.get('username', '?')}")


@app.command(epilog=examples("purrr auth logout --server https://purrr.example"))
def logout() -> None:
    """Forget the stored credential (and end the session on the server when possible)."""
    choice = _remote()
    try:
        connect().post("auth/logout")
    except CliError:
        pass  # the credential is forgotten locally either way
    removed = [k for k in ("token", "api_key") if config.delete_secret(secret_name(k, choice.url))]
    message(f"Logged out of {choice.url}" if removed else f"No credential stored for {choice.url}")


@app.command(epilog=examples("purrr auth status", "purrr auth status --json"))
def status() -> None:
    """Show the server in use, whether a credential is stored, and who it logs in as."""
    choice = choose_server(options.server)
    info: dict[str, Any] = {"server": choice.describe(), "kind": choice.kind}
    if choice.kind == "remote":
        stored = [k for k in ("api_key", "token") if config.get_secret(secret_name(k, choice.url))]
        info["credential"] = stored[0] if stored else None
    profile = connect().get("auth/profile")
    info["user"] = profile.get("username") if isinstance(profile, dict) else None
    render(info)


@app.command(
    epilog=examples(
        "purrr auth register --server https://purrr.example --username alice --email a@x.org",
        "purrr auth register -u alice --email a@x.org --password-stdin --server URL < pw.txt",
    )
)
def register(
    username: Annotated[str, typer.Option("--username", "-u", help="The account's name.")],
    email: Annotated[str, typer.Option("--email", help="Where the server may write to you.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account on a hosted server, then log in to it (the token goes to the keyring)."""
    choice = _remote()
    if password_stdin:
        password = _stdin_line("--password-stdin")
    elif can_prompt():
        password = str(typer.prompt("Password (8 or more characters)", hide_input=True, err=True))
        if password != str(typer.prompt("Password again", hide_input=True, err=True)):
            raise UsageError("the passwords differ; nothing was created")
    else:
        raise UsageError(
            "no terminal to prompt for a password on; pipe it to "
            "`purrr auth register --username NAME --email ADDRESS --password-stdin`"
        )
    remote = Client(choice=choice, transport=client.default_transport)
    user = remote.post(
        "auth/register", {"username": username, "email": email, "password": password}
    )
    data = remote.post("auth/login", {"username": username, "password": password})
    token = str(data.get("token") or data.get("access_token"))
    config.set_secret(secret_name("token", choice.url), token)
    message(f"Registered {user.get('username', username)} on {choice.url} and logged in.")
    if options.json:
        render(user)
