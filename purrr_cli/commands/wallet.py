"""`purrr wallet …`: coins and crypto balances, the ledger, deposits and withdrawals."""

from __future__ import annotations

import re
import sys
from typing import Annotated

import typer

from purrr_cli import complete
from purrr_cli.client import connect
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, examples, message, options, render
from purrr_cli.resolve import parse_id

app = PurrrTyper(
    help="Your coins (whole numbers) and BTC, ETH, USDC, SOL, XRP (exact decimals, 8 places). "
    "Every change is a ledger entry. Details: docs/economy.md."
)
Currency = Annotated[str, typer.Option("--currency", help="BTC, ETH, USDC, SOL or XRP.")]
#: A plain decimal amount: up to 15 whole digits and 8 decimal places (no exponent, no sign).
AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,8})?$")


def decimal_amount(raw: str, flag: str) -> str:
    """`raw` when it is a plain decimal amount; a usage error naming `flag` otherwise."""
    text = raw.strip()
    if not AMOUNT.match(text):
        raise UsageError(
            f"invalid {flag} {raw!r}: give a plain decimal number like 10 or 0.05 "
            "(at most 15 digits before the point and 8 after it, no exponent)",
            details={"field": flag, "value": raw},
        )
    return text


@app.command(
    epilog=examples(
        "purrr wallet balance", "purrr wallet balance --json", "purrr wallet balance --jq .coins"
    )
)
def balance() -> None:
    """Coins and crypto balances (locked = held by pending withdrawals)."""
    render(connect().get("economy/balance"))


@app.command(
    epilog=examples("purrr wallet history", "purrr wallet history --currency COINS --json")
)
def history(
    currency: Annotated[str | None, typer.Option("--currency", help="COINS or a code.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many entries (1-1000).")] = 20,
) -> None:
    """The ledger, newest first: every change with the balance after it."""
    params: dict[str, object] = {"limit": limit}
    if currency:
        params["currency"] = currency.upper()
    render(
        connect().get("economy/ledger", **params),
        ["id", "created_at", "currency", "amount", "balance_after", "reason"],
    )


@app.command(
    epilog=examples(
        "purrr wallet deposit --currency BTC --usd 10",
        "purrr wallet deposit --currency USDC --usd 5 --json",
    )
)
def deposit(
    currency: Currency,
    usd: Annotated[str, typer.Option("--usd", help="Amount in US dollars (1–10000).")],
) -> None:
    """Create a payment charge; pay at its URL, then `purrr wallet confirm CHARGE`."""
    render(
        connect().post(
            "economy/deposit",
            {"crypto_type": currency.upper(), "amount_usd": decimal_amount(usd, "--usd")},
        ),
        [
            "charge_id",
            "payment_url",
            "currency",
            "amount_crypto",
            "amount_usd",
            "expires_at",
            "status",
        ],
    )


@app.command(epilog=examples("purrr wallet confirm sbx_1234abcd"))
def confirm(
    charge: Annotated[
        str,
        typer.Argument(metavar="CHARGE", help="The charge id.", autocompletion=complete.charges),
    ],
) -> None:
    """Confirm a paid charge (the sandbox confirms at once) and credit the wallet."""
    render(connect().post(f"economy/confirm/{charge}"), hide=("balance",))


@app.command(
    epilog=examples(
        "purrr wallet withdraw --currency ETH --amount 0.05 --address 0xABC…",
        "purrr wallet withdraw --currency BTC --amount 0.001 --address bc1q… --totp 123456",
    )
)
def withdraw(
    currency: Currency,
    amount: Annotated[
        str, typer.Option("--amount", help="Amount in the currency (exact decimal).")
    ],
    address: Annotated[str, typer.Option(help="Destination address.")],
    totp: Annotated[str | None, typer.Option(help="Second-factor code (hosted servers).")] = None,
) -> None:
    """Queue a withdrawal; its amount is locked until it is sent (then debited) or cancelled."""
    body: dict[str, object] = {
        "crypto_type": currency.upper(),
        "amount": decimal_amount(amount, "--amount"),
        "address": address,
    }
    if totp:
        body["totp_code"] = totp
    render(connect().post("economy/withdraw", body), hide=("balance",))


@app.command(epilog=examples("purrr wallet charges", "purrr wallet charges --pending --json"))
def charges(
    pending: Annotated[bool, typer.Option("--pending", help="Only charges not yet paid.")] = False,
) -> None:
    """Your recent deposit charges (pending ones can still be paid, then confirmed)."""
    found = connect().get("economy/charges")
    shown = [c for c in found if c.get("status") == "pending"] if pending else found
    render(
        shown,
        ["charge_id", "status", "currency", "amount_crypto", "amount_usd", "expires_at"],
        empty="No charges. Create one: purrr wallet deposit --currency USDC --usd 5",
    )


@app.command(epilog=examples("purrr wallet withdrawals", "purrr wallet withdrawals --json"))
def withdrawals() -> None:
    """Your withdrawals, newest first: pending (locked, cancellable), processing (sent),
    settled, failed (refunded), cancelled or rejected."""
    render(
        connect().get("economy/withdrawals"),
        ["id", "status", "currency", "amount", "address", "created_at", "finished_at"],
        empty="No withdrawals.",
    )


@app.command(epilog=examples("purrr wallet cancel 3", "purrr wallet cancel 3 --json"))
def cancel(
    withdrawal: Annotated[
        str,
        typer.Argument(
            metavar="WITHDRAWAL",
            help="A pending withdrawal's id.",
            autocompletion=complete.withdrawals,
        ),
    ],
) -> None:
    """Cancel a pending withdrawal; its amount is unlocked."""
    number = parse_id(withdrawal, "WITHDRAWAL")
    result = connect().post(f"economy/withdrawals/{number}/cancel")
    message(f"Cancelled withdrawal {number}.")
    render(result, hide=("balance",))


second_factor = PurrrTyper(
    help="The second factor (TOTP) a hosted server asks for on every withdrawal."
)


@second_factor.command(epilog=examples("purrr wallet 2fa setup", "purrr wallet 2fa setup --json"))
def setup() -> None:
    """Set up the second factor: scan the QR code (or type the secret) into an authenticator app.

    The secret is shown only this once; then withdraw with --totp CODE."""
    enrolled = connect().post("economy/2fa")
    if options.json:
        render(enrolled)
        return
    import segno  # only here: a QR code is drawn once per account

    segno.make(enrolled["otpauth_uri"], error="m").terminal(out=sys.stdout, compact=True, border=2)
    typer.echo(enrolled["otpauth_uri"])
    typer.echo(f"secret: {enrolled['secret']}")
    message(
        "Scan the code with an authenticator app now: it is shown only once. "
        "Then: purrr wallet withdraw … --totp CODE"
    )


app.add_typer(second_factor, name="2fa")
