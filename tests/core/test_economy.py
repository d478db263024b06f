"""Economy rules: money, the ledger invariants, deposits and withdrawals."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purrr_core.economy import (
    COINS,
    STARTING_COINS,
    Change,
    SandboxProvider,
    Wallet,
    apply_changes,
    currencies,
    default_rates,
    deposit_request,
    format_amount,
    lock_funds,
    open_wallet,
    parse_amount,
    release_funds,
    request_withdrawal,
    settle_deposit,
    settle_locked,
    usd_to_crypto,
    withdrawal_request,
)
from purrr_core.errors import Conflict, InvalidRequest
from tests.core.conftest import NOW

ETH_ADDRESS = "0x" + "ab" * 20


def test_starting_balance_is_one_documented_entry() -> None:
    wallet, entries = open_wallet("user:1", "action:1")
    assert STARTING_COINS == 1000
    assert wallet.coins == 1000
    assert [(e.currency, e.amount, e.balance_after) for e in entries] == [(COINS, 1000, 1000)]
    assert set(currencies()) == {"BTC", "ETH", "USDC", "SOL", "XRP"}
    view = wallet.view()
    assert view["coins"] == 1000 and view["BTC"] == "0.00000000"


def test_usd_conversion_is_exact_with_eight_places() -> None:
    rates = default_rates()
    assert usd_to_crypto(Decimal("1"), "BTC", rates) == Decimal("0.00001667")
    assert usd_to_crypto(Decimal("10"), "USDC", rates) == Decimal("10.00000000")
    assert usd_to_crypto(Decimal("0.0000001"), "BTC", rates) == Decimal("0.00000001")  # never zero
    with pytest.raises(InvalidRequest, match="unknown currency 'DOGE'; choose one of BTC"):
        usd_to_crypto(Decimal(1), "DOGE", rates)


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "0.000000001", "-1", "0"])
def test_parse_amount_refuses_bad_values(raw: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_amount(raw)


def test_refusal_names_the_shortfall_and_changes_nothing() -> None:
    wallet, _ = open_wallet("u", "a")
    changes = [
        Change(currency=COINS, amount=Decimal(-600), reason="toy"),
        Change(currency=COINS, amount=Decimal(-600), reason="second toy"),
    ]
    with pytest.raises(Conflict) as err:
        apply_changes(wallet, changes, account="u", action_ref="b")
    assert "need 600, available 400 (short by 200)" in err.value.message
    assert err.value.details["shortfall"] == "200"
    assert wallet.coins == 1000


def test_coins_must_be_whole() -> None:
    with pytest.raises(InvalidRequest, match="whole numbers"):
        apply_changes(
            Wallet(),
            [Change(currency=COINS, amount=Decimal("1.5"), reason="x")],
            account="u",
            action_ref="a",
        )


def test_locked_funds_cannot_be_spent_and_settle_with_one_entry() -> None:
    wallet, _ = apply_changes(
        Wallet(),
        [Change(currency="ETH", amount=Decimal("1"), reason="in")],
        account="u",
        action_ref="a",
    )
    wallet = lock_funds(wallet, "ETH", Decimal("0.6"))
    assert wallet.available("ETH") == Decimal("0.4")
    with pytest.raises(Conflict, match="short by 0.10000000"):
        apply_changes(
            wallet,
            [Change(currency="ETH", amount=Decimal("-0.5"), reason="fee")],
            account="u",
            action_ref="b",
        )
    settled, entries = settle_locked(
        wallet, "ETH", Decimal("0.6"), account="u", action_ref="c", counterparty="withdrawal:1"
    )
    assert settled.balance("ETH") == Decimal("0.4") and settled.locked_amount("ETH") == 0
    assert [e.amount for e in entries] == [Decimal("-0.6")]
    assert release_funds(wallet, "ETH", Decimal("0.6")).available("ETH") == Decimal("1")
    with pytest.raises(Conflict):
        release_funds(wallet, "ETH", Decimal("0.7"))


assets = st.sampled_from([COINS, "BTC", "USDC"])
amounts = st.decimals(
    min_value=-2000, max_value=2000, places=2, allow_nan=False, allow_infinity=False
)


@given(st.lists(st.tuples(assets, amounts, st.booleans()), max_size=40))
def test_ledger_balance_is_the_sum_of_entries_and_never_negative(
    ops: list[tuple[str, Decimal, bool]],
) -> None:
    wallet, journal = open_wallet("u", "open")
    for i, (asset, amount, lock) in enumerate(ops):
        if asset == COINS:
            amount = amount.to_integral_value()
        if lock and asset != COINS and amount > 0:
            try:
                wallet = lock_funds(wallet, asset, amount)
            except Conflict:
                pass
            continue
        before = wallet
        try:
            wallet, entries = apply_changes(
                wallet,
                [Change(currency=asset, amount=amount, reason="op")],
                account="u",
                action_ref=str(i),
            )
            journal.extend(entries)
        except Conflict:
            assert wallet == before
        for code in (COINS, "BTC", "USDC"):
            assert wallet.available(code) >= 0
            assert wallet.balance(code) == sum(
                (e.amount for e in journal if e.currency == code), Decimal(0)
            )


def test_sandbox_deposit_is_deterministic_and_credits_once() -> None:
    provider = SandboxProvider()
    request = deposit_request(
        reference="action:7",
        account="u",
        currency="BTC",
        amount_usd="10",
        now=NOW,
        rates=default_rates(),
    )
    charge = asyncio.run(provider.create_charge(request))
    again = asyncio.run(provider.create_charge(request))
    assert charge == again and charge.charge_id.startswith("sbx_")
    assert charge.payment_url.endswith(charge.charge_id)
    assert charge.expires_at == NOW + timedelta(hours=1)
    assert format_amount(charge.amount_crypto) == "0.00016667"
    with pytest.raises(Conflict, match="not paid yet"):
        settle_deposit(Wallet(), charge, "pending", NOW, account="u", action_ref="c")
    wallet, done, entries = settle_deposit(
        Wallet(), charge, "confirmed", NOW, account="u", action_ref="c"
    )
    assert wallet.balance("BTC") == Decimal("0.00016667") and done.status == "confirmed"
    assert entries[0].counterparty == f"sandbox:{charge.charge_id}"
    with pytest.raises(Conflict, match="already confirmed"):
        settle_deposit(wallet, done, "confirmed", NOW, account="u", action_ref="d")
    with pytest.raises(Conflict, match="expired"):
        settle_deposit(
            Wallet(), charge, "pending", NOW + timedelta(hours=2), account="u", action_ref="e"
        )


@pytest.mark.parametrize("usd", ["0.5", "10000.01", "-3", "ten", "10.005"])
def test_deposit_amount_limits(usd: str) -> None:
    with pytest.raises(InvalidRequest):
        deposit_request(
            reference="r",
            account="u",
            currency="ETH",
            amount_usd=usd,
            now=NOW,
            rates=default_rates(),
        )


def test_withdrawal_validation_and_locking() -> None:
    with pytest.raises(InvalidRequest, match="not a Ethereum address"):
        withdrawal_request("ETH", "0.5", "nope")
    with pytest.raises(InvalidRequest, match="minimum ETH withdrawal"):
        withdrawal_request("ETH", "0.0001", ETH_ADDRESS)
    request = withdrawal_request("ETH", "0.5", ETH_ADDRESS)
    with pytest.raises(Conflict, match="short by 0.50000000"):
        request_withdrawal(Wallet(), request)
    funded, _ = apply_changes(
        Wallet(),
        [Change(currency="ETH", amount=Decimal(1), reason="in")],
        account="u",
        action_ref="a",
    )
    assert request_withdrawal(funded, request).locked_amount("ETH") == Decimal("0.5")
