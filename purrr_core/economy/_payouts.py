"""Withdrawals that settle: the states, the payout provider interface, the sandbox network.

A withdrawal moves::

    pending ──(local: after the hold / hosted: the operator approves)──▶ processing ──▶ settled
       │  └──(operator rejects)──▶ rejected                                   └──────▶ failed
       └──(player cancels)──▶ cancelled

While *pending* its amount is only locked. Sending it (*processing*) unlocks and debits the
amount: one `withdrawal` ledger entry, since the money is on its way out. *settled* moves nothing
more. *failed* credits the amount back: one `withdrawal_refund` entry. The server applies each
step with a conditional update of the withdrawal's status in the same transaction as its ledger
entry, so each happens exactly once, whoever (a read's catch-up, the operator, a restarted
process) gets there first.

The provider is never called inside a transaction (a slow provider would hold every write). A send
is two-phase: one transaction marks the withdrawal *processing* (and debits it) with no payout id
yet; the provider is then called outside any transaction with the withdrawal's reference as its
idempotency key (`payout_reference`); a later transaction records the payout id. A crash between
the phases leaves a processing withdrawal without a payout id, which the next catch-up sends again
under the same reference: the provider pays it once. Asking a payout's status also happens before
the transaction that records the outcome.

The sandbox provider needs no network and is deterministic: a payout settles
`sandbox_settle_seconds` after it was sent, or fails if it goes to one of the sandbox's failing
addresses (`purrr_core/data/economy.json`, like a payment sandbox's test cards).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from purrr_core.catalog import load
from purrr_core.economy._ledger import Change, LedgerEntry, Wallet, apply_changes, settle_locked
from purrr_core.economy._money import format_amount, parse_amount

WithdrawalStatus = Literal["pending", "processing", "settled", "failed", "cancelled", "rejected"]
#: Where a withdrawal ends; nothing changes it afterwards.
FINAL_STATUSES: frozenset[str] = frozenset({"settled", "failed", "cancelled", "rejected"})
PayoutStatus = Literal["processing", "settled", "failed"]

_RULES = load("economy")["withdrawal"]
#: How long a local server holds a new withdrawal (cancellable) before sending it.
HOLD = timedelta(seconds=int(_RULES["hold_seconds"]))
#: How long the sandbox network takes to settle a payout.
SANDBOX_SETTLE = timedelta(seconds=int(_RULES["sandbox_settle_seconds"]))
#: Addresses the sandbox network refuses, per currency (test addresses for the failure path).
SANDBOX_FAILING_ADDRESSES: dict[str, str] = dict(_RULES["sandbox_failing_addresses"])


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PayoutRequest(_Frozen):
    """What a provider needs to send a withdrawal; `reference` is unique per withdrawal, so a
    provider can refuse to pay one twice."""

    reference: str
    currency: str
    amount: Decimal
    address: str
    now: datetime


class Payout(_Frozen):
    """A payout as the provider acknowledged it."""

    payout_id: str
    provider: str
    submitted_at: datetime


class PayoutOutcome(_Frozen):
    status: PayoutStatus
    reason: str | None = None


class PayoutProvider(Protocol):
    """Where withdrawals are paid out."""

    name: str

    async def submit_payout(self, request: PayoutRequest) -> Payout:
        """Send the payout (idempotent for one `reference`)."""
        ...

    async def payout_status(self, payout: Payout, address: str, now: datetime) -> PayoutOutcome:
        """The provider's view of `payout` at `now`."""
        ...

    def check_due(self, payout: Payout, last_checked: datetime, now: datetime) -> bool:
        """Whether asking `payout_status` now could tell something new (reads ask only then)."""
        ...


class SandboxPayouts:
    """Offline payout network: deterministic ids, settles after a delay, known failing addresses."""

    name = "sandbox"

    def __init__(self, settle_after: timedelta = SANDBOX_SETTLE) -> None:
        self.settle_after = settle_after

    async def submit_payout(self, request: PayoutRequest) -> Payout:
        digest = hashlib.sha256(f"payout|{request.reference}".encode()).hexdigest()
        return Payout(
            payout_id=f"sbx_po_{digest[:20]}", provider=self.name, submitted_at=request.now
        )

    async def payout_status(self, payout: Payout, address: str, now: datetime) -> PayoutOutcome:
        return sandbox_outcome(payout.submitted_at, address, now, self.settle_after)

    def check_due(self, payout: Payout, last_checked: datetime, now: datetime) -> bool:
        return now >= payout.submitted_at + self.settle_after


def sandbox_outcome(
    submitted_at: datetime, address: str, now: datetime, settle_after: timedelta = SANDBOX_SETTLE
) -> PayoutOutcome:
    """The sandbox's rule: still processing until `submitted_at + settle_after`; then failed for
    a failing address, settled otherwise."""
    if now < submitted_at + settle_after:
        return PayoutOutcome(status="processing")
    if address in SANDBOX_FAILING_ADDRESSES.values():
        return PayoutOutcome(
            status="failed", reason=f"the sandbox network refuses address {address}"
        )
    return PayoutOutcome(status="settled")


def due_for_sending(requested_at: datetime, now: datetime, hold: timedelta = HOLD) -> bool:
    """Whether a local server sends a pending withdrawal now (its hold is over)."""
    return now >= requested_at + hold


def payout_reference(withdrawal_id: int) -> str:
    """The idempotency key a provider gets for one withdrawal: every send of it, however often
    a crash makes the server repeat it, names the same payout."""
    return f"withdrawal:{withdrawal_id}"


def send_withdrawal(
    wallet: Wallet,
    currency: str,
    amount: object,
    *,
    account: str,
    action_ref: str,
    counterparty: str,
) -> tuple[Wallet, list[LedgerEntry]]:
    """The withdrawal leaves the wallet: unlock and debit its amount (one `withdrawal` entry).
    `counterparty` names the provider and the payout's reference (`payout_reference`)."""
    return settle_locked(
        wallet,
        currency,
        parse_amount(amount),
        account=account,
        action_ref=action_ref,
        counterparty=counterparty,
    )


def refund_withdrawal(
    wallet: Wallet,
    currency: str,
    amount: object,
    *,
    account: str,
    action_ref: str,
    counterparty: str,
) -> tuple[Wallet, list[LedgerEntry]]:
    """A failed payout comes back: credit its amount (one `withdrawal_refund` entry)."""
    credit = Change(
        currency=currency,
        amount=parse_amount(amount),
        reason="withdrawal_refund",
        counterparty=counterparty,
    )
    return apply_changes(wallet, [credit], account=account, action_ref=action_ref)


def describe(currency: str, amount: object) -> str:
    return f"{format_amount(parse_amount(amount))} {currency}"
