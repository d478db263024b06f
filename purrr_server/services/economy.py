"""Wallet actions: opening, deposits through the payment provider, confirmations, withdrawals.

`change_wallet` is the one way any action (store, games, quests) moves money: it applies
`purrr_core.economy.apply_changes` and writes the new balances and the ledger entries in the
action's transaction, so a refusal anywhere rolls every change back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from purrr_core import NotFound
from purrr_core.economy import (
    Change,
    LedgerEntry,
    Payout,
    PayoutOutcome,
    PayoutProvider,
    PayoutRequest,
    Wallet,
    apply_changes,
    charge_view,
    deposit_request,
    due_for_sending,
    open_wallet,
    payout_reference,
    refund_withdrawal,
    release_funds,
    request_withdrawal,
    send_withdrawal,
    settle_deposit,
    withdrawal_request,
)
from purrr_core.errors import Conflict
from purrr_core.models import LongLabel
from purrr_server import payments
from purrr_server.actions import (
    ActionArgs,
    ActionContext,
    ActionResult,
    NoArgs,
    Preparing,
    RowId,
    action,
)
from purrr_server.envelope import ApiError

#: A decimal amount as a string ("0.05"; exact) or a JSON number.
Amount = Annotated[str, Field(max_length=40)] | int | float
Currency = Annotated[str, Field(max_length=20, examples=["BTC"])]

if TYPE_CHECKING:
    from purrr_server.settings import Settings


class Balance(ActionResult):
    """Coins (an integer) and every currency's balance (decimal strings, 8 places)."""

    coins: int
    locked: dict[str, str]


class DepositArgs(ActionArgs):
    """Open a payment charge for `amount_usd` USD paid in `crypto_type`."""

    crypto_type: Currency
    amount_usd: Amount = Field(..., examples=["10.00"])


class ChargeOut(ActionResult):
    charge_id: str
    provider: str
    currency: str
    amount_usd: str
    amount_crypto: str
    status: str
    payment_url: str | None = None
    created_at: str
    expires_at: str


class ConfirmArgs(ActionArgs):
    charge_id: str = Field(..., min_length=1, max_length=100)


class Confirmed(ActionResult):
    charge: ChargeOut
    balance: Balance


class TotpEnrolled(ActionResult):
    secret: str = Field(..., description="Shown only in this response; never exported.")
    otpauth_uri: str


class WithdrawArgs(ActionArgs):
    """Queue a withdrawal; the amount is locked until it is processed or cancelled."""

    crypto_type: Currency
    amount: Amount = Field(..., examples=["0.05"])
    address: LongLabel
    totp_code: str | None = Field(
        None, max_length=10, description="Required in hosted mode; each code works once."
    )


class WithdrawalOut(ActionResult):
    id: int
    currency: str
    amount: str
    address: str
    status: str = Field(
        ...,
        description="pending, processing (sent; amount debited), settled, failed (amount "
        "refunded), cancelled or rejected.",
    )
    provider: str | None = None
    payout_id: str | None = None
    submitted_at: str | None = None
    finished_at: str | None = None
    failure_reason: str | None = None


class Withdrawal(ActionResult):
    withdrawal: WithdrawalOut
    balance: Balance


class CancelArgs(ActionArgs):
    withdrawal_id: RowId


class RejectArgs(ActionArgs):
    withdrawal_id: RowId
    reason: LongLabel = Field("rejected by the operator", examples=["address on a sanctions list"])


def account(ctx: ActionContext, user_id: int | None = None) -> str:
    return f"user:{ctx.user_id if user_id is None else user_id}"


async def wallet_of(ctx: ActionContext, user_id: int | None = None) -> Wallet:
    """The caller's wallet (or `user_id`'s: a room round pays every player in it), opened
    (with the starting coins, one ledger entry) on first use."""
    owner = ctx.user_id if user_id is None else user_id
    wallet: Wallet | None = await ctx.store.wallets.load(owner)
    if wallet is not None:
        return wallet
    wallet, entries = open_wallet(account(ctx, owner), f"v{ctx.version}")
    await record(ctx, wallet, entries, owner)
    return wallet


async def record(
    ctx: ActionContext, wallet: Wallet, entries: list[LedgerEntry], user_id: int | None = None
) -> None:
    """Write the new balances and their ledger entries."""
    owner = ctx.user_id if user_id is None else user_id
    await ctx.store.wallets.save(owner, wallet)
    await ctx.store.wallets.append(owner, entries, ctx.stamp)


