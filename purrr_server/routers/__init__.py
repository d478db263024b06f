"""Every API router, mounted under `/api/v1`, and which paths each one serves.

`MODULES` maps a path's first segment (or, for `cats/{id}/…`, its first and third) to the module
whose `router` serves it (`OUTSIDE_API`: the health probes). The daemon and hosted servers mount
every router at start; the in-process server of a one-shot CLI command mounts only what its
requests need (`Mounter`), since building all ~80 routes costs more than the command itself.
Append new resources here; `tests/server/test_routers.py` checks the table against the routes.
"""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter, FastAPI

from purrr_core import ACTIONS as CARE_ACTIONS

API_PREFIX = "/api/v1"

MODULES: dict[str, str] = {
    "auth": "purrr_server.routers.auth",
    "keys": "purrr_server.routers.keys",
    "account": "purrr_server.routers.account",
    "cats": "purrr_server.routers.cats",
    **{f"cats/*/{action}": "purrr_server.routers.care" for action in CARE_ACTIONS},
    "cats/*/insights": "purrr_server.routers.insights",
    "cats/*/use": "purrr_server.routers.shop",
    "cats/*/pedigree": "purrr_server.routers.breeding",
    "cats/*/devices": "purrr_server.routers.devices",
    "events": "purrr_server.routers.events",
    "games": "purrr_server.routers.games",
    "special-cats": "purrr_server.routers.games",
    "quests": "purrr_server.routers.quests",
    "economy": "purrr_server.routers.economy",
    "store": "purrr_server.routers.shop",
    "night-watch": "purrr_server.routers.nightwatch",
    "breeding": "purrr_server.routers.breeding",
    "genetics": "purrr_server.routers.breeding",
    "sync": "purrr_server.sync.router",
    "backup": "purrr_server.routers.backup",
    "rooms": "purrr_server.routers.rooms",
    "oauth": "purrr_server.routers.oauth",
    "territories": "purrr_server.routers.territory",
}

#: Mounted first: FastAPI tries the routers in the order they were mounted, and every route of
#: each, so a cat read or a care action (most of the traffic) is routed after a few patterns
#: instead of some twenty (docs/architecture.md, "Performance").
HOT = ("purrr_server.routers.cats", "purrr_server.routers.care")


#: Routers outside `/api/v1`, by the path they serve (mounted without the API prefix).
OUTSIDE_API: dict[str, str] = {"/health": "purrr_server.routers.health"}


def module_for(path: str) -> str | None:
    """The module serving `path`, or None when no table entry names it."""
    if not path.startswith(API_PREFIX + "/"):
        first = "/" + path.lstrip("/").split("/", 1)[0]
        return OUTSIDE_API.get(first)
    segments = path[len(API_PREFIX) + 1 :].split("/")
    if len(segments) >= 3 and (module := MODULES.get(f"{segments[0]}/*/{segments[2]}")):
        return module
    return MODULES.get(segments[0])


class Mounter:
    """Mounts routers on `app` as they are first needed (or all at once)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.mounted: set[str] = set()

    def mount(self, module: str) -> None:
        if module not in self.mounted:
            self.mounted.add(module)
            router: APIRouter = import_module(module).router
            outside = module in OUTSIDE_API.values()
            self.app.include_router(router, prefix="" if outside else API_PREFIX)

    def mount_all(self) -> None:
        for module in dict.fromkeys([*HOT, *OUTSIDE_API.values(), *MODULES.values()]):
            self.mount(module)

    def mount_for(self, path: str) -> None:
        """Mount the router for `path`; an unknown path (OpenAPI, docs, a 404) mounts them all."""
        module = module_for(path)
        if module is None:
            self.mount_all()
        else:
            self.mount(module)
