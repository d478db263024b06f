"""Routers mounted on demand (the in-process server of one-shot CLI commands) serve exactly what
the fully mounted app serves, and every action hook runs whichever routers are mounted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from importlib import import_module

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from purrr_server.routers import API_PREFIX, MODULES, OUTSIDE_API, module_for
from purrr_server.settings import Settings
from tests.server.conftest import _serve, adopt, idem


def module_routes() -> list[tuple[str, str, str]]:
    """(path, method, module) of every route the table's modules define."""
    return [
        (API_PREFIX + route.path, method, module)
        for module in dict.fromkeys(MODULES.values())
        for route in import_module(module).router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    ]


def openapi_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(API_PREFIX)
        for method in operations
    }


def test_the_table_names_the_module_of_every_route() -> None:
    routes = module_routes()
    assert len(routes) > 50
    for path, _, module in routes:
        assert module_for(re.sub(r"\{[^}]+\}", "7", path)) == module, path


def test_mounting_on_demand_ends_with_the_same_api(
    app: FastAPI, settings: Settings, make_app: Callable[..., FastAPI]
) -> None:
    lazy = make_app(settings, mount_on_demand=True)
    assert lazy.state.mounter.mounted == set()
    lazy.state.mounter.mount_all()
    assert openapi_routes(lazy) == openapi_routes(app)
    assert openapi_routes(app) == {(path, method) for path, method, _ in module_routes()}


@pytest.fixture
async def lazy_client(
    settings: Settings, make_app: Callable[..., FastAPI]
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = make_app(settings, mount_on_demand=True)
    token = settings.token_path.read_text().strip()
    async for client in _serve(app, {"Authorization": f"Bearer {token}"}):
        yield app, client


def mounted(app: FastAPI) -> set[str]:
    return set(app.state.mounter.mounted)


async def test_a_request_mounts_only_the_router_it_needs(lazy_client) -> None:
    app, client = lazy_client
    cat = await adopt(client)
    assert (await client.get("/api/v1/cats")).status_code == 200
    assert mounted(app) == {"purrr_server.routers.cats"}
    r = await client.get(f"/api/v1/cats/{cat['id']}/insights")
    assert r.status_code == 200
    assert mounted(app) == {"purrr_server.routers.cats", "purrr_server.routers.insights"}


async def test_hooks_run_although_their_routers_are_not_mounted(lazy_client) -> None:
    """Quest progress comes from an after-action hook of the quests service: feeding through the
    cats router alone must still count."""
    app, client = lazy_client
    cat = await adopt(client)
    r = await client.post(f"/api/v1/cats/{cat['id']}/feed", json={"food_type": "salmon"},
                          headers=idem())  # fmt: skip
    assert r.status_code == 200, r.text
    assert "purrr_server.routers.quests" not in mounted(app)
    quests = {q["id"]: q for q in (await client.get("/api/v1/quests")).json()["data"]}
    assert quests["first_meal"]["complete"]


async def test_unknown_paths_mount_everything_and_still_404(lazy_client) -> None:
    app, client = lazy_client
    assert (await client.get("/api/v1/no-such-thing")).status_code == 404
    assert (await client.get("/openapi.json")).json()["paths"]
    assert mounted(app) == {*MODULES.values(), *OUTSIDE_API.values()}


def test_the_services_table_names_the_module_of_every_action_and_hook() -> None:
    from purrr_server import services
    from purrr_server.actions import ACTIONS, AFTER_ACTION, ON_LOGGED

    services.load_all()
    assert len(ACTIONS) > 30
    for name, spec in ACTIONS.items():
        assert services.MODULES[name.split(".", 1)[0]] == spec.handler.__module__, name
    assert {hook.__module__ for hook in AFTER_ACTION} <= set(services.HOOKS)
    # the sync outbox's hook too: the sync package itself loads nothing (tests/cli checks)
    assert {hook.run.__module__ for hook in ON_LOGGED} <= set(services.HOOKS)


async def test_health_probes_are_mounted_when_first_asked_for(lazy_client) -> None:
    app, client = lazy_client
    assert (await client.get("/api/v1/cats")).status_code == 200
    assert "purrr_server.routers.health" not in mounted(app)
    r = await client.get("/health")
    assert r.status_code == 200 and r.json()["data"]["status"] == "ok"
    assert (await client.get("/health/live")).status_code == 200
    assert mounted(app) == {"purrr_server.routers.cats", "purrr_server.routers.health"}
    assert "/health/ready" in (await client.get("/openapi.json")).json()["paths"]
