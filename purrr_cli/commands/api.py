"""`purrr api METHOD PATH`: a raw authenticated request, like `gh api`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli.client import API, connect, unwrap
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, examples, render

app = PurrrTyper(help="Send a raw authenticated API request (like `gh api`).")


def _pairs(items: list[str] | None, flag: str, sep: str = "=") -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        key, found, value = item.partition(sep)
        if not found or not key.strip():
            raise UsageError(f"{flag} expects key{sep}value, got {item!r}")
        pairs.append((key.strip(), value.strip() if sep == ":" else value))
    return pairs


def _typed(value: str) -> Any:
    """`-F` values: JSON numbers, true/false/null; anything else stays a string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _body(fields: list[str] | None, typed: list[str] | None, input_file: Path | None) -> Any:
    if input_file is not None:
        try:
            text = (
                typer.get_text_stream("stdin").read()
                if str(input_file) == "-"
                else input_file.read_text("utf-8")
            )
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(
                f"--input: cannot read {input_file}: {reason.lower()}",
                details={"field": "--input", "value": str(input_file)},
            ) from None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise UsageError(f"--input: not JSON: {exc}") from exc
    body = dict(_pairs(fields, "-f"))
    body.update({k: _typed(v) for k, v in _pairs(typed, "-F")})
    return body or None


@app.command(
    epilog=examples(
        "purrr api GET cats",
        "purrr api POST cats/1/feed -f food_item=salmon -F quantity=2",
        "purrr api PUT /api/v1/cats/1 --input cat.json",
        "purrr api GET cats --jq '.data[].name'",
    )
)
def api(
    method: Annotated[str, typer.Argument(help="GET, POST, PUT, PATCH or DELETE.")],
    path: Annotated[str, typer.Argument(help="Path; relative paths go under /api/v1/.")],
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", metavar="KEY=VALUE", help="A string field (repeatable)."),
    ] = None,
    typed_field: Annotated[
        list[str] | None,
        typer.Option(
            "--typed-field", "-F", metavar="KEY=JSON", help="A JSON-typed field: 3, true, null…"
        ),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header", "-H", metavar="'NAME: VALUE'", help="A request header (repeatable)."
        ),
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="JSON request body from a file ('-' = stdin).")
    ] = None,
) -> None:
    """Send METHOD PATH and print the response body (the whole envelope) as JSON.

    For GET, fields become query parameters; otherwise they form a JSON body.
    """
    verb = method.upper()
    if verb not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise UsageError(f"unknown method {method!r}; choose one of GET, POST, PUT, PATCH, DELETE")
    url = path if path.startswith("/") else f"{API}/{path}"
    body = _body(field, typed_field, input_file)
    headers = dict(_pairs(header, "-H", ":"))
    kwargs: dict[str, Any] = {"params": body} if verb == "GET" else {"json": body}
    response = connect().send(verb, url, headers=headers, **kwargs)
    if not response.is_success:
        unwrap(response)  # raises the mapped error with its exit code
    payload = response.json() if response.content else None
    from purrr_cli import output

    if not output.options.json:
        output.options.json_fields = []
    render(payload)
