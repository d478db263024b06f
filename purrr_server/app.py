"""The FastAPI app factory: `create_app(settings)`."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from purrr_server import __version__, services
from purrr_server.errors import install_error_handlers
from purrr_server.hot import HotPaths
from purrr_server.limits import HeavyWork, StreamSlots
from purrr_server.middleware import BodyLimit, PlatformMiddleware
from purrr_server.routers import Mounter
from purrr_server.runtime import Runtime, build_runtime
from purrr_server.settings import Settings
from purrr_server.sync import lifespan as sync_lifespan

DESCRIPTION = """The Purrr.love v1 API on SQLite. Every response uses one envelope:
`{"success", "data" | "error", "meta": {"request_id", "timestamp"}}`. Send `Idempotency-Key` on
every POST/PUT/PATCH/DELETE to make retries safe. Authenticate with `Authorization: Bearer <token>`
or `X-API-Key: <key>`."""


def create_app(settings: Settings | None = None, *, mount_on_demand: bool = False) -> FastAPI:
    """The API for `settings` (default: from the environment). Migrates the database now.

    With `mount_on_demand` (the in-process server of one-shot CLI commands) a router is mounted
    when the first request for its paths arrives, and an action's module is imported when it
    first runs (`purrr_server.services`), instead of everything at start.
    """
    settings = settings or Settings()
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.ensure_open()
        if app.state.background_sync:  # a served process: the daemon or a hosted worker
            # It keeps everything loaded so far for its life: the modules, the app, its routes.
            # Out of the collector's sight, a full collection scans only what requests leave
            # behind: 12-22 ms with the event loop stopped instead of 60-90 ms, several times a
            # minute under load (docs/architecture.md).
            gc.freeze()
        try:
            async with sync_lifespan(app):
                yield
        finally:
            await runtime.close()

    app = FastAPI(
        title="purrr",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry=telemetry_config(os.environ),
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.background_sync = False  # the daemon turns it on (purrr_server.daemon.serve)
    app.state.heavy_work = HeavyWork(settings.heavy_workers)
    app.state.stream_slots = StreamSlots(settings.max_streams_per_player)
    install_error_handlers(app)
    mounter = app.state.mounter = Mounter(app)
    # Added first, so innermost: the platform layer, the body limit and CORS wrap it too.
    app.add_middleware(HotPaths, runtime=runtime)
    if mount_on_demand:
        app.add_middleware(MountOnDemand, mounter=mounter)
    else:
        services.load_all()
        mounter.mount_all()
    if settings.hosted and settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "X-API-Key",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-Request-Id",
            ],
            expose_headers=[
                "X-Request-Id",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "Retry-After",
                "ETag",
                "X-Total-Count",
            ],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, clock=settings.now)
    app.add_middleware(PlatformMiddleware, runtime=runtime)
    return app


#: FastAPI's own OpenTelemetry instrumentation, off (see `telemetry_config`).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def telemetry_config(environ: Mapping[str, str]) -> TelemetryConfig | None:
    """FastAPI's default telemetry (None) when the environment sets OpenTelemetry up (an
    `OTEL_*` variable, or `FASTAPI_OTEL_AUTO_CONFIGURE`), else `NO_TELEMETRY`: with it on,
    FastAPI asks the global providers on every request whether one is configured, about 20 µs
    of a request that costs 50 µs in-process (docs/architecture.md, "Performance")."""
    if any(name.startswith(("OTEL_", "FASTAPI_OTEL_")) for name in environ):
        return None
    return NO_TELEMETRY


class MountOnDemand:
    """ASGI middleware: mount the router a request needs before routing it."""

    def __init__(self, app: Any, mounter: Mounter) -> None:
        self.app = app
        self.mounter = mounter

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.mounter.mount_for(scope["path"])
        await self.app(scope, receive, send)


async def close_app(app: FastAPI) -> None:
    """Close the app's database connections (for in-process use without ASGI lifespan)."""
    runtime: Runtime = app.state.runtime
    await runtime.close()
