"""`/api/v1/economy`: balance, ledger, deposits (charges), confirmations, withdrawals, 2FA."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.economy import Wallet, charge_view, check_asset
from purrr_server.actions import MAX_ID, ActionResult, execute
from purrr_server.auth import Admin, Caller
from purrr_server.envelope import ok, request_id
from purrr_server.http import Envelope, Paging, run_action
from purrr_server.lazy import catch_up_withdrawals
from purrr_server.runtime import runtime_of
from purrr_server.services.economy import (
    Balance,
    ChargeOut,
    Confirmed,
    DepositArgs,
    TotpEnrolled,
    Withdrawal,
    WithdrawalOut,
    WithdrawArgs,
)

router = APIRouter(prefix="/economy", tags=["economy"])


async def current_wallet(request: Request, who: Caller) -> Wallet:
    """The caller's wallet, withdrawals caught up; the first look opens it (`economy.open`)."""
    runtime = runtime_of(request)
    await catch_up_withdrawals(request, who)
    wallet: Wallet | None = await runtime.store.read.wallets.load(who.user.id)
    if wallet is None:
        await execute(
            runtime,
            who.user,
            "economy.open",
            {},
            via="internal",
            scopes=who.scopes,
            request_id=request_id(request),
        )
        wallet = await runtime.store.read.wallets.load(who.user.id)
    assert wallet is not None
    return wallet


class LedgerEntryOut(ActionResult):
    currency: str
    amount: str | int = Field(
        ..., description="Coins as an integer, currencies as decimal strings."
    )
    reason: str


@router.get(
    "/balance",
    summary="Coins (integer) and crypto balances (decimal strings)",
    response_model=Envelope[Balance],
)
async def balance(request: Request, who: Caller) -> Response:
    return ok(request, (await current_wallet(request, who)).view())


@router.get(
    "/ledger",
    summary="Ledger entries, newest first",
    response_model=Envelope[list[LedgerEntryOut]],
)
async def ledger(
    request: Request,
    who: Caller,
    paging: Paging,
    currency: Annotated[
        str | None, Query(max_length=20, description="COINS or a currency code.")
    ] = None,
) -> Response:
    if currency:
        check_asset(currency)
    await current_wallet(request, who)
    entries = await runtime_of(request).store.read.wallets.ledger(
        who.user.id, paging.limit, paging.offset, currency
    )
    return ok(request, entries)


@router.post(
    "/deposit",
    status_code=201,
    summary="Create a deposit charge",
    response_model=Envelope[ChargeOut],
)
async def deposit(request: Request, body: DepositArgs, who: Caller) -> Response:
    return await run_action(request, who, "economy.deposit", body)


@router.get(
    "/charges", summary="Your recent deposit charges", response_model=Envelope[list[ChargeOut]]
)
async def charges(request: Request, who: Caller) -> Response:
    found = await runtime_of(request).store.read.charges.for_user(who.user.id)
    return ok(request, [charge_view(c) for c in found])


@router.post(
    "/confirm/{charge_id}",
    summary="Confirm a paid charge and credit the wallet",
    response_model=Envelope[Confirmed],
)
async def confirm(
    request: Request, who: Caller, charge_id: Annotated[str, Path(max_length=100)]
) -> Response:
    return await run_action(request, who, "economy.confirm", {"charge_id": charge_id})


@router.post(
    "/withdraw",
    status_code=201,
    summary="Request a withdrawal (pending queue)",
    response_model=Envelope[Withdrawal],
)
async def withdraw(request: Request, body: WithdrawArgs, who: Caller) -> Response:
    return await run_action(request, who, "economy.withdraw", body)


@router.get(
    "/withdrawals",
    summary="Your withdrawals, newest first",
    response_model=Envelope[list[WithdrawalOut]],
)
async def withdrawals(request: Request, who: Caller) -> Response:
    await catch_up_withdrawals(request, who)
    return ok(request, await runtime_of(request).store.read.withdrawals.for_user(who.user.id))


@router.post(
    "/withdrawals/{withdrawal_id}/cancel",
    summary="Cancel a pending withdrawal",
    response_model=Envelope[Withdrawal],
)
async def cancel(
    request: Request, who: Caller, withdrawal_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    return await run_action(
        request, who, "economy.withdraw_cancel", {"withdrawal_id": withdrawal_id}
    )


@router.post(
    "/2fa",
    status_code=201,
    summary="Set up the TOTP second factor for withdrawals (sessions or admin keys)",
    response_model=Envelope[TotpEnrolled],
)
async def enroll_totp(request: Request, who: Admin) -> Response:
    return await run_action(request, who, "economy.totp_enroll", {})
