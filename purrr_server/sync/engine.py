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
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from purrr_core import RuleError
from purrr_server.actions import execute
from purrr_server.envelope import ApiError
from purrr_server.local_secrets import get_secret, secret_name
from purrr_server.runtime import Runtime
from purrr_server.store import Store, UnitOfWork
from purrr_server.store.sync import Link, Pending, digest, disagreeing
from purrr_server.store.users import User
from purrr_server.sync import backup as backups
from purrr_server.sync import protocol
from purrr_server.sync.hooks import REAPPLYING, Reapplying
from purrr_server.sync.refs import created_rows, has_refs, resolve

log = logging.getLogger("purrr.sync")

API = "/api/v1/sync"
PUSH_BATCH = 500
TIMEOUT_SECONDS = 30.0
#: `PURRR_SYNC_TIMEOUT_SECONDS` overrides it (a slow link; the fault soak's short waits).
TIMEOUT_ENV = "PURRR_SYNC_TIMEOUT_SECONDS"
#: The end-of-sync lease release is a courtesy: never wait long for it.
RELEASE_TIMEOUT = 5.0
BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 900.0
#: After a local action, wait this long for more before pushing (batches a burst of play).
DEBOUNCE_SECONDS = 2.0
KEY_ENV = "PURRR_REMOTE_API_KEY"
#: `PURRR_SYNC_BACKGROUND=0` keeps the daemon from syncing on its own.
BACKGROUND_ENV = "PURRR_SYNC_BACKGROUND"
#: A local clock further than this from the remote's gets a warning (lazy time makes it matter).
SKEW_WARNING_SECONDS = 60.0


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
            timeout=request_timeout(),
            headers={
                "X-API-Key": api_key,
                "User-Agent": "purrr-sync",
                protocol.HEADER: str(protocol.VERSION),
            },
        )
        #: The remote's advertised protocol range and its clock's offset from `clock`, from
        #: its last answer that carried them.
        self.remote_protocol: dict[str, Any] | None = None
        self.skew_seconds: float | None = None
        self.clock: Any = None

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

    async def release(self, client_id: str) -> None:
        """End the sync (the account's other devices may sync); best effort: the lease also
        runs out by itself."""
        with contextlib.suppress(SyncFailure):
            await self._call(
                "POST", f"{API}/release", json={"client_id": client_id}, timeout=RELEASE_TIMEOUT
            )

    async def restore(self, document: dict[str, Any], *, replace: bool) -> dict[str, Any]:
        """Replace the remote account's game by `document` (a backup); its id changes."""
        return await self._call(
            "POST",
            "/api/v1/backup/restore",
            json={"backup": document, "replace": replace},
            headers={"Idempotency-Key": f"purrr-link-{uuid.uuid4().hex}"},
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        before = self.clock() if self.clock else None
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
            self._note(data, before)
            return data
        raise _failure(self.url, response.status_code, body)

    def _note(self, data: dict[str, Any], before: datetime | None) -> None:
        """Check the remote's protocol range, and measure its clock against ours."""
        advertised = data.get("protocol")
        if isinstance(advertised, dict):
            self.remote_protocol = advertised
            if not protocol.supported(protocol.VERSION, advertised):
                raise _unsupported(self.url, advertised)
        stamp = data.get("server_time")
        if before is not None and isinstance(stamp, str):
            with contextlib.suppress(ValueError):
                after = self.clock()
                middle = before + (after - before) / 2
                self.skew_seconds = (datetime.fromisoformat(stamp) - middle).total_seconds()


def request_timeout() -> float:
    """Seconds to wait for the remote: `PURRR_SYNC_TIMEOUT_SECONDS`, else 30 (a value that is
    not a positive number is ignored)."""
    try:
        seconds = float(os.environ.get(TIMEOUT_ENV) or TIMEOUT_SECONDS)
    except ValueError:
        return TIMEOUT_SECONDS
    return seconds if seconds > 0 else TIMEOUT_SECONDS


def _unsupported(url: str, advertised: dict[str, Any]) -> SyncFailure:
    return SyncFailure(
        protocol.UNSUPPORTED,
        protocol.upgrade_message(protocol.VERSION, advertised, f"the remote at {url}"),
        426,
        {"remote": url, "supported": advertised, "version": protocol.VERSION},
    )


def _failure(url: str, status: int, body: Any) -> SyncFailure:
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    said = str(error.get("message") or f"HTTP {status}")
    details = {"remote": url, "remote_status": status, "remote_error": error}
    reason = (error.get("details") or {}).get("reason")
    if reason == protocol.UNSUPPORTED:
        return _unsupported(url, (error.get("details") or {}).get("supported") or {})
    if reason == "SYNC_BUSY":
        return SyncFailure("SYNC_BUSY", f"the remote at {url}: {said}", 409, details)
    if (error.get("details") or {}).get("setting") == "allow_game_uploads":
        return SyncFailure(
            "CONFLICT",
            f"the remote at {url} does not accept uploaded games, so this game cannot replace"
            " the remote account's: link with --keep remote (this game is backed up first)",
            409,
            details,
        )
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
    #: The agreement check: True (the confirmed state hashes like the remote's), or False.
    agreed: bool | None = None
    #: After a disagreement: {tables, backup, agreed} of the re-pull from scratch.
    repulled: dict[str, Any] | None = None
    clock_skew_seconds: float | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "applied": self.applied,
            "rejected": self.rejected,
            "pulled_rows": self.pulled_rows,
            "retry": self.retry,
            "agreed": self.agreed,
            "repulled": self.repulled,
            "clock_skew_seconds": self.clock_skew_seconds,
            "warnings": self.warnings,
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
        link: Link | None = await self.store.read.sync_local.link()
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
        client = RemoteClient(url, api_key, self.transport)
        client.clock = self.runtime.settings.now
        return client

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
                "agreement": {
                    "last_check": link.last_check,
                    "agreed": link.last_check_ok,
                    "mismatches": link.mismatches,
                    "last_repull": link.last_repull,
                },
                "clock_skew_seconds": link.clock_skew_seconds,
                "protocol": {"version": protocol.VERSION, "remote": link.remote_protocol},
                "warnings": _warnings(link),
            }
        return out

    async def link(
        self,
        url: str,
        api_key: str,
        interval_seconds: int = 300,
        *,
        keep: str | None = None,
        backup: str | None = None,
    ) -> dict[str, Any]:
        """Link to the remote account at `url`; the two games become one (docs/sync.md):

        * one side empty: the other's game is kept (an empty remote gets this game uploaded);
        * both with rows: `keep` says which — "remote" writes this game to a backup file
          (`backup`, else one in the data directory) and replaces it by the remote's; "local"
          uploads this game over the remote account's (if the remote accepts). Without `keep`,
          CONFLICT with `details.choice` (what each side holds and the backup path to name).
        """
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
            url = url.rstrip("/")
            client_id = uuid.uuid4().hex
            local = await self.store.read.sync_local.live(player.id)
            history = await self.store.read.sync_local.history_count(player.id)
            async with self.remote(url, api_key) as remote:
                try:
                    reply = await remote.pull(0, client_id)
                    remote_rows = _counts(reply["changes"])
                    keep = _choose(url, keep, _counts(local), remote_rows, history, self, backup)
                    uploaded: dict[str, Any] | None = None
                    saved: dict[str, Any] | None = None
                    if keep == "local" and (local or remote_rows):
                        document = backups.restorable(
                            await backups.export_game(self.runtime, player.id)
                        )
                        uploaded = await remote.restore(document, replace=bool(remote_rows))
                        reply = await remote.pull(0, client_id)
                    elif keep == "remote" and (local or history):
                        path = Path(backup) if backup else self._backup_path("before-link")
                        saved = await backups.write_backup(self.runtime, player.id, path)
                finally:
                    await remote.release(client_id)
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.forget()
                await uow.sync_local.create_link(
                    player.id, url, reply["user"], client_id, interval_seconds, self._now()
                )
                await uow.sync_local.confirm(reply["changes"], reply["tombstones"])
                await uow.sync_local.advance_cursor(0, int(reply["cursor"]), self._now())
                await uow.sync_local.update_link(
                    remote_protocol=remote.remote_protocol,
                    clock_skew_seconds=remote.skew_seconds,
                )
                if uploaded is not None:
                    ids = {
                        t: {int(o): int(n) for o, n in m.items()}
                        for t, m in uploaded["ids"].items()
                    }
                    await backups.rewrite_history(uow.sync_local, player.id, ids)
                elif keep == "remote":
                    # History belongs to the game it happened in: the replaced game's is in the
                    # backup; the ids it names now belong to the remote's rows.
                    await uow.sync_local.forget_history(player.id)
            self.api_key = api_key
            await self._rebuild()
        state = await self.status()
        state["link"] = {
            "kept": keep,
            "uploaded": uploaded["restored"] if uploaded else None,
            "backup": saved,
        }
        return state

    def _backup_path(self, reason: str) -> Path:
        return backups.default_path(self.runtime, reason)

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
        """Push then pull (then rebuild), check that both sides agree (re-pulling from scratch
        after a backup when they do not). Raises `SyncFailure` with nothing lost."""
        self._local_only()
        await self._open()
        async with self._lock:
            link = await self._link()
            key = self.key_for(link, api_key)
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.update_link(last_attempt=self._now())
            remote = self.remote(link.remote_url, key)
            try:
                async with remote:
                    try:
                        report = await self._push(remote, link)
                        reply = await self._pull(remote, report)
                        await self._rebuild()
                        if reply is not None:
                            await self._check(remote, link, reply, report)
                    finally:
                        await remote.release(link.client_id)
            except SyncFailure as failure:
                async with self.store.write(bump_version=False) as uow:
                    await uow.sync_local.update_link(
                        last_error=failure.message, failures=link.failures + 1
                    )
                raise
            finally:
                await self._rebuild()
                await self._note_remote(remote)
            if remote.skew_seconds is not None:
                report.clock_skew_seconds = round(remote.skew_seconds, 1)
                if abs(remote.skew_seconds) > SKEW_WARNING_SECONDS:
                    report.warnings.append(skew_warning(remote.skew_seconds, link.remote_url))
                    log.warning("sync: %s", report.warnings[-1])
            return report

    async def _note_remote(self, remote: RemoteClient) -> None:
        if remote.remote_protocol is None and remote.skew_seconds is None:
            return
        with contextlib.suppress(Exception):  # bookkeeping; never hides the sync's own outcome
            async with self.store.write(bump_version=False) as uow:
                if await uow.sync_local.link() is not None:
                    await uow.sync_local.update_link(
                        remote_protocol=remote.remote_protocol,
                        clock_skew_seconds=remote.skew_seconds,
                    )

    async def _check(
        self, remote: RemoteClient, link: Link, reply: dict[str, Any], report: Report
    ) -> None:
        """The agreement check: per-table hashes of the confirmed state against the digest the
        remote computed for the state it sent. On a difference: back the game up, pull
        everything again from scratch, check again; record it all on the link."""
        remote_digest = reply.get("digest")
        if not isinstance(remote_digest, dict):
            return  # a remote that sends no digest cannot be checked
        differ = disagreeing(await self._confirmed_digest(), remote_digest)
        report.agreed = not differ
        now = self._now()
        if not differ:
            async with self.store.write(bump_version=False) as uow:
                await uow.sync_local.update_link(last_check=now, last_check_ok=1)
            return
        log.warning("sync: this game disagrees with %s on %s", link.remote_url, differ)
        saved = await backups.write_backup(
            self.runtime, link.user_id, self._backup_path("before-repull")
        )
        async with self.store.write(bump_version=False) as uow:
            await uow.sync_local.restart_from_scratch()
        again = await self._pull(remote, Report())
        await self._rebuild()
        still: list[str] = []
        if again is not None and isinstance(again.get("digest"), dict):
            still = disagreeing(await self._confirmed_digest(), again["digest"])
        report.repulled = {"tables": differ, "backup": saved["path"], "agreed": not still}
        report.agreed = not still
        report.warnings.append(
            f"this game's copy disagreed with the remote on {', '.join(differ)}; it was backed"
            f" up to {saved['path']} and pulled again from scratch"
            + ("" if not still else f", and still disagrees on {', '.join(still)}")
        )
        async with self.store.write(bump_version=False) as uow:
            await uow.sync_local.update_link(
                last_check=now,
                last_check_ok=0 if still else 1,
                mismatches=link.mismatches + 1,
                last_repull={"at": now, **report.repulled},
            )

    async def _confirmed_digest(self) -> dict[str, str]:
        return digest(await self.store.read.sync_local.confirmed())

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

    async def _pull(self, remote: RemoteClient, report: Report) -> dict[str, Any] | None:
        """Pull the changes after the cursor into the confirmed state; the reply, or None when
        another sync of this database pulled meanwhile."""
        link = await self._link()
        reply = await remote.pull(link.cursor, link.client_id)
        last = int(reply["last_mutation_id"])
        async with self.store.write(bump_version=False) as uow:
            if not await uow.sync_local.advance_cursor(
                link.cursor, int(reply["cursor"]), self._now()
            ):
                return None  # another sync of this database pulled meanwhile
            await uow.sync_local.confirm(reply["changes"], reply["tombstones"])
            await uow.sync_local.set_outcomes(reply["mutations"])
            for pending in await uow.sync_local.pending(0):
                if pending.mutation_id > last:
                    break
                await self._acknowledge(uow, link, pending, report)
            await uow.sync_local.drop_through(last)
            await uow.sync_local.update_link(pushed_through=max(last, link.pushed_through))
        report.pulled_rows += sum(len(rows) for rows in reply["changes"].values())
        return reply

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
        async with self.store.write(link.user_id) as uow:
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


