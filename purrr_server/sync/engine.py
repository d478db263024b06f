"""The local role: a game on this server linked to a remote purrr server (docs/sync.md).

* `link` pulls the remote account's whole state and makes it the local state.
* While linked, every syncable action is applied provisionally and queued in the outbox in the
  same transaction (purrr_server.sync.hooks).
* `sync` = `push` (send the outbox in order; the remote applies each mutation exactly once) then
  `pull` (the changes after the cursor, `last_mutation_id` and the outcomes): the confirmed state
  takes the changes, acknowledged mutations leave the outbox (rejections are kept to show the
  player), and `rebuild` makes the live tables the confirmed state with the still-pending
  mutations re-applied on top.

Every step is a transaction and `needs_rebuild` survives a crash, so killing the process at any
point loses nothing: the next sync (or start-up) finishes the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from purrr_core import RuleError
from purrr_server.actions import execute
from purrr_server.envelope import ApiError
from purrr_server.local_secrets import get_secret, secret_name
from purrr_server.runtime import Runtime
from purrr_server.store import Store, UnitOfWork
from purrr_server.store.sync import Link, Pending
from purrr_server.store.users import User
from purrr_server.sync.hooks import REAPPLYING, Reapplying
from purrr_server.sync.refs import created_rows, has_refs, resolve

log = logging.getLogger("purrr.sync")

API = "/api/v1/sync"
PUSH_BATCH = 500
TIMEOUT_SECONDS = 30.0
BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 900.0
#: After a local action, wait this long for more before pushing (batches a burst of play).
DEBOUNCE_SECONDS = 2.0
KEY_ENV = "PURRR_REMOTE_API_KEY"
#: `PURRR_SYNC_BACKGROUND=0` keeps the daemon from syncing on its own.
BACKGROUND_ENV = "PURRR_SYNC_BACKGROUND"


class SyncFailure(Exception):
    """Sync could not finish; the local game is intact. `status` is the HTTP status to answer."""

    def __init__(
        self, code: str, message: str, status: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.details = details or {}


class RemoteClient:
    """The remote's sync API over HTTP, its failures turned into `SyncFailure`."""

    def __init__(
        self, url: str, api_key: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.url,
            transport=transport,
            timeout=TIMEOUT_SECONDS,
            headers={"X-API-Key": api_key, "User-Agent": "purrr-sync"},
        )

    async def __aenter__(self) -> RemoteClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def push(self, client_id: str, pending: list[Pending]) -> dict[str, Any]:
        body = {
            "client_id": client_id,
            "mutations": [{"id": p.mutation_id, "name": p.name, "args": p.args} for p in pending],
        }
        return await self._call("POST", f"{API}/push", json=body)

    async def pull(self, cursor: int, client_id: str) -> dict[str, Any]:
        return await self._call(
            "GET", f"{API}/pull", params={"cursor": cursor, "client_id": client_id}
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise SyncFailure(
                "REMOTE_UNREACHABLE",
                f"cannot reach the remote at {self.url} ({type(exc).__name__}); local play "
                "continues and nothing is lost: sync again later",
                503,
                {"remote": self.url},
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict) and isinstance(body.get("data"), dict):
            data: dict[str, Any] = body["data"]
            return data
        raise _failure(self.url, response.status_code, body)


def _failure(url: str, status: int, body: Any) -> SyncFailure:
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    said = str(error.get("message") or f"HTTP {status}")
    details = {"remote": url, "remote_status": status, "remote_error": error}
    if status in (401, 403):
        return SyncFailure(
            "REMOTE_UNAUTHORIZED",
            f"the remote at {url} refused the API key: {said}; link again with a valid key",
            502,
            details,
        )
    if status == 409:
        return SyncFailure(
            "CONFLICT",
            f"the remote at {url} refused the outbox: {said}",
            409,
            {**details, **(error.get("details") or {})},
        )
    if status == 429:
        return SyncFailure(
            "RATE_LIMIT_EXCEEDED", f"the remote at {url} is rate limiting: {said}", 429, details
        )
    if status in (502, 503, 504):
        return SyncFailure(
            "REMOTE_UNREACHABLE",
            f"the remote at {url} is unavailable ({said});"
            " local play continues and nothing is lost",
            503,
            details,
        )
    return SyncFailure(
        "REMOTE_ERROR", f"the remote at {url} answered {status}: {said}", 502, details
    )


@dataclass
class Report:
    """What one `sync` did."""

    pushed: int = 0
    applied: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    pulled_rows: int = 0
    retry: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "applied": self.applied,
            "rejected": self.rejected,
            "pulled_rows": self.pulled_rows,
            "retry": self.retry,
        }


