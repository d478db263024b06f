"""Per-app state: settings, the store and the in-memory caches, reached as `request.app.state.runtime`.

The database schema is migrated synchronously when the runtime is built (so `create_app` leaves a
ready database and, in local mode, the local token file). The connections are opened
lazily by the first request (SQLite: aiosqlite connections; PostgreSQL: a psycopg pool), so the app also works under transports that skip ASGI lifespan.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request

from purrr_server.ratelimit import RateLimiter
from purrr_server.settings import Settings
from purrr_server.store import Store, bootstrap, migrate
from purrr_server.store.credentials import Credential


@dataclass
class Runtime:
    settings: Settings
    store: Store
    limiter: RateLimiter
    #: secret digest → (credential, cached at monotonic seconds)
    auth_cache: dict[str, tuple[Credential, float]] = field(default_factory=dict)
    #: (user id, Idempotency-Key) of requests being executed right now
    in_flight: set[tuple[int, str]] = field(default_factory=set)
    #: (username, ip) → monotonic times of recent failed logins
    login_failures: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    #: api key id → monotonic time its last_used_at was written
    key_touched: dict[int, float] = field(default_factory=dict)
    background: set[asyncio.Task[None]] = field(default_factory=set)

    async def ensure_open(self) -> None:
        """Open the store on first use and load persisted bans."""
        if self.store.is_open:
            return
        await self.store.open()
        bans = await self.store.read.security.active_bans(self.settings.now().isoformat())
        self.limiter.load_bans({k: datetime.fromisoformat(v).timestamp() for k, v in bans.items()})

    def forget_user(self, user_id: int) -> None:
        """Drop cached credentials of `user_id` (logout, key revoked, account deleted)."""
        for digest, (cred, _) in list(self.auth_cache.items()):
            if cred.user.id == user_id:
                del self.auth_cache[digest]

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run bookkeeping in the background, keeping a reference until it finishes."""
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def close(self) -> None:
        if self.background:
            await asyncio.gather(*self.background, return_exceptions=True)
        await self.store.close()


def build_runtime(settings: Settings) -> Runtime:
    """Prepare the data dir and database, then the runtime (connections open on first use)."""
    prepare_data_dir(settings)
    limiter = RateLimiter(
        settings.rate_window_seconds, settings.ban_after_violations, settings.ban_seconds
    )
    store = Store(
        settings.database,
        busy_timeout_ms=settings.busy_timeout_ms,
        pool_size=settings.database_pool_size,
    )
    return Runtime(settings, store, limiter)


def prepare_data_dir(settings: Settings) -> None:
    """Create the data dir, migrate the database and, in local mode, the local player and token."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    migrate(settings.database)
    if not settings.hosted:
        ensure_local_token(settings)


def ensure_local_token(settings: Settings) -> str:
    """The local player's bearer token, creating the player and `DATA_DIR/local-token` if needed.

    Synchronous so the CLI can call it before talking to any server.
    """
    from purrr_server.auth import hash_secret

    path = settings.token_path
    if path.exists():
        token = path.read_text().strip()
        if token and bootstrap.token_known(settings.db_path, hash_secret(token)):
            return token
    token = "pl_" + secrets.token_hex(32)
    bootstrap.add_local_token(settings.db_path, hash_secret(token), settings.now().isoformat())
    _write_private(path, token)
    return token


def _write_private(path: os.PathLike[str], text: str) -> None:
    """Write `text` to a file only its owner can read (0600), atomically."""
    tmp = f"{os.fspath(path)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