def _counts(tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {name: len(rows) for name, rows in tables.items() if rows}


def _choose(
    url: str,
    keep: str | None,
    local: dict[str, int],
    remote: dict[str, int],
    history: int,
    engine: SyncEngine,
    backup_path: str | None,
) -> str:
    """Which game a link keeps (see `SyncEngine.link`)."""
    if keep is not None:
        return keep
    if not remote and local:
        return "local"  # an empty remote account: upload, nothing is lost
    if not local:
        return "remote"  # nothing here to lose (the history goes to the backup)
    path = backup_path or str(engine._backup_path("before-link"))
    raise ApiError(
        "CONFLICT",
        f"both this game and the remote account at {url} have a game; choose which one to"
        " keep: keep=remote replaces this game (after writing a backup to"
        f" {path}), keep=local uploads this game over the remote account's",
        details={
            "choice": ["remote", "local"],
            "local": local,
            "remote": remote,
            "history": history,
            "backup": path,
        },
    )


def _warnings(link: Link) -> list[str]:
    out = []
    skew = link.clock_skew_seconds
    if skew is not None and abs(skew) > SKEW_WARNING_SECONDS:
        out.append(skew_warning(skew, link.remote_url))
    if link.last_check_ok is False:
        out.append(
            f"the last agreement check found this game's copy of {link.remote_url} different"
            " from the remote and could not repair it; run `purrr sync` again"
        )
    return out


def skew_warning(skew: float, url: str) -> str:
    ahead = "behind" if skew > 0 else "ahead of"
    return (
        f"this computer's clock is {abs(skew):.0f} s {ahead} the remote at {url}; time-based"
        " rules (hunger, the night window) are decided by the remote's clock, so set the"
        " clock right (enable NTP) to see what the remote will"
    )


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
