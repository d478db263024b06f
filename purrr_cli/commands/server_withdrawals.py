"""`purrr server withdrawals …`: the operator's withdrawal queue on a hosted server's data
directory (docs/economy.md): list it, approve a withdrawal (it goes to the payout provider), or
reject it (its amount is unlocked). Runs the server's own actions in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli.output import PurrrTyper, confirm, examples, message, options, render
from purrr_cli.resolve import parse_id

app = PurrrTyper(help="List, approve and reject players' withdrawals (hosted-server operators).")

COLUMNS = [
    "id",
    "username",
    "currency",
    "amount",
    "address",
    "status",
    "created_at",
    "finished_at",
    "failure_reason",
]
STATUSES = ("pending", "processing", "settled", "failed", "cancelled", "rejected")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="The hosted server's data directory (default ~/.purrr/data)."),
]
AllowSandbox = Annotated[
    bool,
    typer.Option(
        "--allow-sandbox-payments",
        help="The server runs with --allow-sandbox-payments: pay out through the sandbox.",
    ),
]


def _settings(data_dir: Path | None, allow_sandbox: bool) -> Any:
    from purrr_cli._local import settings

    overrides: dict[str, Any] = {"hosted": True, "allow_sandbox_payments": allow_sandbox}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    return settings(**overrides)


def _refusal(exc: Any) -> Exception:
    from purrr_cli.errors import from_api
    from purrr_server.envelope import status_for

    return from_api(
        status_for(exc), {"code": exc.code, "message": exc.message, "details": exc.details}
    )


@app.command(
    "list",
    epilog=examples(
        "purrr server withdrawals list",
        "purrr server withdrawals list --status pending --json",
    ),
)
def list_withdrawals(
    status: Annotated[
        str | None, typer.Option("--status", help=f"Only these: {', '.join(STATUSES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many (1-1000).")] = 100,
    data_dir: DataDir = None,
    allow_sandbox_payments: AllowSandbox = False,
) -> None:
    """Every player's withdrawals, newest first (sent ones are first checked with the provider)."""
    from purrr_cli.errors import UsageError
    from purrr_server.operator import withdrawal_queue

    if status is not None and status not in STATUSES:
        raise UsageError(f"unknown --status {status!r}: choose one of {', '.join(STATUSES)}")
    rows = withdrawal_queue(_settings(data_dir, allow_sandbox_payments), status, limit)
    render(rows, COLUMNS, empty="No withdrawals.")


def _act(data_dir: Path | None, allow: bool, withdrawal: str, name: str, **args: Any) -> Any:
    from purrr_core.errors import RuleError
    from purrr_server.operator import withdrawal_action

    number = parse_id(withdrawal, "ID")
    try:
        return withdrawal_action(_settings(data_dir, allow), number, name, **args)
    except RuleError as exc:
        raise _refusal(exc) from None


@app.command(
    epilog=examples(
        "purrr server withdrawals approve 12",
        "purrr server withdrawals approve 12 --yes --json",
    )
)
def approve(
    withdrawal: Annotated[str, typer.Argument(metavar="ID", help="A pending withdrawal's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    data_dir: DataDir = None,
    allow_sandbox_payments: AllowSandbox = False,
) -> None:
    """Send a pending withdrawal to the payout provider; its amount leaves the player's wallet."""
    confirm(f"send withdrawal {withdrawal} to the payout provider?", yes=yes)
    result = _act(data_dir, allow_sandbox_payments, withdrawal, "economy.withdrawal_approve")
    sent = result["withdrawal"]
    if sent["payout_id"]:
        message(f"Withdrawal {sent['id']} is {sent['status']} (payout {sent['payout_id']}).")
    else:
        message(
            f"Withdrawal {sent['id']} is {sent['status']}: its amount left the wallet; the payout "
            "provider did not acknowledge it yet (the next read or `purrr server withdrawals "
            "list` sends it again, under the same idempotency key)."
        )
    for trouble in result.get("provider_errors", []):
        message(f"payout provider, withdrawal {trouble['withdrawal_id']}: {trouble['message']}")
    if options.json:
        render(result)


@app.command(
    epilog=examples(
        "purrr server withdrawals reject 12 --reason 'address on a sanctions list'",
        "purrr server withdrawals reject 12 --yes",
    )
)
def reject(
    withdrawal: Annotated[str, typer.Argument(metavar="ID", help="A pending withdrawal's id.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Shown to the player.")
    ] = "rejected by the operator",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Refuse a pending withdrawal; its amount is unlocked for the player."""
    confirm(f"reject withdrawal {withdrawal}?", yes=yes)
    result = _act(data_dir, False, withdrawal, "economy.withdrawal_reject", reason=reason)
    message(f"Rejected withdrawal {result['withdrawal']['id']}.")
    if options.json:
        render(result)
