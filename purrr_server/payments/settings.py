"""Economy settings from the environment (`PURRR_*`): payment provider, rates, quest time zone."""

from __future__ import annotations

from datetime import tzinfo
from decimal import Decimal
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from purrr_core.economy import default_rates


class EconomySettings(BaseSettings):
    """`PURRR_PAYMENT_PROVIDER` (sandbox|coinbase), `PURRR_COINBASE_API_KEY`, `PURRR_USD_RATES`
    (JSON, e.g. `{"BTC": "65000"}`), `PURRR_QUEST_TIMEZONE` (IANA name; default the server's)."""

    model_config = SettingsConfigDict(env_prefix="PURRR_", extra="ignore")

    payment_provider: Literal["sandbox", "coinbase"] = "sandbox"
    coinbase_api_key: str | None = None
    coinbase_api_version: str = "2018-03-22"
    coinbase_base_url: str = "https://api.commerce.coinbase.com"
    usd_rates: dict[str, Decimal] = Field(default_factory=dict)
    quest_timezone: str | None = None

    @cached_property
    def rates(self) -> dict[str, Decimal]:
        """The shipped rate table with any configured overrides."""
        return {**default_rates(), **self.usd_rates}

    @property
    def timezone(self) -> tzinfo:
        """Where daily quests reset at midnight: the configured zone or the server's local one."""
        if self.quest_timezone:
            return ZoneInfo(self.quest_timezone)
        from datetime import datetime

        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