async def change_wallet(
    ctx: ActionContext, changes: Sequence[Change], user_id: int | None = None
) -> Wallet:
    """Apply `changes` all-or-nothing (Conflict names any shortfall) and record them, to the
    caller's wallet or `user_id`'s."""
    owner = ctx.user_id if user_id is None else user_id
    wallet, entries = apply_changes(
        await wallet_of(ctx, owner),
        changes,
        account=account(ctx, owner),
        action_ref=f"v{ctx.version}",
    )
    await record(ctx, wallet, entries, owner)
    return wallet


async def save_wallet(ctx: ActionContext, wallet: Wallet) -> None:
    """Store locked-amount changes (locks move no money, so they write no ledger entry)."""
    await ctx.store.wallets.save(ctx.user_id, wallet)


@action("economy.open", args=NoArgs, result=Balance, scope="read")
async def open_account(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
    """Open the wallet (run by the first balance read: a catch-up)."""
    return (await wallet_of(ctx)).view()


@action("economy.deposit", args=DepositArgs, result=ChargeOut, status_code=201, syncs=False)
async def deposit(ctx: ActionContext, args: DepositArgs) -> dict[str, Any]:
    settings = ctx.settings.economy
    _check_provider(ctx)
    request = deposit_request(
        reference=f"{ctx.user_id}:{ctx.seed}",
        account=account(ctx),
        currency=args.crypto_type,
        amount_usd=args.amount_usd,
        now=ctx.now,
        rates=settings.rates,
    )
    await wallet_of(ctx)
    charge = await payments.provider_for(settings).create_charge(request)
    await ctx.store.charges.add(ctx.user_id, charge)
    ctx.emit("economy.charge_created", {"charge_id": charge.charge_id})
    return charge_view(charge)


@action("economy.confirm", args=ConfirmArgs, result=Confirmed, syncs=False)
async def confirm(ctx: ActionContext, args: ConfirmArgs) -> dict[str, Any]:
    charge_id = args.charge_id
    _check_provider(ctx)
    charge = await ctx.store.charges.get(ctx.user_id, charge_id)
    if charge is None:
        raise NotFound(f"charge {charge_id} not found", details={"charge_id": charge_id})
    provider = payments.provider_for(ctx.settings.economy)
    if charge.provider != provider.name:
        raise Conflict(
            f"charge {charge_id} belongs to the {charge.provider} provider",
            details={"charge_id": charge_id, "provider": charge.provider},
        )
    status = "confirmed" if provider.manual_confirm else await provider.charge_status(charge)
    wallet, charge, entries = settle_deposit(
        await wallet_of(ctx),
        charge,
        status,
        ctx.now,
        account=account(ctx),
        action_ref=f"v{ctx.version}",
    )
    await record(ctx, wallet, entries)
    await ctx.store.charges.save(ctx.user_id, charge)
    ctx.emit("economy.deposit_confirmed", {"charge_id": charge_id})
    return {"charge": charge_view(charge), "balance": wallet.view()}


@action(
    "economy.totp_enroll",
    args=NoArgs,
    result=TotpEnrolled,
    status_code=201,
    scope="admin",
    syncs=False,
    secret_result=("secret", "otpauth_uri"),
)
async def totp_enroll(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
    if await ctx.store.totp.get(ctx.user_id) is not None:
        raise Conflict("a second factor is already set up for withdrawals")
    secret = payments.new_totp_secret()
    await ctx.store.totp.put(ctx.user_id, secret, ctx.stamp)
    username = ctx.user.username if ctx.user else str(ctx.user_id)
    return {"secret": secret, "otpauth_uri": payments.totp_uri(secret, username)}


async def _check_second_factor(ctx: ActionContext, code: str | None) -> None:
    """Hosted mode: a valid TOTP code, each accepted once (the step is recorded in this
    transaction, so a code replayed, even concurrently, is refused)."""
    if not ctx.settings.hosted:
        return
    secret = await ctx.store.totp.get(ctx.user_id)
    if secret is None:
        raise ApiError(
            "FORBIDDEN",
            "withdrawals need a second factor: set one up with POST /api/v1/economy/2fa first",
        )
    step = payments.totp_step(secret, code, ctx.now) if code else None
    if step is None:
        raise ApiError(
            "FORBIDDEN", "the TOTP code is missing or wrong", details={"field": "totp_code"}
        )
    if not await ctx.store.totp.use_step(ctx.user_id, step):
        raise ApiError(
            "FORBIDDEN",
            "this TOTP code was already used; wait for the next one",
            details={"field": "totp_code"},
        )


def _check_provider(ctx: ActionContext) -> None:
    """A hosted server takes real money only: the sandbox provider needs the operator's opt-in."""
    if payments.sandbox_refused(ctx.settings):
        raise ApiError(
            "FORBIDDEN",
            "deposits are not available: this hosted server has no payment provider configured",
            details={"provider": ctx.settings.economy.payment_provider},
        )


@action(
    "economy.withdraw",
    args=WithdrawArgs,
    result=Withdrawal,
    status_code=201,
    syncs=False,
    secret_args=("totp_code",),
)
async def withdraw(ctx: ActionContext, args: WithdrawArgs) -> dict[str, Any]:
    request = withdrawal_request(args.crypto_type, args.amount, args.address)
    await _check_second_factor(ctx, args.totp_code)
    wallet = request_withdrawal(await wallet_of(ctx), request)
    await save_wallet(ctx, wallet)
    row = await ctx.store.withdrawals.add(
        ctx.user_id, request.currency, request.amount, request.address, ctx.stamp
    )
    ctx.emit("economy.withdrawal_requested", {"withdrawal_id": row["id"]})
    return {"withdrawal": row, "balance": wallet.view()}


@action("economy.withdraw_cancel", args=CancelArgs, result=Withdrawal, syncs=False)
async def cancel_withdrawal(ctx: ActionContext, args: CancelArgs) -> dict[str, Any]:
    withdrawal_id = args.withdrawal_id
    row = await _pending(ctx, withdrawal_id)
    if not await ctx.store.withdrawals.transition(
        ctx.user_id, withdrawal_id, "pending", "cancelled", ctx.stamp, finished_at=ctx.stamp
    ):
        raise Conflict(f"withdrawal {withdrawal_id} is no longer pending")
    wallet = release_funds(await wallet_of(ctx), row["currency"], row["amount"])
    await save_wallet(ctx, wallet)
    ctx.emit("economy.withdrawal_cancelled", {"withdrawal_id": withdrawal_id})
    updated = await ctx.store.withdrawals.get(ctx.user_id, withdrawal_id)
    return {"withdrawal": updated, "balance": wallet.view()}


def payout_provider(settings: Settings) -> PayoutProvider:
    return payments.payout_provider_for(
        settings.economy, settings.hosted, settings.allow_sandbox_payments
    )


async def _mark_sent(
    ctx: ActionContext, row: dict[str, Any], provider: PayoutProvider, at: datetime
) -> None:
    """Pending → processing, the first phase of a send: the amount leaves the wallet and the
    withdrawal is this provider's to pay (sent `at`: when it became due, so a lazy catch-up gives
    the same times however late it runs). No payout id yet: the provider is called after this
    transaction commits (`_prepare_catch_up`), and the next catch-up records its answer."""
    if not await ctx.store.withdrawals.transition(
        ctx.user_id,
        row["id"],
        "pending",
        "processing",
        ctx.stamp,
        provider=provider.name,
        submitted_at=at.isoformat(),
    ):
        raise Conflict(f"withdrawal {row['id']} is no longer pending")
    wallet, entries = send_withdrawal(
        await wallet_of(ctx),
        row["currency"],
        row["amount"],
        account=account(ctx),
        action_ref=f"v{ctx.version}",
        counterparty=f"{provider.name}:{payout_reference(row['id'])}",
    )
    await record(ctx, wallet, entries)


async def _finish(ctx: ActionContext, row: dict[str, Any], outcome: PayoutOutcome) -> bool:
    """Processing → settled, or → failed with the amount refunded (each exactly once)."""
    if outcome.status == "processing":
        return False
    moved = await ctx.store.withdrawals.transition(
        ctx.user_id,
        row["id"],
        "processing",
        outcome.status,
        ctx.stamp,
        finished_at=ctx.stamp,
        failure_reason=outcome.reason,
    )
    if not moved:
        return False
    if outcome.status == "failed":
        wallet, entries = refund_withdrawal(
            await wallet_of(ctx),
            row["currency"],
            row["amount"],
            account=account(ctx),
            action_ref=f"v{ctx.version}",
            counterparty=f"{row['provider']}:{row['payout_id']}",
        )
        await record(ctx, wallet, entries)
    ctx.emit(
        f"economy.withdrawal_{outcome.status}",
        {"withdrawal_id": row["id"], "reason": outcome.reason},
    )
    return True


def _payout_of(row: dict[str, Any]) -> Payout:
    return Payout(
        payout_id=row["payout_id"],
        provider=row["provider"],
        submitted_at=datetime.fromisoformat(row["submitted_at"]),
    )


def _unsent(row: dict[str, Any], provider: PayoutProvider) -> bool:
    """Marked processing for this provider, its payout not yet acknowledged."""
    return (
        row["status"] == "processing"
        and row["payout_id"] is None
        and row["provider"] == provider.name
    )


def withdrawals_due(
    rows: list[dict[str, Any]], now: datetime, settings: Settings, provider: PayoutProvider | None
) -> bool:
    """Whether a catch-up would move any of these open withdrawals (checked on reads, before
    deciding to run the `economy.withdrawals_catch_up` action)."""
    hold, hosted = settings.economy.withdrawal_hold, settings.hosted
    for row in rows:
        if row["status"] == "processing":
            if provider is not None and (_unsent(row, provider) or _checkable(row, provider, now)):
                return True
        elif not hosted and due_for_sending(datetime.fromisoformat(row["created_at"]), now, hold):
            return True
    return False


def _checkable(row: dict[str, Any], provider: PayoutProvider, now: datetime) -> bool:
    """A processing withdrawal this provider acknowledged, worth asking about now."""
    if row["provider"] != provider.name or row["payout_id"] is None:
        return False
    return provider.check_due(_payout_of(row), datetime.fromisoformat(row["updated_at"]), now)


class ProviderTrouble(ActionResult):
    """A withdrawal the payout provider could not be asked about this time (it stays as it is;
    the next catch-up asks again)."""

    withdrawal_id: int
    message: str


class CaughtUp(ActionResult):
    """The withdrawals a catch-up moved (sent, settled or failed), with their new state."""

    withdrawals: list[WithdrawalOut]
    provider_errors: list[ProviderTrouble] = Field(default_factory=list)


async def _prepare_catch_up(prep: Preparing, args: NoArgs) -> dict[str, Any]:
    """The provider calls of a catch-up, made before its transaction opens: send every
    withdrawal marked processing but not yet acknowledged (under its reference, so a repeat
    pays nothing twice) and ask about every payout that is due a look. The answers reach the
    handler, which records them only for withdrawals still in the state they were asked in."""
    if prep.user is None:
        return {}
    rows = await prep.read.withdrawals.open_for_user(prep.user.id)
    if not any(row["status"] == "processing" for row in rows):
        return {}
    try:
        provider = payout_provider(prep.settings)
    except ApiError:
        return {}  # a hosted server without a payout provider: the handler says why
    sent: dict[str, str] = {}
    outcomes: dict[str, dict[str, Any]] = {}
    troubles: list[dict[str, Any]] = []
    for row in rows:
        try:
            if _unsent(row, provider):
                payout = await provider.submit_payout(
                    PayoutRequest(
                        reference=payout_reference(row["id"]),
                        currency=row["currency"],
                        amount=row["amount"],
                        address=row["address"],
                        now=datetime.fromisoformat(row["submitted_at"]),
                    )
                )
                sent[str(row["id"])] = payout.payout_id
                row = {**row, "payout_id": payout.payout_id}
            if _checkable(row, provider, prep.now):
                outcome = await provider.payout_status(_payout_of(row), row["address"], prep.now)
                outcomes[str(row["id"])] = outcome.model_dump()
        except ApiError as exc:
            troubles.append({"withdrawal_id": row["id"], "message": exc.message})
    return {"sent": sent, "outcomes": outcomes, "troubles": troubles}


@action(
    "economy.withdrawals_catch_up",
    args=NoArgs,
    result=CaughtUp,
    scope="read",
    syncs=False,
    prepare=_prepare_catch_up,
)
async def catch_up_withdrawals(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
    """Move the caller's withdrawals as far as time and the payout provider allow: a local
    server marks a pending one sent after its hold; the provider's answers (asked before this
    transaction, `_prepare_catch_up`) record a payout id, or settle or fail (refund) a payout.
    A withdrawal marked sent here is sent to the provider by the next catch-up's preparation."""
    moved: list[int] = []
    rows = await ctx.store.withdrawals.open_for_user(ctx.user_id)
    if not rows:
        return {"withdrawals": []}
    provider = payout_provider(ctx.settings)
    sent: dict[str, str] = ctx.prepared.get("sent", {})
    outcomes: dict[str, dict[str, Any]] = ctx.prepared.get("outcomes", {})
    hold = ctx.settings.economy.withdrawal_hold
    for row in rows:
        key = str(row["id"])
        if row["status"] == "pending":
            created = datetime.fromisoformat(row["created_at"])
            if not ctx.settings.hosted and due_for_sending(created, ctx.now, hold):
                await _mark_sent(ctx, row, provider, created + hold)
                moved.append(row["id"])
            continue
        if row["payout_id"] is None and key in sent and _unsent(row, provider):
            if await ctx.store.withdrawals.record_payout(
                ctx.user_id, row["id"], sent[key], ctx.stamp
            ):
                ctx.emit(
                    "economy.withdrawal_sent", {"withdrawal_id": row["id"], "payout_id": sent[key]}
                )
                moved.append(row["id"])
                row = {**row, "payout_id": sent[key]}
        if key not in outcomes or row["payout_id"] is None:
            continue
        outcome = PayoutOutcome.model_validate(outcomes[key])
        if outcome.status == "processing":
            # remember when the provider was last asked (reads wait before asking again)
            await ctx.store.withdrawals.transition(
                ctx.user_id, row["id"], "processing", "processing", ctx.stamp
            )
        elif await _finish(ctx, row, outcome) and row["id"] not in moved:
            moved.append(row["id"])
    changed = [await ctx.store.withdrawals.get(ctx.user_id, i) for i in moved]
    return {
        "withdrawals": [w for w in changed if w is not None],
        "provider_errors": ctx.prepared.get("troubles", []),
    }


def _operator_only(ctx: ActionContext, what: str) -> None:
    if ctx.via != "internal":
        raise ApiError(
            "FORBIDDEN",
            f"withdrawals are {what} by the server's operator: purrr server withdrawals",
        )


async def _pending(ctx: ActionContext, withdrawal_id: int) -> dict[str, Any]:
    row = await ctx.store.withdrawals.get(ctx.user_id, withdrawal_id)
    if row is None:
        raise NotFound(
            f"withdrawal {withdrawal_id} not found", details={"withdrawal_id": withdrawal_id}
        )
    if row["status"] != "pending":
        raise Conflict(
            f"withdrawal {withdrawal_id} is {row['status']}, not pending",
            details={"withdrawal_id": withdrawal_id, "status": row["status"]},
        )
    return row


@action("economy.withdrawal_approve", args=CancelArgs, result=Withdrawal, syncs=False)
async def approve_withdrawal(ctx: ActionContext, args: CancelArgs) -> dict[str, Any]:
    """The operator lets a pending withdrawal go: it is marked sent (amount debited) and the
    next catch-up (`purrr server withdrawals approve` runs one at once) pays it out."""
    _operator_only(ctx, "approved")
    row = await _pending(ctx, args.withdrawal_id)
    await _mark_sent(ctx, row, payout_provider(ctx.settings), ctx.now)
    updated = await ctx.store.withdrawals.get(ctx.user_id, args.withdrawal_id)
    return {"withdrawal": updated, "balance": (await wallet_of(ctx)).view()}


@action("economy.withdrawal_reject", args=RejectArgs, result=Withdrawal, syncs=False)
async def reject_withdrawal(ctx: ActionContext, args: RejectArgs) -> dict[str, Any]:
    """The operator refuses a pending withdrawal; its amount is unlocked."""
    _operator_only(ctx, "rejected")
    row = await _pending(ctx, args.withdrawal_id)
    if not await ctx.store.withdrawals.transition(
        ctx.user_id,
        args.withdrawal_id,
        "pending",
        "rejected",
        ctx.stamp,
        finished_at=ctx.stamp,
        failure_reason=args.reason,
    ):
        raise Conflict(f"withdrawal {args.withdrawal_id} is no longer pending")
    wallet = release_funds(await wallet_of(ctx), row["currency"], row["amount"])
    await save_wallet(ctx, wallet)
    ctx.emit(
        "economy.withdrawal_rejected", {"withdrawal_id": args.withdrawal_id, "reason": args.reason}
    )
    updated = await ctx.store.withdrawals.get(ctx.user_id, args.withdrawal_id)
    return {"withdrawal": updated, "balance": wallet.view()}
