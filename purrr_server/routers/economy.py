"""`/api/v1/economy`: balance, ledger, deposits (charges), confirmations, withdrawals, 2FA."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.economy import Wallet, charge_view, check_asset
from purrr_core.models import LongLabel
from purrr_server.actions import execute
from purrr_server.auth import Caller
from purrr_server.envelope import ok, request_id
from purrr_server.http import Paging, run_action
from purrr_server.runtime import runtime_of
from purrr_server.store import economy as _repositories  # noqa: F401 - registers the ones read here

router = APIRouter(prefix="/economy", tags=["economy"])
Amount = str | int | float


class Deposit(BaseModel):
    """Open a payment charge for `amount_usd` USD paid in `crypto_type`."""

    model_config = ConfigDict(extra="forbid")
    crypto_type: str = Field(..., examples=["BTC"])
    amount_usd: Amount = Field(..., examples=["10.00"])


class Withdraw(BaseModel):
    """Queue a withdrawal; the amount is locked until it is processed or cancelled."""

    model_config = ConfigDict(extra="forbid")
    crypto_type: str = Field(..., examples=["ETH"])
    amount: Amount = Field(..., examples=["0.05"])
    address: LongLabel
    totp_code: str | None = Field(None, description="Required in hosted mode.")


async def current_wallet(request: Request, who: Caller) -> Wallet:
    """The caller's wallet; the first look opens it (an `economy.open` action)."""
    runtime = runtime_of(request)
    wallet = await runtime.store.read.wallets.load(who.user.id)
    if wallet is None:
        await execute(runtime, who.user, "economy.open", {}, request_id=request_id(request))
        wallet = await runtime.store.read.wallets.load(who.user.id)
    assert wallet is not None
    return wallet


@router.get("/balance", summary="Coins (integer) and crypto balances (decimal strings)")
async def balance(request: Request, who: Caller) -> Response:
    return ok(request, (await current_wallet(request, who)).view())


@router.get("/ledger", summary="Ledger entries, newest first")
async def ledger(
    request: Request,
    who: Caller,
    paging: Paging,
    currency: Annotated[str | None, Query(description="COINS or a currency code.")] = None,
) -> Response:
    if currency:
        check_asset(currency)
    await current_wallet(request, who)
    entries = await runtime_of(request).store.read.wallets.ledger(
        who.user.id, paging.limit, paging.offset, currency
    )
    return ok(request, entries)


@router.post("/deposit", status_code=201, summary="Create a deposit charge")
async def deposit(request: Request, body: Deposit, who: Caller) -> Response:
    return await run_action(request, who.user, "economy.deposit", body.model_dump())


@router.get("/charges", summary="Your recent deposit charges")
async def charges(request: Request, who: Caller) -> Response:
    found = await runtime_of(request).store.read.charges.list(who.user.id)
    return ok(request, [charge_view(c) for c in found])


@router.post("/confirm/{charge_id}", summary="Confirm a paid charge and credit the wallet")
async def confirm(
    request: Request, who: Caller, charge_id: Annotated[str, Path(max_length=100)]
) -> Response:
    return await run_action(request, who.user, "economy.confirm", {"charge_id": charge_id})


@router.post("/withdraw", status_code=201, summary="Request a withdrawal (pending queue)")
async def withdraw(request: Request, body: Withdraw, who: Caller) -> Response:
    return await run_action(request, who.user, "economy.withdraw", body.model_dump())


@router.get("/withdrawals", summary="Your withdrawals, newest first")
async def withdrawals(request: Request, who: Caller) -> Response:
    return ok(request, await runtime_of(request).store.read.withdrawals.list(who.user.id))


@router.post("/withdrawals/{withdrawal_id}/cancel", summary="Cancel a pending withdrawal")
async def cancel(
    request: Request, who: Caller, withdrawal_id: Annotated[int, Path(ge=1)]
) -> Response:
    return await run_action(
        request, who.user, "economy.withdraw_cancel", {"withdrawal_id": withdrawal_id}
    )


@router.post("/2fa", status_code=201, summary="Set up the TOTP second factor for withdrawals")
async def enroll_totp(request: Request, who: Caller) -> Response:
    return await run_action(request, who.user, "economy.totp_enroll", {})
