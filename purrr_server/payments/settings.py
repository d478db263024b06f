"""Economy settings from the environment (`PURRR_*`): payment provider, rates, quest time zone."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from decimal import Decimal
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from purrr_core.economy import HOLD, SANDBOX_SETTLE, default_rates


class EconomySettings(BaseSettings):
    """`PURRR_PAYMENT_PROVIDER` (sandbox|coinbase), `PURRR_COINBASE_API_KEY`, `PURRR_USD_RATES`
    (JSON, e.g. `{"BTC": "65000"}`), `PURRR_QUEST_TIMEZONE` (IANA name; default the server's),
    `PURRR_PAYOUT_PROVIDER` (sandbox|coinbase_exchange) and its keys,
    `PURRR_WITHDRAWAL_HOLD_SECONDS`, `PURRR_SANDBOX_PAYOUT_SECONDS`."""

    model_config = SettingsConfigDict(env_prefix="PURRR_", extra="ignore")

    payment_provider: Literal["sandbox", "coinbase"] = "sandbox"
    coinbase_api_key: str | None = None
    coinbase_api_version: str = "2018-03-22"
    coinbase_base_url: str = "https://api.commerce.coinbase.com"
    usd_rates: dict[str, Decimal] = Field(default_factory=dict)
    quest_timezone: str | None = None
    #: Where withdrawals are paid out: the sandbox network, or the operator's Coinbase Exchange
    #: account (`PURRR_COINBASE_EXCHANGE_KEY`, `_SECRET`, `_PASSPHRASE`).
    payout_provider: Literal["sandbox", "coinbase_exchange"] = "sandbox"
    coinbase_exchange_key: str | None = None
    coinbase_exchange_secret: str | None = None
    coinbase_exchange_passphrase: str | None = None
    coinbase_exchange_url: str = "https://api.exchange.coinbase.com"
    #: Seconds a local server holds a new withdrawal (cancellable) before sending it; default
    #: `hold_seconds` of purrr_core/data/economy.json.
    withdrawal_hold_seconds: int | None = Field(None, ge=0)
    #: Seconds the sandbox payout network takes to settle; default `sandbox_settle_seconds`.
    sandbox_payout_seconds: int | None = Field(None, ge=0)

    @cached_property
    def rates(self) -> dict[str, Decimal]:
        """The shipped rate table with any configured overrides."""
        return {**default_rates(), **self.usd_rates}

    @property
    def withdrawal_hold(self) -> timedelta:
        return (
            HOLD
            if self.withdrawal_hold_seconds is None
            else timedelta(seconds=self.withdrawal_hold_seconds)
        )

    @property
    def sandbox_payout_delay(self) -> timedelta:
        if self.sandbox_payout_seconds is None:
            return SANDBOX_SETTLE
        return timedelta(seconds=self.sandbox_payout_seconds)

    @property
    def timezone(self) -> tzinfo:
        """Where daily quests reset at midnight: the configured zone or the server's local one."""
        if self.quest_timezone:
            return ZoneInfo(self.quest_timezone)
        from datetime import datetime

        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
