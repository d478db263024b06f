"""Health probes: `/health`, `/health/live`, `/health/ready`, `/health/detailed` (not under /api/v1)."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from purrr_server import __version__
from purrr_server.auth import authenticate, require_admin
from purrr_server.envelope import fail, ok
from purrr_server.runtime import runtime_of
from purrr_server.sync.protocol import advertised as sync_protocol

router = APIRouter(prefix="/health", tags=["health"])
#: A database that has not answered a probe within this many seconds is unreachable.
PROBE_SECONDS = 2.0


async def _database(request: Request) -> dict[str, Any]:
    """The database's kind (`sqlite` or `postgresql`) and whether it answers now."""
    store = runtime_of(request).store
    kind = store.kind
    try:
        reachable = await asyncio.wait_for(store.ping(), PROBE_SECONDS)
        version = (
            await asyncio.wait_for(store.current_version(), PROBE_SECONDS) if reachable else None
        )
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not fail
        return {"status": "error", "kind": kind, "reachable": False, "error": type(exc).__name__}
    if not reachable:
        return {"status": "error", "kind": kind, "reachable": False}
    return {"status": "ok", "kind": kind, "reachable": True, "version": version}


@router.get("", summary="Overall status")
async def health(request: Request) -> Response:
    mode = "hosted" if runtime_of(request).settings.hosted else "local"
    return ok(
        request,
        {"status": "ok", "version": __version__, "mode": mode, "sync_protocol": sync_protocol()},
    )


@router.get("/live", summary="The process is up")
async def live(request: Request) -> Response:
    return ok(request, {"status": "ok"})


@router.get("/ready", summary="The database answers (503 when it does not)")
async def ready(request: Request) -> Response:
    database = await _database(request)
    if database["status"] != "ok":
        return fail(
            request, "INTERNAL_SERVER_ERROR", "database unavailable", database, status_code=503
        )
    return ok(
        request,
        {"status": "ok", "database": {"kind": database["kind"], "reachable": True}},
    )


async def operator_only(request: Request) -> None:
    """On a hosted server the details (database path, sizes) are for authenticated account
    managers only: a bearer session or an API key with the `admin` scope."""
    if runtime_of(request).settings.hosted:
        await require_admin(await authenticate(request))


@router.get(
    "/detailed",
    summary="Database, disk and sync state (hosted: needs a session or an admin-scope key)",
    dependencies=[Depends(operator_only)],
)
async def detailed(request: Request) -> Response:
    runtime = runtime_of(request)
    usage = shutil.disk_usage(runtime.settings.data_dir)
    database = await _database(request)
    db_file = runtime.store.path
    if db_file is not None:
        database["path"] = str(db_file)
        database["size_bytes"] = db_file.stat().st_size if db_file.exists() else 0
    if database["reachable"]:
        database["migrations"] = await runtime.store.applied_migrations()
    checks = {
        "database": database,
        "disk": {
            "status": "ok" if usage.free > 50_000_000 else "low",
            "free_bytes": usage.free,
            "total_bytes": usage.total,
        },
        "sync": {"status": "not_configured"},
    }
    status = (
        "ok"
        if all(c["status"] in ("ok", "not_configured") for c in checks.values())
        else "degraded"
    )
    return ok(request, {"status": status, "version": __version__, "checks": checks})
