"""The server's one settings object, from keyword arguments (the server's flags, the CLI's config)
and the environment (`PURRR_*`), and the injectable clock.

`Settings` is built once when an app starts (`create_app`, `purrr_server.__main__`, the CLI's
in-process server) and reaches every service through the runtime (`runtime.settings`,
`ctx.settings`); nothing reads the environment after that. Its sections group what one feature
reads, each under its own variables: `night_watch` (`PURRR_NIGHT_WATCH_*`) and `economy`
(`PURRR_PAYMENT_PROVIDER`, `PURRR_USD_RATES`…). `timezone` (`PURRR_TIMEZONE`) is the server's
clock for every time-of-day rule (purrr_server.services.timezones).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from purrr_core.nightwatch import NightWatchConfig

DEFAULT_DATA_DIR = Path("~/.purrr/data")

#: Requests per hour by account tier (SPEC §7).
DEFAULT_TIER_LIMITS = {"free": 100, "premium": 1000, "enterprise": 10000}


class NightWatchSection(BaseModel):
    """The night window and deployment limit: `PURRR_NIGHT_WATCH_START_HOUR=21`, `…_END_HOUR=6`,
    `…_MAX_CATS=10`, `…_TICK_MINUTES=30`. Unset values come from the rules table
    (`purrr_core/data/nightwatch.json`). The window is read on the player's clock
    (`PURRR_TIMEZONE`); `…_UTC_OFFSET_MINUTES`, its old fixed-offset form, is still read when
    `PURRR_TIMEZONE` is unset."""

    start_hour: int | None = Field(None, ge=0, le=23)
    end_hour: int | None = Field(None, ge=0, le=23)
    max_cats: int | None = Field(None, ge=1, le=100)
    tick_minutes: int | None = Field(None, ge=5, le=120)
    utc_offset_minutes: int | None = Field(None, ge=-14 * 60, le=14 * 60)

    def config(self, tz: tzinfo = UTC) -> NightWatchConfig:
        """The rules' config, the window read in `tz` (the player's zone)."""
        from purrr_core.nightwatch import NightWatchConfig

        given = self.model_dump(exclude_none=True, exclude={"utc_offset_minutes"})
        return NightWatchConfig(**given, tz=tz)


class EconomySection(BaseModel):
    """`PURRR_PAYMENT_PROVIDER` (sandbox|coinbase), `PURRR_COINBASE_API_KEY`, `PURRR_USD_RATES`
    (JSON, e.g. `{"BTC": "65000"}`)."""

    payment_provider: Literal["sandbox", "coinbase"] = "sandbox"
    coinbase_api_key: str | None = None
    coinbase_api_version: str = "2018-03-22"
    coinbase_base_url: str = "https://api.commerce.coinbase.com"
    usd_rates: dict[str, Decimal] = Field(default_factory=dict)
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

    @property
    def rates(self) -> dict[str, Decimal]:
        """The shipped rate table with any configured overrides."""
        from purrr_core.economy import default_rates

        return {**default_rates(), **self.usd_rates}

    @property
    def withdrawal_hold(self) -> timedelta:
        from purrr_core.economy import HOLD

        if self.withdrawal_hold_seconds is None:
            return HOLD
        return timedelta(seconds=self.withdrawal_hold_seconds)

    @property
    def sandbox_payout_delay(self) -> timedelta:
        from purrr_core.economy import SANDBOX_SETTLE

        if self.sandbox_payout_seconds is None:
            return SANDBOX_SETTLE
        return timedelta(seconds=self.sandbox_payout_seconds)


#: Each section's fields are read from the environment with this prefix.
SECTION_PREFIXES = {"night_watch": "PURRR_NIGHT_WATCH_", "economy": "PURRR_"}
PREFIX = "PURRR_"


class SettingsError(ValueError):
    """A variable that must hold JSON (a list, a mapping, a section) does not; the message
    names the field (`field "cors_origins"`)."""


def _is_json(annotation: Any) -> bool:
    """Whether a field of this type is given as JSON in the environment (lists, mappings and
    models, alone or in a union)."""
    kinds = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    for kind in kinds:
        origin = get_origin(kind) or kind
        if isinstance(origin, type) and issubclass(origin, (BaseModel, list, dict, set, tuple)):
            return True
    return False


def _from_environment(model: type[BaseModel], prefix: str) -> dict[str, Any]:
    """The values of `model`'s fields set in the environment: `PREFIX` + the field's name, in any
    case (a field with a validation alias: the alias); lists, mappings and sections as JSON."""
    variables = {name.upper(): value for name, value in os.environ.items()}
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            # the first of its variable names that is set (a renamed variable keeps its old name)
            names = [str(choice).upper() for choice in alias.choices if isinstance(choice, str)]
            names = [choice for choice in names if choice.startswith(PREFIX)]
        else:
            names = [(alias if isinstance(alias, str) else prefix + name).upper()]
        variable = next((choice for choice in names if choice in variables), None)
        if variable is None:
            continue
        value: Any = variables[variable]
        if _is_json(field.annotation):
            try:
                value = json.loads(value)
            except ValueError:
                raise SettingsError(
                    f'error parsing value for field "{name}" from {variable}: not JSON'
                ) from None
        values[name] = value
    return values


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`, mappings merged key by key (a section's keyword arguments keep
    its other values from the environment)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def variable_for(location: tuple[int | str, ...]) -> str:
    """The environment variable that sets the field at `location` (a validation error's; a bare
    field name of a section is found in its section)."""
    if not location:
        return "PURRR_*"
    if location[0] == "pinned_now":
        return "PURRR_NOW"
    if location[0] == "timezone":
        import os

        # the name it was set under: the old PURRR_QUEST_TIMEZONE still works
        old = "PURRR_QUEST_TIMEZONE" in os.environ and "PURRR_TIMEZONE" not in os.environ
        return "PURRR_QUEST_TIMEZONE" if old else "PURRR_TIMEZONE"
    if len(location) > 1 and location[0] in SECTION_PREFIXES:
        return f"{SECTION_PREFIXES[str(location[0])]}{str(location[1]).upper()}"
    for name, prefix in SECTION_PREFIXES.items():
        section = Settings.model_fields[name].annotation
        if location[0] not in Settings.model_fields and location[0] in section.model_fields:  # type: ignore[union-attr]
            return f"{prefix}{str(location[0]).upper()}"
    return f"PURRR_{str(location[0]).upper()}"


class Settings(BaseModel):
    """Everything the server needs to start. `PURRR_DATA_DIR`, `PURRR_PORT`, `PURRR_NOW`…

    Keyword arguments win over `PURRR_<FIELD>` variables, which win over each section's own
    variables (`SECTION_PREFIXES`); the environment is read once, when the object is built.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    #: TCP port on `host`; None serves on the Unix socket only.
    port: int | None = Field(8642, ge=0, le=65535)
    #: Also (or only) serve on this Unix socket (the local daemon).
    uds: Path | None = None
    access_log: bool = False
    #: Hosted mode: many accounts (register/login), rate limits, CORS and security headers.
    hosted: bool = False
    rate_limit: bool = True
    #: Hosted servers refuse deposits through the sandbox payment provider (any player could
    #: credit their own wallet) unless the operator opts in (`--allow-sandbox-payments`).
    allow_sandbox_payments: bool = False
    #: Hosted servers refuse `POST /backup/restore` (a link's "keep local" upload): a backup is
    #: the client's word for every balance. Opt in only for servers whose players you trust.
    allow_game_uploads: bool = False
    #: Pins the clock (ISO 8601); tests and replays use it. Read through `now()`.
    pinned_now: datetime | None = Field(None, validation_alias="PURRR_NOW")
    #: The server's time zone (IANA name, or `UTC±HH:MM`) for every time-of-day rule: the Night
    #: Watch window, activity schedules, daily quest resets; players may set their own in hosted
    #: mode. Unset: the machine's (`TZ`). `PURRR_QUEST_TIMEZONE` is its old name.
    timezone: str | None = Field(
        None, validation_alias=AliasChoices("timezone", "PURRR_TIMEZONE", "PURRR_QUEST_TIMEZONE")
    )
    cors_origins: list[str] = Field(default_factory=list)
    tier_limits: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_TIER_LIMITS))
    rate_window_seconds: int = 3600
    #: Requests refused with 429 within one window before the client is banned.
    ban_after_violations: int = 20
    ban_seconds: int = 3600
    token_ttl_seconds: int = 86400
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    #: Argon2id cost for new password hashes (RFC 9106 "second recommended" by default).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    #: How long an authenticated credential is trusted from the in-memory cache: a revoked key,
    #: a logout or a deleted account is refused by every other process after at most this long.
    auth_cache_seconds: float = Field(1.0, ge=0)
    #: How often (seconds) each process merges its rate-limit counts with the database's and
    #: reads the bans other processes wrote (docs/hosting.md explains the bounded overshoot).
    shared_state_seconds: float = Field(1.0, gt=0, le=60)
    #: While a live event stream is open, how often (seconds) each process looks for events
    #: written by other processes on the same database (SQLite; one small read per process).
    events_poll_seconds: float = Field(0.25, gt=0, le=1)
    night_watch: NightWatchSection = Field(default_factory=NightWatchSection)
    economy: EconomySection = Field(default_factory=EconomySection)
    busy_timeout_ms: int = 10000
    #: The database: unset for the SQLite file in the data dir (the default, zero setup), or a
    #: PostgreSQL URL (`postgresql://user:password@host:5432/purrr`, libpq's form) for a hosted
    #: server (`--database`, `PURRR_DATABASE_URL`; used only with `hosted`).
    database_url: str | None = None
    #: Connections one process keeps to PostgreSQL at most (its pool; SQLite ignores it).
    database_pool_size: int = Field(10, ge=1, le=1000)
    #: The most mutations one `POST /sync/push` may carry (each also counts against the
    #: player's rate limit); the local game pushes in batches of 500.
    sync_push_max_batch: int = Field(500, ge=1, le=1000)
    log_level: str = "info"
    #: Request bodies larger than this are refused with 413 before they are parsed.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    #: Cats one player may keep (adopting, breeding); kittens of breedings under way still arrive.
    max_cats_per_player: int = Field(300, ge=1)
    #: Live event streams (`GET /api/v1/events/stream`) one player may hold open at once.
    max_streams_per_player: int = Field(5, ge=1)
    #: Multiplayer rooms one player may be in at once (hosted servers; one cat per room).
    max_rooms_per_player: int = Field(3, ge=1)
    #: CPU-heavy reads (pair ranking, genetics) running at once, in worker threads.
    heavy_workers: int = Field(2, ge=1)
    #: Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed (addresses, networks or
    #: "*"); empty: the peer address is the client, whatever the headers say.
    forwarded_allow_ips: list[str] = Field(default_factory=list)

    def __init__(self, **values: Any) -> None:
        sections: dict[str, Any] = {}
        for name, prefix in SECTION_PREFIXES.items():
            section = type(self).model_fields[name].annotation
            assert isinstance(section, type) and issubclass(section, BaseModel)
            if found := _from_environment(section, prefix):
                sections[name] = found
        fields = type(self).model_fields
        given = {
            (_field_of_alias(key) if key not in fields else key): value
            for key, value in values.items()
        }
        super().__init__(**_merged(_merged(sections, _from_environment(type(self), PREFIX)), given))

    @field_validator("data_dir", "uds", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("database_url", mode="after")
    @classmethod
    def _postgresql_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "the database URL must start with postgresql:// "
                "(e.g. postgresql://purrr@db.example.com/purrr); "
                "leave it unset for the SQLite file in the data dir"
            )
        return value

    @property
    def database(self) -> Path | str:
        """What the store opens: the PostgreSQL URL on a hosted server that has one, else the
        SQLite file (the local game and the daemon always use SQLite, whatever the env says)."""
        return self.database_url if self.hosted and self.database_url else self.db_path

    @field_validator("pinned_now", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("timezone", mode="after")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if not value:
            return None
        from purrr_server.services.timezones import checked

        return checked(value)

    def now(self) -> datetime:
        """The game clock: `PURRR_NOW` when pinned, otherwise the UTC wall clock."""
        return self.pinned_now or datetime.now(UTC)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "purrr.db"

    @property
    def token_path(self) -> Path:
        """The local player's bearer token (0600), read by the CLI in local mode."""
        return self.data_dir / "local-token"


def _field_of_alias(key: str) -> str:
    """The field whose validation alias is `key` (`PURRR_NOW` → `pinned_now`), else `key`."""
    for name, field in Settings.model_fields.items():
        if field.validation_alias == key:
            return name
    return key