class SyncEngine:
    """The local role of one server (see the module docstring)."""

    def __init__(self, runtime: Runtime, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.runtime = runtime
        self.transport = transport
        #: The key the CLI handed over last (kept in memory only), for background syncs.
        self.api_key: str | None = None
        self._lock = asyncio.Lock()

    @property
    def store(self) -> Store:
        return self.runtime.store

    async def _open(self) -> None:
        await self.runtime.ensure_open()

    def _now(self) -> str:
        return self.runtime.settings.now().isoformat()

    def _local_only(self) -> None:
        if self.runtime.settings.hosted:
            raise ApiError(
                "FORBIDDEN", "a hosted server is a sync remote; only a local game links to one"
            )

    async def _link(self) -> Link:
        link = await self.store.read.sync_local.link()
        if link is None:
            raise ApiError(
                "NOT_FOUND",
                "this game is not linked to a remote; run `purrr remote link URL --api-key KEY`",
            )
        return link

    def key_for(self, link: Link, given: str | None = None) -> str:
        """The remote's API key: given now, handed over earlier, `PURRR_REMOTE_API_KEY`, or the
        one the CLI stored (`purrr_server.local_secrets`: the keyring or its 0600 file)."""
        if given:
            self.api_key = given
            return given
        key = self.api_key or os.environ.get(KEY_ENV) or _stored_key(link.remote_url)
        if not key:
            raise SyncFailure(
                "REMOTE_UNAUTHORIZED",
                "no API key for the remote; run `purrr "
                "sync` (it hands over the key from the keyring) or set "
                f"{KEY_ENV}",
                502,
                {"remote": link.remote_url},
            )
        return key

    def remote(self, url: str, api_key: str) -> RemoteClient:
        return RemoteClient(url, api_key, self.transport)

    # --- status, link, unlink ---

    async def status(self) -> dict[str, Any]:
        await self._open()
        read = self.store.read.sync_local
        link = await read.link()
        out: dict[str, Any] = {
            "linked": link is not None,
            "remote": None,
            "pending": await read.count_pending(),
            "last_push": None,
            "last_pull": None,
            "rejections": await read.rejections(),
        }
        if link is not None:
            out |= {
                "remote": {
                    "url": link.remote_url,
                    "user": link.remote_user,
                    "client_id": link.client_id,
                },
                "last_push": link.last_push,
                "last_pull": link.last_pull,
                "last_attempt": link.last_attempt,
                "last_error": link.last_error,
                "failures": link.failures,
                "cursor": link.cursor,
                "pushed_through": link.pushed_through,
                "next_mutation_id": link.next_mutation_id,
                "interval_seconds": link.interval_seconds,
                "needs_rebuild": link.needs_rebuild,
                "linked_at": link.linked_at,
            }
        return out

    async def link(self, url: str, api_key: str, interval_seconds: int = 300) -> dict[str, Any]:
        """Link to the remote at `url` and replace the local game with the remote account's."""
        self._local_only()
        await self._open()
        async with self._lock:
            existing = await self.store.read.sync_local.link()
            if existing is not None:
                raise ApiError(
                    "CONFLICT",
                    f"already linked to {existing.remote_url}; run `purrr remote unlink` first",
                    details={"remote": existing.remote_url},
                )
            player = await self.store.read.users.local()
            if player is None:
                raise ApiError("NOT_FOUND", "this server has no local player")
            client_id = uuid.uuid4().hex
            async with self.remote(url, api_key) as remote:
                reply = await remote.pull(0, client_id)
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.forget()
                await uow.sync_local.create_link(
                    player.id,
                    url.rstrip("/"),
                    reply["user"],
                    client_id,
                    interval_seconds,
                    self._now(),
                )
                await uow.sync_local.confirm(reply["changes"], reply["tombstones"])
                await uow.sync_local.advance_cursor(0, int(reply["cursor"]), self._now())
            self.api_key = api_key
            await self._rebuild()
        return await self.status()

    async def unlink(self, force: bool = False) -> dict[str, Any]:
        """Forget the remote; the local game stays as it is. Refused while actions are pending
        unless `force` (they would never reach the remote)."""
        await self._open()
        async with self._lock:
            link = await self._link()
            pending = await self.store.read.sync_local.count_pending()
            if pending and not force:
                raise ApiError(
                    "CONFLICT",
                    f"{pending} action(s) have not reached the remote yet;"
                    " run `purrr sync` first, or unlink with --force to drop them",
                    details={"pending": pending},
                )
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.forget()
            self.api_key = None
        return {"unlinked": link.remote_url, "dropped": pending}

    # --- sync ---

    async def sync(self, api_key: str | None = None) -> Report:
        """Push then pull (then rebuild). Raises `SyncFailure` with nothing lost."""
        self._local_only()
        await self._open()
        async with self._lock:
            link = await self._link()
            key = self.key_for(link, api_key)
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.update_link(last_attempt=self._now())
            try:
                async with self.remote(link.remote_url, key) as remote:
                    report = await self._push(remote, link)
                    await self._pull(remote, report)
            except SyncFailure as failure:
                async with self.store.write(bump_version=False) as uow:
                    await uow.sync_local.update_link(
                        last_error=failure.message, failures=link.failures + 1
                    )
                raise
            finally:
                await self._rebuild()
            return report

    async def recover(self) -> None:
        """Finish a rebuild a crash interrupted (cheap when there is none)."""
        await self._open()
        async with self._lock:
            await self._rebuild()

    async def _push(self, remote: RemoteClient, link: Link) -> Report:
        report = Report()
        after = link.pushed_through
        while True:
            batch = await self.store.read.sync_local.pending(after, PUSH_BATCH)
            if not batch:
                return report
            reply = await remote.push(link.client_id, batch)
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.set_outcomes(reply["results"])
                await uow.sync_local.update_link(
                    pushed_through=int(reply["last_mutation_id"]), last_push=self._now()
                )
            report.pushed += len(reply["results"])
            after = int(reply["last_mutation_id"])
            if reply.get("retry") or after < batch[-1].mutation_id:
                report.retry = reply.get("retry") or {"id": after + 1}
                return report

    async def _pull(self, remote: RemoteClient, report: Report) -> None:
        link = await self._link()
        reply = await remote.pull(link.cursor, link.client_id)
        last = int(reply["last_mutation_id"])
        async with self.store.write(bump_version=False) as uow:
            if not await uow.sync_local.advance_cursor(
                link.cursor, int(reply["cursor"]), self._now()
            ):
                return  # another sync of this database pulled meanwhile
            await uow.sync_local.confirm(reply["changes"], reply["tombstones"])
            await uow.sync_local.set_outcomes(reply["mutations"])
            for pending in await uow.sync_local.pending(0):
                if pending.mutation_id > last:
                    break
                await self._acknowledge(uow, link, pending, report)
            await uow.sync_local.drop_through(last)
            await uow.sync_local.update_link(pushed_through=max(last, link.pushed_through))
        report.pulled_rows = sum(len(rows) for rows in reply["changes"].values())

    async def _acknowledge(
        self, uow: UnitOfWork, link: Link, pending: Pending, report: Report
    ) -> None:
        if pending.remote_status == "applied":
            report.applied += 1
            # The remote listed them with `created_rows` already: numbering again is idempotent.
            created = created_rows([(t, int(i)) for t, i in pending.remote_created or []])
            await uow.sync_local.add_remote_ids(pending.mutation_id, created)
            return
        error = pending.remote_result or {
            "code": "UNKNOWN",
            "message": "the remote processed this action but its outcome was not received",
        }
        await uow.sync_local.reject(link.client_id, pending, error, self._now())
        report.rejected.append(
            {
                "mutation_id": pending.mutation_id,
                "name": pending.name,
                "args": pending.args,
                "error": error,
            }
        )

    async def _rebuild(self) -> None:
        """Live tables := confirmed state + pending mutations re-applied (if a pull asked)."""
        link = await self.store.read.sync_local.link()
        if link is None or not link.needs_rebuild:
            return
        async with self.store.write() as uow:
            written = await uow.sync_local.replace_live(link.user_id)
            await uow.events.append(
                link.user_id,
                "sync.pulled",
                {"rows": written, "remote": link.remote_url},
                self._now(),
            )
        user = await self.store.read.users.get(link.user_id)
        if user is None:
            raise RuntimeError(f"the linked local player {link.user_id} is gone")
        for pending in await self.store.read.sync_local.pending(0):
            await self._reapply(user, pending)
        async with self.store.write(bump_version=False) as uow:
            await uow.sync_local.update_link(needs_rebuild=0)

    async def _reapply(self, user: User, pending: Pending) -> None:
        args = pending.args
        if has_refs(args):
            args = await resolve(args, self._local_lookup)
        token = REAPPLYING.set(Reapplying(pending.mutation_id, pending.action_id))
        try:
            await execute(self.runtime, user, pending.name, args, seed=pending.seed)
        except RuleError as exc:
            log.info(
                "sync: pending %s %s no longer applies locally: %s",
                pending.mutation_id,
                pending.name,
                exc.message,
            )
            await self._mark_failed(pending)
        except Exception:  # the remote decides; a local crash must not block the rebuild
            log.exception(
                "sync: re-applying pending %s %s crashed", pending.mutation_id, pending.name
            )
            await self._mark_failed(pending)
        finally:
            REAPPLYING.reset(token)

    async def _mark_failed(self, pending: Pending) -> None:
        async with self.store.write(bump_version=False) as uow:
            await uow.sync_local.set_applied(pending.mutation_id, None)
            if pending.action_id is not None:
                await uow.sync_local.delete_action(pending.action_id)

    async def _local_lookup(self, mutation_id: int, table: str, ordinal: int) -> int | None:
        read = self.store.read.sync_local
        found: int | None = await read.local_id(mutation_id, table, ordinal)
        if found is None:
            found = await read.remote_id(mutation_id, table, ordinal)
        return found

    # --- background ---

    async def run_forever(self) -> None:
        """Sync in the background: every `interval_seconds`, soon after local play, and with
        exponential backoff (plus jitter) while the remote fails."""
        failures = 0
        loop = asyncio.get_running_loop()
        try:
            await self.recover()
        except Exception:  # the loop below retries the sync, and with it the rebuild
            log.exception("sync: finishing an interrupted rebuild at start-up failed")
        while True:
            link = await self.store.read.sync_local.link()
            delay = float(link.interval_seconds) if link else 60.0
            if link is not None:
                try:
                    report = await self.sync()
                    failures = failures + 1 if report.retry else 0
                except SyncFailure as failure:
                    failures += 1
                    log.info("background sync failed (%s): %s", failure.code, failure.message)
                except Exception:
                    failures += 1
                    log.exception("background sync crashed")
            if failures:
                delay = min(BACKOFF_FIRST_SECONDS * 2 ** (failures - 1), BACKOFF_MAX_SECONDS)
                delay *= random.uniform(0.8, 1.2)
            await self._wait(loop.time() + delay, wake_on_play=not failures)

    async def _wait(self, deadline: float, *, wake_on_play: bool) -> None:
        loop = asyncio.get_running_loop()
        while (left := deadline - loop.time()) > 0:
            if wake_on_play and await self.store.read.sync_local.count_pending():
                await asyncio.sleep(DEBOUNCE_SECONDS)
                return
            await self.store.wait_for_change(left)


def _stored_key(url: str) -> str | None:
    """The API key the CLI stored for the remote at `url` (keyring or its 0600 fallback file)."""
    try:
        return get_secret(secret_name("api_key", url))
    except Exception:  # a keyring backend that fails (locked, no D-Bus): the other sources apply
        log.warning("sync: cannot read the API key of %s from the keyring", url, exc_info=True)
        return None


def engine_of(app: FastAPI) -> SyncEngine:
    """The app's sync engine (created on first use)."""
    engine: SyncEngine | None = getattr(app.state, "sync_engine", None)
    if engine is None:
        engine = app.state.sync_engine = SyncEngine(app.state.runtime)
    return engine


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Around the app's life: finish an interrupted rebuild; in the daemon
    (`app.state.background_sync`, unless `PURRR_SYNC_BACKGROUND=0`), sync in the background."""
    engine = engine_of(app)
    if app.state.runtime.settings.hosted:
        yield
        return
    task = None
    if getattr(app.state, "background_sync", False) and os.environ.get(BACKGROUND_ENV) != "0":
        task = asyncio.create_task(engine.run_forever(), name="purrr-background-sync")
    else:
        await engine.recover()
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
