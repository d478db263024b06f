"""Per-app state: settings, the store and the in-memory caches, reached as `request.app.state.runtime`.

The database schema is migrated synchronously when the runtime is built (so `create_app` leaves a
ready database and, in local mode, the local token file). The connections are opened
lazily by the first request (SQLite: two connections; PostgreSQL: a psycopg pool), so the app also works under transports that skip ASGI lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from purrr_server.ratelimit import RateLimiter
from purrr_server.settings import Settings
from purrr_server.store import Store, bootstrap, migrate
from purrr_server.store.credentials import Credential

if TYPE_CHECKING:
    from purrr_server.live import EventWaker

log = logging.getLogger("purrr_server")
#: How often (seconds) old rate-limit windows are removed from the database.
PRUNE_SECONDS = 60.0


@dataclass
class Runtime:
    settings: Settings
    store: Store
    limiter: RateLimiter
    #: secret digest → (credential, cached at monotonic seconds)
    auth_cache: dict[str, tuple[Credential, float]] = field(default_factory=dict)
    #: (user id, Idempotency-Key) of requests being executed by this process right now: a
    #: duplicate gets 409 at once; across processes the key's unique index decides.
    in_flight: set[tuple[int, str]] = field(default_factory=set)
    #: api key id → monotonic time its last_used_at was written
    key_touched: dict[int, float] = field(default_factory=dict)
    background: set[asyncio.Task[None]] = field(default_factory=set)
    #: Merges the rate-limit counts with the database (hosted mode with rate limits).
    limit_merger: asyncio.Task[None] | None = None
    limits_pruned_at: float = 0.0
    #: Wakes this process's live event streams (purrr_server.live), made on first use.
    _event_waker: EventWaker | None = None

    @property
    def event_waker(self) -> EventWaker:
        if self._event_waker is None:
            from purrr_server.live import EventWaker

            self._event_waker = EventWaker(self.store, self.settings.events_poll_seconds)
        return self._event_waker

    async def ensure_open(self) -> None:
        """Open the store on first use, load the bans and start merging rate-limit counts."""
        if self.store.is_open:
            return
        await self.store.open()
        await self._load_bans()
        if self.settings.hosted and self.settings.rate_limit and self.limit_merger is None:
            self.limit_merger = asyncio.ensure_future(self._merge_limits_forever())

    async def _load_bans(self) -> None:
        bans = await self.store.read.security.active_bans(self.settings.now().isoformat())
        self.limiter.load_bans({k: datetime.fromisoformat(v).timestamp() for k, v in bans.items()})

    async def merge_limits(self) -> None:
        """Add this process's rate-limit counts to the database in one transaction and take
        every process's totals and bans back (purrr_server.ratelimit)."""
        now = self.settings.now().timestamp()
        self.limiter.forget(now)
        pending = self.limiter.pending()
        if not pending:
            return
        totals = []
        async with self.store.write(bump_version=False) as uow:
            for sent in pending:
                totals.append(
                    await uow.security.add_hits(
                        sent.subject, sent.window_start, sent.hits, sent.violations
                    )
                )
            if now - self.limits_pruned_at >= PRUNE_SECONDS:
                self.limits_pruned_at = now
                await uow.security.drop_windows_before(int(now) - self.limiter.window)
        for sent, (hits, violations) in zip(pending, totals, strict=True):
            self.limiter.merged(sent, hits, violations)
        await self._load_bans()

    async def _merge_limits_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.shared_state_seconds)
            try:
                await self.merge_limits()
            except Exception:  # noqa: BLE001 - a busy or unreachable database: retry next time
                log.warning("could not merge rate-limit counts; retrying", exc_info=True)

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
        if self.limit_merger is not None:
            self.limit_merger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.limit_merger
            self.limit_merger = None
            if self.store.is_open:
                with contextlib.suppress(Exception):
                    await self.merge_limits()  # what this process counted last is not lost
        if self._event_waker is not None:
            await self._event_waker.close()
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
