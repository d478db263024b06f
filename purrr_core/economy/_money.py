"""Money: the currency table, exact Decimal amounts with 8 places, and the USD→crypto rate table."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from pydantic import BaseModel, ConfigDict

from purrr_core.catalog import load
from purrr_core.errors import InvalidRequest, choose_one


class Currency(BaseModel):
    """One wallet currency: its code, default USD rate, withdrawal minimum and address format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str
    usd_rate: Decimal
    min_withdrawal: Decimal
    address_pattern: str


STARTING_COINS: int = int(load("economy")["starting_coins"])
COINS: str = str(load("economy")["coin_code"])
PLACES: int = int(load("economy")["decimal_places"])
QUANTUM = Decimal(1).scaleb(-PLACES)
#: Amounts are below this (18 integer digits + 8 places fit the default 28-digit context).
MAX_AMOUNT = Decimal(10) ** 18

#: A rate table: USD per one unit of each currency.
Rates = Mapping[str, Decimal]


@cache
def currencies() -> dict[str, Currency]:
    """The wallet currencies (BTC, ETH, USDC, SOL, XRP) by code."""
    return {row["code"]: Currency.model_validate(row) for row in load("economy")["currencies"]}


def default_rates() -> dict[str, Decimal]:
    """The shipped rate table (USD per unit); the server may override it from settings."""
    return {code: cur.usd_rate for code, cur in currencies().items()}


def check_currency(code: str) -> str:
    """`code` if it names a wallet currency, else 'unknown currency …; choose one of …'."""
    if code not in currencies():
        raise choose_one("currency", code, tuple(currencies()))
    return code


def check_asset(code: str) -> str:
    """`code` if it is COINS or a wallet currency."""
    if code != COINS and code not in currencies():
        raise choose_one("currency", code, (COINS, *currencies()))
    return code


def quantize(amount: Decimal) -> Decimal:
    """Round to 8 places, half to even (the only rounding rule used for crypto amounts)."""
    return amount.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def parse_amount(value: object, *, field: str = "amount", positive: bool = True) -> Decimal:
    """A Decimal from a string or number, refusing floats' noise, NaN, infinities and >8 places."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidRequest(
            f"invalid {field} {value!r}: not a decimal number",
            details={"field": field, "value": str(value)},
        ) from None
    if not amount.is_finite():
        raise InvalidRequest(
            f"invalid {field} {value!r}: not a finite number",
            details={"field": field, "value": str(value)},
        )
    if amount.copy_abs() >= MAX_AMOUNT:
        raise InvalidRequest(
            f"invalid {field} {str(value)[:40]!r}: must be less than {MAX_AMOUNT:,}",
            details={"field": field, "value": str(value)[:40]},
        )
    if amount != amount.quantize(QUANTUM, rounding=ROUND_HALF_EVEN):
        raise InvalidRequest(
            f"invalid {field} {value!r}: at most {PLACES} decimal places",
            details={"field": field, "value": str(value)},
        )
    if positive and amount <= 0:
        raise InvalidRequest(
            f"invalid {field} {value!r}: must be greater than 0",
            details={"field": field, "value": str(value)},
        )
    return quantize(amount)


def usd_to_crypto(amount_usd: Decimal, currency: str, rates: Rates) -> Decimal:
    """USD converted at `rates[currency]`, rounded to 8 places; never zero for a positive USD amount."""
    check_currency(currency)
    rate = rates.get(currency)
    if rate is None or rate <= 0:
        raise InvalidRequest(
            f"no USD rate for {currency}", details={"field": "rates", "value": currency}
        )
    return (
        max(QUANTUM, quantize(amount_usd / rate))
        if amount_usd > 0
        else Decimal(0).quantize(QUANTUM)
    )


def format_amount(amount: Decimal) -> str:
    """The JSON form of a crypto amount: a string with exactly 8 places."""
    return f"{quantize(amount):f}"
