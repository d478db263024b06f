"""The wallet and its ledger: every change to a balance is one entry; balances never go negative.

A `Wallet` holds integer coins and one Decimal balance per currency, plus the part of each balance
locked by pending withdrawals. `apply_changes` applies a list of changes atomically: either every
change fits (no available balance goes below zero) and the new wallet comes back with one ledger
entry per change, or `Conflict` names the shortfall and nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.economy._money import (
    COINS,
    STARTING_COINS,
    check_asset,
    check_currency,
    currencies,
    format_amount,
    parse_amount,
    quantize,
)
from purrr_core.errors import Conflict, InvalidRequest

_ZERO = Decimal(0)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Change(_Frozen):
    """One signed change to one asset (COINS or a currency code), with why and with whom."""

    currency: str
    amount: Decimal
    reason: str
    counterparty: str = "house"


class LedgerEntry(_Frozen):
    """A ledger row: the account, the asset, the signed amount and the balance after it."""

    account: str
    currency: str
    amount: Decimal
    balance_after: Decimal
    reason: str
    counterparty: str
    action_ref: str


class Wallet(_Frozen):
    """A player's balances: coins (integer), crypto by currency, and the locked part of each."""

    coins: int = Field(0, ge=0)
    balances: dict[str, Decimal] = Field(default_factory=dict)
    locked: dict[str, Decimal] = Field(default_factory=dict)

    def balance(self, currency: str) -> Decimal:
        """The total balance of `currency` (COINS included), locked part included."""
        if currency == COINS:
            return Decimal(self.coins)
        return self.balances.get(currency, _ZERO)

    def locked_amount(self, currency: str) -> Decimal:
        return _ZERO if currency == COINS else self.locked.get(currency, _ZERO)

    def available(self, currency: str) -> Decimal:
        """What can be spent now: the balance less what pending withdrawals hold."""
        return self.balance(currency) - self.locked_amount(currency)

    def view(self) -> dict[str, object]:
        """The JSON shape of `GET /economy/balance`: coins as an integer, currencies as strings."""
        out: dict[str, object] = {"coins": self.coins}
        for code in currencies():
            out[code] = format_amount(self.balance(code))
        out["locked"] = {code: format_amount(self.locked_amount(code)) for code in currencies()}
        return out


def empty_wallet() -> Wallet:
    """A wallet with nothing in it (before the starting grant)."""
    zeros = {code: quantize(_ZERO) for code in currencies()}
    return Wallet(coins=0, balances=dict(zeros), locked=dict(zeros))


def open_wallet(account: str, action_ref: str) -> tuple[Wallet, list[LedgerEntry]]:
    """A new player's wallet: the documented starting coins, granted by one ledger entry."""
    grant = Change(currency=COINS, amount=Decimal(STARTING_COINS), reason="starting balance")
    return apply_changes(empty_wallet(), [grant], account=account, action_ref=action_ref)


def _checked_amount(change: Change) -> Decimal:
    check_asset(change.currency)
    if change.currency == COINS:
        if change.amount != change.amount.to_integral_value():
            raise InvalidRequest(
                f"coins are whole numbers, not {change.amount}",
                details={"field": "amount", "value": str(change.amount)},
            )
        return Decimal(int(change.amount))
    return parse_amount(change.amount, positive=False)


def shortfall_error(wallet: Wallet, currency: str, needed: Decimal, what: str) -> Conflict:
    """'not enough BTC for …: need X, available Y (short by Z)' with the numbers in details."""
    available = wallet.available(currency)
    short = needed - available
    label = "coins" if currency == COINS else currency
    show = (lambda d: str(int(d))) if currency == COINS else format_amount
    return Conflict(
        f"not enough {label} for {what}: need {show(needed)}, available {show(available)} "
        f"(short by {show(short)})",
        details={
            "currency": currency,
            "needed": show(needed),
            "available": show(available),
            "shortfall": show(short),
        },
    )


def apply_changes(
    wallet: Wallet, changes: Sequence[Change], *, account: str, action_ref: str
) -> tuple[Wallet, list[LedgerEntry]]:
    """Apply `changes` in order, all or nothing; zero changes are skipped (no entry)."""
    coins = wallet.coins
    balances = dict(wallet.balances)
    entries: list[LedgerEntry] = []
    for change in changes:
        amount = _checked_amount(change)
        if amount == 0:
            continue
        before = (
            Decimal(coins) if change.currency == COINS else balances.get(change.currency, _ZERO)
        )
        after = before + amount
        if after - wallet.locked_amount(change.currency) < 0:
            partial = wallet.model_copy(update={"coins": coins, "balances": balances})
            raise shortfall_error(partial, change.currency, -amount, change.reason)
        if change.currency == COINS:
            coins = int(after)
        else:
            balances[change.currency] = quantize(after)
        entries.append(
            LedgerEntry(
                account=account,
                currency=change.currency,
                amount=amount,
                balance_after=after,
                reason=change.reason,
                counterparty=change.counterparty,
                action_ref=action_ref,
            )
        )
    return wallet.model_copy(update={"coins": coins, "balances": balances}), entries


def lock_funds(wallet: Wallet, currency: str, amount: Decimal, what: str = "withdrawal") -> Wallet:
    """Reserve `amount` of `currency` for a pending withdrawal (no ledger entry: nothing moved yet)."""
    check_currency(currency)
    amount = parse_amount(amount)
    if amount > wallet.available(currency):
        raise shortfall_error(wallet, currency, amount, what)
    locked = dict(wallet.locked)
    locked[currency] = quantize(wallet.locked_amount(currency) + amount)
    return wallet.model_copy(update={"locked": locked})


def release_funds(wallet: Wallet, currency: str, amount: Decimal) -> Wallet:
    """Give back a reservation made by `lock_funds` (a cancelled withdrawal)."""
    check_currency(currency)
    amount = parse_amount(amount)
    if amount > wallet.locked_amount(currency):
        raise Conflict(
            f"only {format_amount(wallet.locked_amount(currency))} {currency} is locked",
            details={"currency": currency, "locked": format_amount(wallet.locked_amount(currency))},
        )
    locked = dict(wallet.locked)
    locked[currency] = quantize(wallet.locked_amount(currency) - amount)
    return wallet.model_copy(update={"locked": locked})


def settle_locked(
    wallet: Wallet,
    currency: str,
    amount: Decimal,
    *,
    account: str,
    action_ref: str,
    counterparty: str,
) -> tuple[Wallet, list[LedgerEntry]]:
    """Pay out a locked amount (a processed withdrawal): unlock it and debit it, one entry."""
    released = release_funds(wallet, currency, amount)
    change = Change(
        currency=currency,
        amount=-parse_amount(amount),
        reason="withdrawal",
        counterparty=counterparty,
    )
    return apply_changes(released, [change], account=account, action_ref=action_ref)
