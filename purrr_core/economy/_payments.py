"""Deposits and withdrawals: payment charges, the provider interface, the sandbox provider.

A deposit is a *charge*: the provider gives a `payment_url` the player pays at, a `charge_id`, and
an `expires_at`. The wallet is credited only when the charge is confirmed (`settle_deposit`). The
sandbox provider is deterministic and needs no network: a charge is confirmed by the player
(`purrr wallet confirm CHARGE`). Real providers (Coinbase Commerce) live in the server, since the
core does no I/O; they implement the same `PaymentProvider` protocol.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from purrr_core.catalog import load
from purrr_core.economy._ledger import Change, LedgerEntry, Wallet, apply_changes, lock_funds
from purrr_core.economy._money import (
    Rates,
    check_currency,
    currencies,
    format_amount,
    parse_amount,
    usd_to_crypto,
)
from purrr_core.errors import Conflict, InvalidRequest

ChargeStatus = Literal["pending", "confirmed", "expired", "failed"]
_DEPOSIT = load("economy")["deposit"]
DEPOSIT_MIN_USD = Decimal(_DEPOSIT["min_usd"])
DEPOSIT_MAX_USD = Decimal(_DEPOSIT["max_usd"])
CHARGE_LIFETIME = timedelta(minutes=int(_DEPOSIT["expires_minutes"]))
CENT = Decimal("0.01")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChargeRequest(_Frozen):
    """What a provider needs to open a charge; `reference` is unique per deposit action."""

    reference: str
    account: str
    currency: str
    amount_usd: Decimal
    amount_crypto: Decimal
    now: datetime


class Charge(_Frozen):
    """A deposit charge as the API shows it."""

    charge_id: str
    provider: str
    payment_url: str
    currency: str
    amount_usd: Decimal
    amount_crypto: Decimal
    status: ChargeStatus = "pending"
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None = None


class PaymentProvider(Protocol):
    """Where deposits are paid. `manual_confirm` says whether the player may confirm a charge."""

    name: str
    manual_confirm: bool

    async def create_charge(self, request: ChargeRequest) -> Charge:
        """Open a charge for `request` and return it (status pending)."""
        ...

    async def charge_status(self, charge: Charge) -> ChargeStatus:
        """The provider's current view of `charge`."""
        ...


class SandboxProvider:
    """Offline provider: deterministic charge ids, nothing to pay, confirmed by the player."""

    name = "sandbox"
    manual_confirm = True

    def __init__(self, url_prefix: str | None = None) -> None:
        self.url_prefix = url_prefix or str(load("economy")["sandbox_payment_url"])

    async def create_charge(self, request: ChargeRequest) -> Charge:
        digest = hashlib.sha256(f"{request.account}|{request.reference}".encode()).hexdigest()
        charge_id = f"sbx_{digest[:20]}"
        return Charge(
            charge_id=charge_id,
            provider=self.name,
            payment_url=f"{self.url_prefix}{charge_id}",
            currency=request.currency,
            amount_usd=request.amount_usd,
            amount_crypto=request.amount_crypto,
            created_at=request.now,
            expires_at=request.now + CHARGE_LIFETIME,
        )

    async def charge_status(self, charge: Charge) -> ChargeStatus:
        # The sandbox has no payer: a charge is pending until the player confirms it.
        return charge.status


def deposit_request(
    *, reference: str, account: str, currency: str, amount_usd: object, now: datetime, rates: Rates
) -> ChargeRequest:
    """Validate a deposit (known currency, USD amount within limits) and price it in crypto."""
    check_currency(currency)
    usd = parse_amount(amount_usd, field="amount_usd")
    if usd != usd.quantize(CENT):
        raise InvalidRequest(
            f"invalid amount_usd {amount_usd!r}: whole cents only",
            details={"field": "amount_usd", "value": str(amount_usd)},
        )
    usd = usd.quantize(CENT)
    if not DEPOSIT_MIN_USD <= usd <= DEPOSIT_MAX_USD:
        raise InvalidRequest(
            f"invalid amount_usd {usd}: deposits are {DEPOSIT_MIN_USD}–{DEPOSIT_MAX_USD} USD",
            details={"field": "amount_usd", "value": str(usd)},
        )
    return ChargeRequest(
        reference=reference,
        account=account,
        currency=currency,
        amount_usd=usd,
        amount_crypto=usd_to_crypto(usd, currency, rates),
        now=now,
    )


def charge_view(charge: Charge) -> dict[str, object]:
    """The JSON shape of a charge (decimals as strings)."""
    data = charge.model_dump(mode="json")
    data["amount_crypto"] = format_amount(charge.amount_crypto)
    data["amount_usd"] = str(charge.amount_usd)
    return data


def settle_deposit(
    wallet: Wallet,
    charge: Charge,
    status: ChargeStatus,
    now: datetime,
    *,
    account: str,
    action_ref: str,
) -> tuple[Wallet, Charge, list[LedgerEntry]]:
    """Apply a provider status to a pending charge: credit on confirmation, once.

    Refuses (Conflict) a charge already confirmed, expired before confirmation, or still unpaid.
    """
    if charge.status == "confirmed":
        raise Conflict(
            f"charge {charge.charge_id} is already confirmed",
            details={"charge_id": charge.charge_id, "status": charge.status},
        )
    if charge.status in ("expired", "failed") or (status == "pending" and now >= charge.expires_at):
        raise Conflict(
            f"charge {charge.charge_id} expired at {charge.expires_at.isoformat()}; "
            "start a new deposit",
            details={"charge_id": charge.charge_id, "status": "expired"},
        )
    if status != "confirmed":
        raise Conflict(
            f"charge {charge.charge_id} is {status}: not paid yet",
            details={"charge_id": charge.charge_id, "status": status},
        )
    credit = Change(
        currency=charge.currency,
        amount=charge.amount_crypto,
        reason="deposit",
        counterparty=f"{charge.provider}:{charge.charge_id}",
    )
    wallet, entries = apply_changes(wallet, [credit], account=account, action_ref=action_ref)
    return wallet, charge.model_copy(update={"status": "confirmed", "confirmed_at": now}), entries


class WithdrawalRequest(_Frozen):
    """A validated withdrawal: currency, amount and destination address."""

    currency: str
    amount: Decimal
    address: str


def withdrawal_request(currency: str, amount: object, address: str) -> WithdrawalRequest:
    """Validate currency, amount (≥ the currency's minimum) and the address format."""
    check_currency(currency)
    spec = currencies()[currency]
    value = parse_amount(amount)
    if value < spec.min_withdrawal:
        raise InvalidRequest(
            f"invalid amount {value}: the minimum {currency} withdrawal is {spec.min_withdrawal}",
            details={"field": "amount", "value": str(value)},
        )
    address = address.strip()
    if not re.fullmatch(spec.address_pattern, address):
        raise InvalidRequest(
            f"invalid address {address!r}: not a {spec.name} address",
            details={"field": "address", "value": address},
        )
    return WithdrawalRequest(currency=currency, amount=value, address=address)


def request_withdrawal(wallet: Wallet, request: WithdrawalRequest) -> Wallet:
    """Lock the amount for the pending queue; the balance itself moves when it is processed."""
    return lock_funds(
        wallet,
        request.currency,
        request.amount,
        f"withdrawing {format_amount(request.amount)} {request.currency}",
    )
