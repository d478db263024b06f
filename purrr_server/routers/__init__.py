"""Every API router, mounted under `/api/v1` by `create_app`. Append new resources here."""

from fastapi import APIRouter

from purrr_server.routers import (
    account,
    auth,
    cats,
    economy,
    events,
    games,
    insights,
    keys,
    quests,
    store,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    keys.router,
    account.router,
    cats.router,
    events.router,
    *(games.router, quests.router, economy.router, store.router, insights.router),
]
ROUTERS.append(__import__("purrr_server.routers.nightwatch", fromlist=["router"]).router)
ROUTERS.append(__import__("purrr_server.routers.breeding", fromlist=["router"]).router)
ROUTERS.append(__import__("purrr_server.sync.router", fromlist=["router"]).router)  # sync
