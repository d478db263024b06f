"""Fixtures: the app on a temporary data dir with a pinned clock, and httpx clients for it."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.actions import ACTIONS, Handler, action
from purrr_server.app import close_app, create_app
from purrr_server.settings import Settings

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"
_keys = itertools.count(1)


def idem() -> dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": f"test-key-{next(_keys)}"}


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Test settings: a pinned clock and a cheap Argon2id cost (the algorithm is unchanged)."""
    defaults: dict[str, Any] = {
        "data_dir": data_dir,
        "pinned_now": NOW,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
    }
    return Settings(**{**defaults, **overrides})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def hosted_settings(tmp_path: Path, database: str | None) -> Settings:
    """A hosted server's settings, once on SQLite and once on PostgreSQL (`database`)."""
    return make_settings(
        tmp_path / "hosted",
        hosted=True,
        cors_origins=["https://purrr.love"],
        database_url=database,
    )


async def _serve(app: FastAPI, headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://purrr.test", headers=headers
        ) as client:
            yield client


@pytest.fixture
async def make_app() -> AsyncIterator[Callable[..., FastAPI]]:
    """`create_app(settings, ...)` whose apps are all closed when the test ends, pass or fail
    (an open app's database threads would keep the test process from exiting)."""
    apps: list[FastAPI] = []

    def make(settings: Settings, **options: Any) -> FastAPI:
        apps.append(create_app(settings, **options))
        return apps[-1]

    try:
        yield make
    finally:
        for app in reversed(apps):
            await close_app(app)


@pytest.fixture
async def app(settings: Settings, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(settings)


@pytest.fixture
async def client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The local player's client (Bearer local token)."""
    token = settings.token_path.read_text().strip()
    async for c in _serve(app, {"Authorization": f"Bearer {token}"}):
        yield c


@pytest.fixture
async def hosted_app(hosted_settings: Settings, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(hosted_settings)


@pytest.fixture
async def anon(hosted_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An unauthenticated client of the hosted app."""
    async for c in _serve(hosted_app, {}):
        yield c


@pytest.fixture
def temporary_action() -> Iterator[Callable[..., Callable[[Handler], Handler]]]:
    """`@temporary_action("test.name", **options)`: the real `purrr_server.actions.action`
    decorator, but the action is gone from the process-wide registry when the test ends, so no
    other test ever sees it."""
    added: list[str] = []

    def register(name: str, **options: Any) -> Callable[[Handler], Handler]:
        assert name not in ACTIONS, f"{name} is a real action; pick another name"

        def decorate(handler: Handler) -> Handler:
            action(name, **options)(handler)
            added.append(name)
            return handler

        return decorate

    try:
        yield register
    finally:
        for name in added:
            ACTIONS.pop(name, None)


async def register_and_login(anon: httpx.AsyncClient, username: str) -> str:
    """Create an account on the hosted app and return a bearer token for it."""
    r = await anon.post(
        "/api/v1/auth/register",
        headers=idem(),
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": "correct horse 9",
        },
    )
    assert r.status_code == 201, r.text
    r = await anon.post(
        "/api/v1/auth/login",
        headers=idem(),
        json={"username": username, "password": "correct horse 9"},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["data"]["access_token"])


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    return lambda token: {"Authorization": f"Bearer {token}"}


async def adopt(client: httpx.AsyncClient, name: str = "Whiskers", **fields: Any) -> dict[str, Any]:
    """Adopt a cat through the API and return its JSON."""
    body = {"name": name, "personality_type": "playful", "genotype": GENOTYPE, **fields}
    r = await client.post("/api/v1/cats", json=body, headers=idem())
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])
