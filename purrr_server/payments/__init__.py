"""Payment providers for deposits: the offline sandbox (default) or Coinbase Commerce (hosted),
chosen by `EconomySettings`; and the TOTP second factor for withdrawals."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import pyotp

from purrr_core.economy import PaymentProvider, SandboxProvider
from purrr_server.envelope import ApiError
from purrr_server.payments.coinbase import CoinbaseCommerceProvider
from purrr_server.payments.settings import EconomySettings


@cache
def economy_settings() -> EconomySettings:
    """The economy settings of this process (read once from the environment)."""
    return EconomySettings()


def provider_for(settings: EconomySettings) -> PaymentProvider:
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


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI authenticator apps import."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="purrr")


def verify_totp(secret: str, code: str, now: datetime) -> bool:
    """True when `code` is valid at `now` (±30 s for clock drift)."""
    return pyotp.TOTP(secret).verify(code.strip(), for_time=now, valid_window=1)


__all__ = [
    "CoinbaseCommerceProvider",
    "EconomySettings",
    "economy_settings",
    "new_totp_secret",
    "provider_for",
    "totp_uri",
    "verify_totp",
]
