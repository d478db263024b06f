"""Payment providers for deposits: the offline sandbox (default) or Coinbase Commerce (hosted),
chosen by the settings' `economy` section; and the TOTP second factor for withdrawals."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from purrr_core.economy import PaymentProvider, PayoutProvider, SandboxPayouts, SandboxProvider
from purrr_server.envelope import ApiError
from purrr_server.payments.coinbase import CoinbaseCommerceProvider
from purrr_server.payments.coinbase_exchange import CoinbaseExchangePayouts
from purrr_server.settings import EconomySection, Settings


def provider_for(settings: EconomySection) -> PaymentProvider:
    """The configured provider; Coinbase needs `PURRR_COINBASE_API_KEY`."""
    if settings.payment_provider == "coinbase":
        if not settings.coinbase_api_key:
            raise ApiError(
                "INTERNAL_SERVER_ERROR",
                "PURRR_PAYMENT_PROVIDER=coinbase needs PURRR_COINBASE_API_KEY",
            )
        return CoinbaseCommerceProvider(
            settings.coinbase_api_key,
            api_version=settings.coinbase_api_version,
            base_url=settings.coinbase_base_url,
        )
    return SandboxProvider()


def payout_provider_for(
    settings: EconomySection, hosted: bool, allow_sandbox: bool
) -> PayoutProvider:
    """Where withdrawals are paid out: the operator's Coinbase Exchange account when configured,
    else the sandbox network (local servers, or hosted test servers that opted in with
    `--allow-sandbox-payments`). A hosted server with neither has no payout provider:
    withdrawals wait in the queue and the operator is told why."""
    if settings.payout_provider == "coinbase_exchange":
        key, secret, passphrase = (
            settings.coinbase_exchange_key,
            settings.coinbase_exchange_secret,
            settings.coinbase_exchange_passphrase,
        )
        if not (key and secret and passphrase):
            raise ApiError(
                "INTERNAL_SERVER_ERROR",
                "PURRR_PAYOUT_PROVIDER=coinbase_exchange needs PURRR_COINBASE_EXCHANGE_KEY, "
                "PURRR_COINBASE_EXCHANGE_SECRET and PURRR_COINBASE_EXCHANGE_PASSPHRASE",
            )
        return CoinbaseExchangePayouts(
            key, secret, passphrase, base_url=settings.coinbase_exchange_url
        )
    if hosted and not allow_sandbox:
        raise ApiError(
            "CONFLICT",
            "this hosted server has no payout provider: withdrawals stay pending until one is "
            "configured (or, for a test server only, run it with --allow-sandbox-payments)",
            details={"provider": None},
        )
    return SandboxPayouts(settings.sandbox_payout_delay)


def sandbox_refused(settings: Settings) -> bool:
    """Whether deposits must be refused: a hosted server on the sandbox provider, not opted in."""
    return (
        settings.hosted
        and settings.economy.payment_provider == "sandbox"
        and not settings.allow_sandbox_payments
    )


def startup_notice(settings: Settings) -> str | None:
    """What the operator must hear at start-up about the payment provider, if anything."""
    if not settings.hosted or settings.economy.payment_provider != "sandbox":
        return None
    if settings.allow_sandbox_payments:
        return (
            "payments: the SANDBOX provider is enabled on this hosted server "
            "(--allow-sandbox-payments): any player can credit their own wallet"
        )
    return (
        "payments: no payment provider is configured, so deposits are refused; set "
        "PURRR_PAYMENT_PROVIDER=coinbase and PURRR_COINBASE_API_KEY (or, for a test server "
        "only, --allow-sandbox-payments)"
    )


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI authenticator apps import."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="purrr")


def verify_totp(secret: str, code: str, now: datetime) -> bool:
    """True when `code` is valid at `now` (±30 s for clock drift)."""
    return totp_step(secret, code, now) is not None


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to when it is valid at `now` (±1 step for clock drift).

    The caller records the step it accepted and refuses any step not after it, so each code
    works once (RFC 6238 §5.2).
    """
    totp = pyotp.TOTP(secret)
    code = code.strip()
    if not (code.isascii() and code.isdigit()):
        return None
    current = totp.timecode(now)
    for offset in (-1, 0, 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


__all__ = [
    "CoinbaseCommerceProvider",
    "CoinbaseExchangePayouts",
    "EconomySection",
    "new_totp_secret",
    "payout_provider_for",
    "provider_for",
    "sandbox_refused",
    "startup_notice",
    "totp_step",
    "totp_uri",
    "verify_totp",
]
